#!/usr/bin/env bash
# Sets up the machine, builds everything once, and runs every test:
# unit, namespace, reference-interop, IPVS (one guest boot), fuzz.
# Exits non-zero on any failure; the last line is the test runner's verdict.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
# Tests that read results of the stages below require them when this is set.
export KA_TEST_SH=1

scripts/setup.sh || exit 1

echo "== build (tests and programs)"
swift build --build-tests 2>&1 | tail -n 5
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build failed"; exit 1; }

status=0
mkdir -p test-out
# Stages that run outside `swift test` write results it then checks.
for stage in scripts/test.d/*.sh; do
  [ -e "$stage" ] || continue
  echo "== $(basename "$stage")"
  started=$SECONDS
  if ! "$stage"; then echo "stage $(basename "$stage") failed"; status=1; fi
  echo "-- $(basename "$stage"): $((SECONDS - started)) s"
done

# A hung test must fail this run, not outlast CI: whatever time is left of
# the 30 minutes the whole run is allowed, and at least ten minutes.
budget=$((1800 - SECONDS)); [ "$budget" -ge 600 ] || budget=600
echo "== swift test (at most $budget s)"
started=$SECONDS
timeout --kill-after=20 "$budget" swift test --skip-build 2>&1 | tee test-out/swift-test.log | grep -vE '^(◇|↳|✔ Test [a-zA-Z].* passed|(✔|✘) Test run with)'
rc=${PIPESTATUS[0]}
[ "$rc" -eq 124 ] && echo "swift test did not finish within $budget s"
[ "$rc" -eq 0 ] || status=1
echo "-- swift test: $((SECONDS - started)) s; whole run: $SECONDS s"
grep -E '^(✔|✘) Test run with' test-out/swift-test.log | tail -n 1 | grep . \
  || echo "✘ Test run did not finish (swift test exit status $rc)"
exit $status
