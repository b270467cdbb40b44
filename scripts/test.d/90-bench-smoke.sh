#!/usr/bin/env bash
# A short run of every benchmark, so they keep working (figures not asserted).
set -uo pipefail
cd "$(dirname "$0")/../.."
exec scripts/bench.sh --smoke
