// A point on the daemon's monotonic clock. The VRRP logic never reads a
// clock: every event carries `now`, so the state machine runs the same on
// the reactor's clock and on a test's virtual one.

/// Time since an arbitrary monotonic origin (the driver's clock start).
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var sinceOrigin: Duration

    public init(_ sinceOrigin: Duration) { self.sinceOrigin = sinceOrigin }
    public static let origin = Instant(.zero)

    // Through `attoseconds` (Int128, inlined): Duration's own comparison and
    // arithmetic are calls into the standard library's one big section, a
    // page more touched per advert by a daemon that sleeps in between.
    @inlinable public static func < (a: Instant, b: Instant) -> Bool { a.sinceOrigin.attoseconds < b.sinceOrigin.attoseconds }
    @inlinable public static func == (a: Instant, b: Instant) -> Bool { a.sinceOrigin.attoseconds == b.sinceOrigin.attoseconds }
    @inlinable public static func + (a: Instant, d: Duration) -> Instant {
        Instant(Duration(attoseconds: a.sinceOrigin.attoseconds &+ d.attoseconds))
    }
    @inlinable public static func - (a: Instant, d: Duration) -> Instant {
        Instant(Duration(attoseconds: a.sinceOrigin.attoseconds &- d.attoseconds))
    }
    @inlinable public static func - (a: Instant, b: Instant) -> Duration {
        Duration(attoseconds: a.sinceOrigin.attoseconds &- b.sinceOrigin.attoseconds)
    }

    public var description: String { "t+\(sinceOrigin)" }
}

extension Duration {
    /// Whole microseconds (truncated): VRRP timers are computed in µs, as keepalived does.
    @inlinable
    public var wholeMicroseconds: Int64 { Int64(truncatingIfNeeded: attoseconds / 1_000_000_000_000) }

    /// `.microseconds(n)` without the generic conversion (and its calls) behind it.
    @inlinable
    public static func exactMicroseconds(_ n: Int64) -> Duration { Duration(attoseconds: Int128(n) &* 1_000_000_000_000) }

    /// `self * n` in Int128, inlined.
    @inlinable
    public func times(_ n: Int) -> Duration { Duration(attoseconds: attoseconds &* Int128(n)) }

    /// `self < other` in Int128, inlined.
    @inlinable
    public func isShorter(than other: Duration) -> Bool { attoseconds < other.attoseconds }
}
