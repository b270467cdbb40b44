// At most one log line per reason per interval, reporting how many were
// suppressed in between: a flood of bad packets cannot flood the log.

public struct RateLimitedLog<Reason: CaseIterable & RawRepresentable & Hashable>: Sendable
where Reason.RawValue == Int {
    public let interval: Duration
    private var lastLogged: [Instant?]
    private var suppressed: [UInt64]

    public init(interval: Duration) {
        self.interval = interval
        lastLogged = [Instant?](repeating: nil, count: Reason.allCases.count)
        suppressed = [UInt64](repeating: 0, count: Reason.allCases.count)
    }

    /// nil: suppress this one. Otherwise a suffix to append ("" or "(N suppressed)").
    public mutating func record(_ r: Reason, now: Instant) -> String? {
        let i = r.rawValue
        if let last = lastLogged[i], (now - last).isShorter(than: interval) {
            suppressed[i] &+= 1
            return nil
        }
        lastLogged[i] = now
        let n = suppressed[i]
        suppressed[i] = 0
        return n == 0 ? "" : " (\(n) more suppressed)"
    }
}
