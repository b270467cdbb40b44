// A point on the daemon's monotonic clock. The VRRP logic never reads a
// clock: every event carries `now`, so the state machine runs the same on
// the reactor's clock and on a test's virtual one.

/// Time since an arbitrary monotonic origin (the driver's clock start).
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var sinceOrigin: Duration

    public init(_ sinceOrigin: Duration) { self.sinceOrigin = sinceOrigin }
    public static let origin = Instant(.zero)

    public static func < (a: Instant, b: Instant) -> Bool { a.sinceOrigin < b.sinceOrigin }
    public static func + (a: Instant, d: Duration) -> Instant { Instant(a.sinceOrigin + d) }
    public static func - (a: Instant, d: Duration) -> Instant { Instant(a.sinceOrigin - d) }
    public static func - (a: Instant, b: Instant) -> Duration { a.sinceOrigin - b.sinceOrigin }

    public var description: String { "t+\(sinceOrigin)" }
}

extension Duration {
    /// Whole microseconds (truncated): VRRP timers are computed in µs, as keepalived does.
    public var wholeMicroseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000 + atto / 1_000_000_000_000
    }
}
