// Brace splitting and level-1 tokenising (reference §1.3, §1.5): a
// preprocessed line becomes one or more logical lines, split after each '{'
// and around each '}' outside double quotes; a piece that starts with an
// `include` word is an include and takes the rest of the line. Tokens are
// blank-separated words; one starting with '"' runs to the next '"' (quotes
// dropped, no escapes; single quotes are ordinary characters).

extension ReaderState {
    mutating func emit(_ line: LineBuffer) {
        let n = line.count
        let mayHaveBraces = line.contains(ByteClass.brace)
        var start = 0
        while start < n {
            while start < n && ASCII.isBlank(line.bytes[start]) { start += 1 }
            if start >= n { return }
            if line.bytes[start] == 0x69 /* i */, include(line, at: start) { return }
            var brace = -1
            if mayHaveBraces {
                var i = start
                var inQuote = false
                while i < n {
                    let b = line.bytes[i]
                    if b == ASCII.quote {
                        inQuote.toggle()
                    } else if !inQuote && (b == ASCII.openBrace || b == ASCII.closeBrace) {
                        brace = i
                        break
                    }
                    i += 1
                }
            }
            if brace < 0 {
                makeLine(line, start, n)
                return
            }
            if line.bytes[brace] == ASCII.openBrace {
                makeLine(line, start, brace + 1)
            } else {
                makeLine(line, start, brace)
                makeLine(line, brace, brace + 1)
            }
            start = brace + 1
        }
    }

    mutating func makeLine(_ line: LineBuffer, _ s: Int, _ e: Int) {
        var start = s, end = e
        while start < end && ASCII.isBlank(line.bytes[start]) { start += 1 }
        while end > start && ASCII.isBlank(line.bytes[end - 1]) { end -= 1 }
        guard start < end else { return }
        // Tokens are gathered in a scratch array and copied out at their
        // exact size: one allocation per line instead of one per doubling.
        scratch.removeAll(keepingCapacity: true)
        let table = ByteClass.table
        let stop = ByteClass.blank | ByteClass.quote | ByteClass.brace
        line.bytes.withUnsafeBufferPointer { bytes in
            var i = start
            while i < end {
                let b = bytes[i]
                let c = table[Int(b)]
                if c & ByteClass.blank != 0 {
                    i += 1
                    continue
                }
                let column = line.column(i)
                if c & ByteClass.brace != 0 {
                    scratch.append(token(bytes, i, i + 1, column: column, quoted: false))
                    i += 1
                } else if b == ASCII.quote {
                    // An unmatched quote was reported when the line was decommented.
                    var j = i + 1
                    while j < end && bytes[j] != ASCII.quote { j += 1 }
                    scratch.append(token(bytes, i + 1, j, column: column, quoted: true))
                    i = min(j + 1, end)
                } else {
                    var j = i + 1
                    while j < end && table[Int(bytes[j])] & stop == 0 { j += 1 }
                    scratch.append(token(bytes, i, j, column: column, quoted: false))
                    i = j
                }
            }
        }
        guard let first = scratch.first else { return }
        let tokens = Array(scratch)
        let (range, owned) = textRange(line, start, end)
        trackBlocks(tokens)
        sink(LogicalLine(tokens: tokens, bytes: current.bytes, text: range, ownedText: owned,
                         source: current.sourceRange, location: first.location))
    }

    @inline(__always)
    func token(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, column: Int32, quoted: Bool) -> Token {
        Token(String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self),
              at: current.location(column: column), quoted: quoted)
    }

    /// The line's text as a slice of the file when it is unchanged from it
    /// (the usual case), else as a String of its own.
    mutating func textRange(_ line: LineBuffer, _ s: Int, _ e: Int) -> (Range<Int32>, String?) {
        let first = Int(line.column(s))
        let rawStart = current.start + first - 1
        if line.isUnchanged {
            return (Int32(rawStart)..<Int32(rawStart + (e - s)), nil)
        }
        let last = Int(line.column(e - 1))
        let rawEnd = current.start + last
        if last - first == e - 1 - s, rawStart >= current.start, rawEnd <= current.end,
           current.bytes.bytes[rawStart..<rawEnd].elementsEqual(line.bytes[s..<e]) {
            return (Int32(rawStart)..<Int32(rawEnd), nil)
        }
        return (0..<0, String(decoding: line.bytes[s..<e], as: UTF8.self))
    }

    /// Follows block nesting well enough to apply `include_check` and
    /// `random_seed` where keepalived does: inside global_defs.
    mutating func trackBlocks(_ tokens: [Token]) {
        let first = tokens[0]
        if tokens.count == 1 && first.isCloseBrace {
            if !openBlocks.isEmpty { openBlocks.removeLast() }
            return
        }
        if tokens[tokens.count - 1].isOpenBrace {
            openBlocks.append(openBlocks.isEmpty && (tokens.count == 1 ? lastKeywordIsGlobalDefs : first.text == "global_defs"))
            return
        }
        lastKeywordIsGlobalDefs = openBlocks.isEmpty && first.text == "global_defs"
        guard openBlocks.count == 1 && openBlocks[0] else { return }
        let keyword = first.text
        if keyword == "include_check" {
            // A bad word is reported by the model side's global_defs checks;
            // here the setting only takes effect when it is valid.
            if case .success(let c) = IncludeCheck.parse(tokens.dropFirst().map(\.text)) {
                includeCheck = options.checkAllIncludes ? .all : c
            }
        } else if keyword == "random_seed", tokens.count == 2, let seed = CNumber.parse(Array(tokens[1].text.utf8)) {
            definitions.random.reseed(UInt64(bitPattern: seed))
        }
    }
}
