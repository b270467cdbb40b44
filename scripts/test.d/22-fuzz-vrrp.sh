#!/usr/bin/env bash
# Fuzzes the VRRP packet decoder, validator and state machine with libFuzzer
# for at least 60 s (FUZZ_SECONDS overrides), seeded from keepalived's captured
# frames (Fuzz/VRRPPacket/corpus). A crash leaves its input in
# fuzz-artifacts/vrrp/ and fails the stage; add it to the corpus and to a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
seconds=${FUZZ_SECONDS:-60}
out=.build-fuzz/vrrp
mkdir -p "$out" fuzz-artifacts/vrrp test-out
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -I "$out" -L "$out")

# The fuzzed modules are compiled as they are, each on its own, with the fuzzer's instrumentation.
build_module() {
  local name=$1; shift
  swiftc "${flags[@]}" -emit-module -emit-library -static -module-name "$name" \
    -o "$out/lib$name.a" -emit-module-path "$out/$name.swiftmodule" "$@" Sources/"$name"/*.swift
}
# gold warns once per sanitizer helper symbol; those lines say nothing.
quiet() { grep -v "Cannot export local symbol" || true; }
{
  build_module Codec
  build_module ConfigModel -lCodec
  build_module VRRP -lConfigModel
  swiftc "${flags[@]}" -module-name FuzzVRRPPacket -o "$out/fuzz-vrrp-packet" \
    Fuzz/VRRPPacket/*.swift -lVRRP -lConfigModel -lCodec
} 2>&1 | quiet
[ -x "$out/fuzz-vrrp-packet" ] || { echo "fuzz target did not build"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp Fuzz/VRRPPacket/corpus/* "$work/"
"$out/fuzz-vrrp-packet" -max_total_time="$seconds" -max_len=1600 -timeout=5 \
  -artifact_prefix=fuzz-artifacts/vrrp/ -print_final_stats=1 "$work" 2>&1 | tee test-out/fuzz-vrrp.log | tail -n 12
