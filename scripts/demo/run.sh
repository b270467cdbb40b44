#!/usr/bin/env bash
# The demo, in acts; each act runs when its programs are built.
#   scripts/demo/run.sh BIN_DIR
set -euo pipefail
bin=${1:?usage: run.sh BIN_DIR}
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$bin:$PATH"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

for act in "$here"/act-*.sh; do
  [ -e "$act" ] || continue
  "$act" "$bin"
done
say "demo finished"
