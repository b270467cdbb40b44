#!/usr/bin/env bash
# Regenerates the fuzzer's seed frames (Fuzz/corpus/wire/*.frame) from
# Fuzz/wire/MakeCorpus.swift: one frame of every message type. Run it when
# a message changes, and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
out=.build-fuzz/corpus-maker
mkdir -p "$out" Fuzz/corpus/wire
wire=()
for f in Sources/Wire/*.swift; do
  case "$(basename "$f")" in Socket.swift|Channel.swift) ;; *) wire+=("$f") ;; esac
done
swiftc -parse-as-library -wmo -module-name Codec -emit-module -emit-module-path "$out/Codec.swiftmodule" \
  -emit-object -o "$out/Codec.o" Sources/Codec/*.swift
swiftc -parse-as-library -module-name MakeCorpus -I "$out" "${wire[@]}" Fuzz/wire/MakeCorpus.swift "$out/Codec.o" \
  -o "$out/make-corpus"
"$out/make-corpus" Fuzz/corpus/wire
