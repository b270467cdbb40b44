// Time as the programs see it: a monotonic instant and a clock to read it
// from. State machines and schedules take a `Clock` so tests drive them with
// a `ManualClock` (no sleeps, STYLE.md §4); the programs use `MonotonicClock`.

/// A point on a monotonic time line, in nanoseconds from an arbitrary origin
/// (CLOCK_MONOTONIC's for the real clock, zero for a manual one).
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public static let zero = Instant(nanoseconds: 0)

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }
    public static func + (a: Instant, d: Duration) -> Instant { Instant(nanoseconds: a.nanoseconds &+ d.nanoseconds) }
    public static func - (a: Instant, d: Duration) -> Instant { Instant(nanoseconds: a.nanoseconds &- d.nanoseconds) }
    public static func - (a: Instant, b: Instant) -> Duration { .exactNanoseconds(a.nanoseconds &- b.nanoseconds) }
    public static func += (a: inout Instant, d: Duration) { a = a + d }

    public var description: String {
        let s = nanoseconds / 1_000_000_000, ms = (nanoseconds % 1_000_000_000) / 1_000_000
        return "t+\(s).\(String(repeating: "0", count: ms < 10 ? 2 : ms < 100 ? 1 : 0))\(ms)s"
    }
}

extension Duration {
    /// Whole nanoseconds (truncated), saturating far outside any timer's range.
    /// Through `attoseconds` (Int128, inlined): `components` and Duration's
    /// own arithmetic are calls into the standard library's one big section,
    /// each a page more to touch on every wake-up of a daemon that sleeps.
    @inlinable
    public var nanoseconds: Int64 {
        let ns = attoseconds / 1_000_000_000
        if ns > Int128(Int64.max) { return .max }
        if ns < Int128(Int64.min) { return .min }
        return Int64(truncatingIfNeeded: ns)
    }

    /// `.nanoseconds(n)` without the generic conversion behind it.
    @inlinable
    public static func exactNanoseconds(_ n: Int64) -> Duration { Duration(attoseconds: Int128(n) &* 1_000_000_000) }
}

/// Where the time comes from.
public protocol Clock: AnyObject {
    var now: Instant { get }
}

/// A clock whose time moves only when a test says so. Timer queues built on
/// it are driven by `advance(by:)`, which fires what falls due in deadline
/// order, stepping the time to each deadline (as NIO's EmbeddedEventLoop does).
public final class ManualClock: Clock {
    public private(set) var now: Instant
    private var queues: [WeakQueue] = []

    public init(start: Instant = .zero) { now = start }

    func attach(_ q: TimerQueue) {
        queues.removeAll { $0.queue == nil }
        queues.append(WeakQueue(queue: q))
    }

    /// Moves time forward by `d`, firing every timer that falls due on the
    /// way, each at its own deadline.
    public func advance(by d: Duration) {
        advance(to: now + d)
    }

    public func advance(to target: Instant) {
        precondition(target >= now, "a monotonic clock does not go back")
        while true {
            let live = queues.compactMap(\.queue)
            guard let next = live.compactMap(\.nextDeadline).min(), next <= target else { break }
            if next > now { now = next }
            for q in live { q.fireDue() }
        }
        now = target
        for q in queues.compactMap(\.queue) { q.fireDue() }
    }

    private struct WeakQueue {
        weak var queue: TimerQueue?
    }
}
