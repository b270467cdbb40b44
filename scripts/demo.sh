#!/usr/bin/env bash
# Sets up the machine, builds the programs, and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
scripts/setup.sh
echo "== build"
swift build -c release 2>&1 | tail -n 3
bin=$(swift build -c release --show-bin-path)
exec scripts/demo/run.sh "$bin"
