// "did you mean ...?" for misspelt keywords: the closest known keyword by
// edit distance (insertions, deletions, substitutions and transpositions of
// neighbours), if it is close enough to be a typo rather than another word.

public enum Suggestions {
    /// The candidate closest to `word`, or nil when none is near.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let w = Array(word.utf8)
        let lower = word.lowercased()
        let limit = max(1, min(3, w.count / 3))
        var best: (String, Int)?
        for c in candidates where c != word {
            if c.lowercased() == lower { return c }
            let cb = Array(c.utf8)
            if abs(cb.count - w.count) > limit { continue }
            let d = distance(w, cb, limit: limit)
            if d <= limit && (best == nil || d < best!.1) { best = (c, d) }
        }
        return best?.0
    }

    /// Optimal-string-alignment distance, giving up (returning limit + 1)
    /// once every alignment exceeds `limit`.
    static func distance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var row = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            row[0] = i
            var rowMin = row[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = min(v, previous2[j - 2] + 1)
                }
                row[j] = v
                rowMin = min(rowMin, v)
            }
            if rowMin > limit { return limit + 1 }
            (previous2, previous, row) = (previous, row, previous2)
        }
        return previous[b.count]
    }
}
