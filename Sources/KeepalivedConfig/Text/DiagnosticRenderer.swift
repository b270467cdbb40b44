// How a diagnostic is shown to a person:
//
//   web.conf:12:23: error: virtual_router_id must be 1...255, got 300
//       virtual_router_id 300
//                         ^~~
//     included from keepalived.conf:3
//   note: did you mean 'priority'?
//
// The caret line copies the tabs of the source line so it stays aligned.
// Control characters (binary garbage fed as a configuration) are shown as
// \xNN so they never reach the terminal.

public enum DiagnosticRenderer {
    public static func render(_ d: Diagnostic) -> String {
        var out = ""
        if let l = d.location {
            out += "\(l): "
        }
        out += "\(label(d.severity)): \(printable(d.message))\n"
        if let l = d.location, let source = d.sourceLine, !source.isEmpty {
            let (shown, caret) = sourceAndCaret(source, column: l.column, length: d.length)
            out += shown + "\n" + caret + "\n"
        }
        for site in d.location?.includedFrom ?? [] {
            out += "  included from \(site.file):\(site.line)\n"
        }
        for n in d.notes {
            out += "note: \(printable(n))\n"
        }
        return out
    }

    /// Every diagnostic in order, then a count of those not kept.
    public static func render(_ diagnostics: Diagnostics) -> String {
        var out = ""
        for d in diagnostics.all { out += render(d) }
        let n = diagnostics.suppressedCount
        if n > 0 { out += "note: \(n) more diagnostic\(n == 1 ? "" : "s") not shown\n" }
        return out
    }

    static func label(_ s: Diagnostic.Severity) -> String {
        switch s {
        case .warning: return "warning"
        case .error: return "error"
        case .scriptSecurity: return "error (script security)"
        case .fatal: return "fatal error"
        }
    }

    /// Spaces (and the source's own tabs) up to the 1-based byte `column`,
    /// then '^' and '~' under `length` characters.
    static func caretLine(_ source: String, column: Int, length: Int) -> String {
        sourceAndCaret(source, column: column, length: length).1
    }

    /// The source line as shown (control characters escaped) and the caret
    /// line under it.
    static func sourceAndCaret(_ source: String, column: Int, length: Int) -> (String, String) {
        var shown = ""
        var caret = ""
        var offset = 1
        var marked = 0
        let want = max(1, length)
        for scalar in source.unicodeScalars {
            let piece = scalar == "\t" ? "\t" : escape(scalar)
            shown += piece
            if offset < column {
                caret += scalar == "\t" ? "\t" : String(repeating: " ", count: piece.unicodeScalars.count)
            } else if marked < want {
                let mark = marked == 0 ? "^" : "~"
                caret += mark + String(repeating: "~", count: max(0, piece.unicodeScalars.count - 1))
                marked += 1
            }
            offset += String(scalar).utf8.count
        }
        if marked == 0 { caret += "^" }
        return (shown, caret)
    }

    /// `text` with control characters as \xNN.
    static func printable(_ text: String) -> String {
        if !text.unicodeScalars.contains(where: { escape($0).unicodeScalars.count > 1 }) { return text }
        return text.unicodeScalars.map { escape($0) }.joined()
    }

    private static func escape(_ s: Unicode.Scalar) -> String {
        let v = s.value
        if v < 0x20 || v == 0x7F || (0x80..<0xA0).contains(v) {
            let hex = String(v, radix: 16)
            return "\\x" + (hex.count < 2 ? "0" + hex : hex)
        }
        return String(s)
    }
}
