// How a diagnostic is shown to a person:
//
//   web.conf:12:23: error: virtual_router_id must be 1...255, got 300
//       virtual_router_id 300
//                         ^~~
//     included from keepalived.conf:3
//   note: did you mean 'priority'?
//
// The caret line copies the tabs of the source line so it stays aligned.

public enum DiagnosticRenderer {
    public static func render(_ d: Diagnostic) -> String {
        var out = ""
        if let l = d.location {
            out += "\(l): "
        }
        out += "\(label(d.severity)): \(d.message)\n"
        if let l = d.location, let source = d.sourceLine, !source.isEmpty {
            out += source + "\n"
            out += caretLine(source, column: l.column, length: d.length) + "\n"
        }
        for site in d.location?.includedFrom ?? [] {
            out += "  included from \(site.file):\(site.line)\n"
        }
        for n in d.notes {
            out += "note: \(n)\n"
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
        var pad = ""
        var offset = 1
        for scalar in source.unicodeScalars {
            if offset >= column { break }
            pad.append(scalar == "\t" ? "\t" : " ")
            offset += String(scalar).utf8.count
        }
        let available = max(1, source.unicodeScalars.count - pad.unicodeScalars.count)
        let n = max(1, min(length, available))
        return pad + "^" + String(repeating: "~", count: n - 1)
    }
}
