#!/usr/bin/env bash
# Fuzzes the frame decoder every program uses on its sockets (Wire's
# Frame.decode, the Codec payload decoding under it, the slice assembler)
# with libFuzzer for at least FUZZ_SECONDS (default 60) seconds.
#
# Built with swiftc directly (-sanitize=fuzzer,address) into .build-fuzz/,
# separate from the SwiftPM build, from Sources/Codec and the Wire files that
# do no I/O. Seeds: the committed corpus Fuzz/corpus/wire/ (one frame of
# every message type, from Fuzz/wire/MakeCorpus.swift, and every crash found
# so far). New inputs go to a scratch copy under test-out/; a crash leaves
# its input in fuzz-artifacts/ and fails the stage: add that file to
# Fuzz/corpus/wire/ with the fix.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
seconds="${FUZZ_SECONDS:-60}"
out=.build-fuzz/wire
mkdir -p "$out" test-out fuzz-artifacts

# Wire's pure files: everything but the socket code.
wire=()
for f in Sources/Wire/*.swift; do
  case "$(basename "$f")" in Socket.swift|Channel.swift) ;; *) wire+=("$f") ;; esac
done

echo "fuzz-wire: building $out/fuzz-wire"
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -module-name Codec -emit-module \
    -emit-module-path "$out/Codec.swiftmodule" -emit-object -o "$out/Codec.o" Sources/Codec/*.swift 2> "$out/build.log" ||
   ! swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzWire -I "$out" \
    "${wire[@]}" Fuzz/wire/FuzzFrame.swift "$out/Codec.o" -o "$out/fuzz-wire" 2>> "$out/build.log"; then
  grep -v "Cannot export local symbol" "$out/build.log" | tail -n 30
  echo "fuzz-wire: build failed"
  exit 1
fi

corpus=test-out/fuzz-wire-corpus
rm -rf "$corpus"
mkdir -p "$corpus"
cp Fuzz/corpus/wire/* "$corpus"/
echo "fuzz-wire: $(ls "$corpus" | wc -l) seeds, ${seconds}s"

"$out/fuzz-wire" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=70000 -print_final_stats=1 \
  -artifact_prefix=fuzz-artifacts/wire- "$corpus" > test-out/fuzz-wire.log 2>&1
status=$?
grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY|Test unit written" test-out/fuzz-wire.log
if [ $status -ne 0 ]; then
  echo "fuzz-wire: FAILED (exit $status); see test-out/fuzz-wire.log and fuzz-artifacts/"
  exit 1
fi
echo "fuzz-wire: ok, no crash or hang in ${seconds}s"
