// Time and randomness, injected: the scheduler never reads a clock or an
// entropy source itself, so every schedule is tested on a virtual clock.

import ConfigModel

/// A point on the daemon's monotonic clock, in microseconds from an arbitrary
/// origin (the reactor's clock in the executable, zero in tests).
public struct Moment: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microseconds: Int64
    @inlinable public init(microseconds: Int64) { self.microseconds = microseconds }
    public static let zero = Moment(microseconds: 0)
    public static func seconds(_ s: Double) -> Moment { Moment(microseconds: Int64((s * 1_000_000).rounded())) }

    @inlinable public static func < (a: Moment, b: Moment) -> Bool { a.microseconds < b.microseconds }
    public static func + (a: Moment, b: Interval) -> Moment { Moment(microseconds: a.microseconds + b.microseconds) }
    public static func - (a: Moment, b: Moment) -> Interval { Interval(microseconds: a.microseconds - b.microseconds) }
    public var description: String { "t=\(Interval(microseconds: microseconds))s" }
}

/// Where the scheduler's random numbers come from (warmup spreading, UDP
/// payloads, DNS query ids). The executable seeds one from getrandom; tests
/// pass a fixed sequence.
public protocol RandomSource {
    /// A uniformly distributed value in `0...bound` (bound >= 0).
    mutating func next(upTo bound: UInt64) -> UInt64
}

/// SplitMix64: small, fast and good enough for spreading checks over time.
/// Not for secrets (nothing here is one).
public struct SplitMix64: RandomSource, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func nextWord() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next(upTo bound: UInt64) -> UInt64 {
        if bound == .max { return nextWord() }
        // Multiply-shift maps a 64-bit word onto 0...bound with negligible bias.
        return nextWord().multipliedFullWidth(by: bound + 1).high
    }
}

/// A random source that replays given values (clamped to the bound), for tests.
public struct FixedRandom: RandomSource, Sendable {
    private var values: [UInt64]
    private var index = 0
    public init(_ values: [UInt64]) { self.values = values }
    public mutating func next(upTo bound: UInt64) -> UInt64 {
        guard !values.isEmpty else { return 0 }
        let v = values[index % values.count]
        index += 1
        return min(v, bound)
    }
}
