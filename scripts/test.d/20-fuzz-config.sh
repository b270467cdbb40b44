#!/usr/bin/env bash
# Fuzzes the text side of kaconf (reader, preprocessor, block parser,
# command splitting, diagnostic rendering) with libFuzzer for at least
# FUZZ_SECONDS (default 60) seconds.
#
# Built with swiftc directly (-sanitize=fuzzer,address) into .build-fuzz/,
# separate from the SwiftPM build. Seeds: the committed corpus
# Fuzz/corpus/config/ (our own configurations and every crash found so
# far), plus keepalived's sample configurations from ../shared when present.
# New inputs go to a scratch copy under test-out/, never into the committed
# corpus; a crash leaves its input in fuzz-artifacts/ and fails the stage:
# add that file to Fuzz/corpus/config/ with the fix.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
seconds="${FUZZ_SECONDS:-60}"
out=.build-fuzz
mkdir -p "$out" test-out fuzz-artifacts

sources=(Sources/KeepalivedConfig/Diagnostics.swift Sources/KeepalivedConfig/Host.swift
         Sources/KeepalivedConfig/Syntax.swift Sources/KeepalivedConfig/Text/*.swift Fuzz/config/*.swift)
echo "fuzz-config: building $out/fuzz-config"
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzConfig \
    "${sources[@]}" -o "$out/fuzz-config" 2> "$out/build.log"; then
  grep -v "Cannot export local symbol" "$out/build.log" | tail -n 30
  echo "fuzz-config: build failed"
  exit 1
fi

corpus=test-out/fuzz-config-corpus
rm -rf "$corpus"
mkdir -p "$corpus"
cp Fuzz/corpus/config/* "$corpus"/
shared="${KA_SHARED_DIR:-../shared}/corpus/keepalived-samples"
if [ -d "$shared" ]; then
  for f in "$shared"/keepalived.conf.* "$shared"/etc/keepalived.conf "$shared"/docker/keepalived.conf; do
    [ -f "$f" ] && cp "$f" "$corpus/sample-$(echo "${f#$shared/}" | tr / _)"
  done
fi
echo "fuzz-config: $(ls "$corpus" | wc -l) seeds, ${seconds}s"

"$out/fuzz-config" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix=fuzz-artifacts/config- "$corpus" > test-out/fuzz-config.log 2>&1
status=$?
grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY|Test unit written" test-out/fuzz-config.log
if [ $status -ne 0 ]; then
  echo "fuzz-config: FAILED (exit $status); see test-out/fuzz-config.log and fuzz-artifacts/"
  exit 1
fi
echo "fuzz-config: ok, no crash or hang in ${seconds}s"
