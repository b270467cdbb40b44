// Level-2 splitting of script command strings (reference §1.3): what
// keepalived does to the arguments of notify*, script, misc_path,
// quorum_up/down, notify_up/down, *_script, ... before running them.
//
// Words are separated by blanks; '...' and "..." group (quotes removed,
// blanks inside kept, pieces glued to them join the same word: abcd" efg h
// "ijk is one word); backslash escapes are decoded inside and outside
// quotes: \a \b \E (ESC) \f \n \r \t \v, \NNN (1-3 octal digits), \xHH
// (1-2 hex digits), \cX (control-X), and \X for any other X is X itself.
//
// As observed on keepalived 2.2.7, an escape outside quotes that decodes
// to a blank ends the word (`a\ b` and `a\tb` give two words; quote the
// blank to keep it), and inside quotes a backslash does not protect the
// closing quote. Where keepalived mangles input instead (`\\b` loses the
// b, a decoded NUL truncates the command) we decode `\\` to a backslash
// and refuse a NUL.

public struct CommandSplitError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

public enum CommandSplitter {
    /// Splits `command` into argv words.
    public static func split(_ command: String) throws(CommandSplitError) -> [String] {
        let b = Array(command.utf8)
        var words: [String] = []
        var word: [UInt8] = []
        var inWord = false
        var quote: UInt8 = 0
        var i = 0
        func finish() {
            if inWord { words.append(String(decoding: word, as: UTF8.self)) }
            word.removeAll(keepingCapacity: true)
            inWord = false
        }
        while i < b.count {
            let c = b[i]
            if quote != 0 {
                if c == quote {
                    quote = 0
                    i += 1
                } else if c == ASCII.backslash && i + 1 < b.count && b[i + 1] != quote {
                    let (decoded, next) = try escape(b, at: i)
                    word.append(decoded)
                    i = next
                } else {
                    word.append(c)
                    i += 1
                }
                continue
            }
            if ASCII.isBlank(c) {
                finish()
                i += 1
            } else if c == ASCII.quote || c == ASCII.singleQuote {
                quote = c
                inWord = true
                i += 1
            } else if c == ASCII.backslash {
                if i + 1 == b.count {
                    // A lone trailing backslash stands for itself.
                    word.append(c)
                    inWord = true
                    i += 1
                    continue
                }
                let (decoded, next) = try escape(b, at: i)
                i = next
                if ASCII.isBlank(decoded) {
                    finish()
                } else {
                    word.append(decoded)
                    inWord = true
                }
            } else {
                word.append(c)
                inWord = true
                i += 1
            }
        }
        if quote != 0 {
            throw CommandSplitError("missing terminating \(quote == ASCII.quote ? "\"" : "'") in '\(command)'")
        }
        finish()
        return words
    }

    /// keepalived builds the command from the keyword's level-1 tokens
    /// joined by single spaces, then splits that.
    public static func split(tokens: [Token]) throws(CommandSplitError) -> [String] {
        try split(tokens.map(\.text).joined(separator: " "))
    }

    /// Decodes the escape starting at the backslash `b[i]`; returns the byte
    /// and the index after the escape.
    private static func escape(_ b: [UInt8], at i: Int) throws(CommandSplitError) -> (UInt8, Int) {
        let c = b[i + 1]
        var next = i + 2
        let value: UInt8
        switch c {
        case 0x61: value = 0x07                 // \a
        case 0x62: value = 0x08                 // \b
        case 0x45: value = 0x1B                 // \E
        case 0x66: value = 0x0C                 // \f
        case 0x6E: value = 0x0A                 // \n
        case 0x72: value = 0x0D                 // \r
        case 0x74: value = 0x09                 // \t
        case 0x76: value = 0x0B                 // \v
        case 0x30...0x37:
            var v = 0
            var k = i + 1
            while k < b.count && k < i + 4 && (0x30...0x37).contains(b[k]) {
                v = v * 8 + Int(b[k] - 0x30)
                k += 1
            }
            value = UInt8(truncatingIfNeeded: v)
            next = k
        case 0x78:                              // \xHH
            var v = 0
            var k = i + 2
            while k < b.count && k < i + 4, let d = hexDigit(b[k]) {
                v = v * 16 + d
                k += 1
            }
            if k == i + 2 { value = c } else { value = UInt8(v) }
            next = k
        case 0x63:                              // \cX
            if i + 2 < b.count {
                value = b[i + 2] & 0x1F
                next = i + 3
            } else {
                value = c
            }
        default:
            value = c
        }
        if value == 0 { throw CommandSplitError("a command cannot contain a NUL byte (escape at offset \(i))") }
        return (value, next)
    }

    private static func hexDigit(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: return Int(c - 0x30)
        case 0x61...0x66: return Int(c - 0x61 + 10)
        case 0x41...0x46: return Int(c - 0x41 + 10)
        default: return nil
        }
    }
}
