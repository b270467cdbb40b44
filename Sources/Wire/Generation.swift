// Generations: each compiled configuration the supervisor hands out gets a
// number one higher than the last; every message that depends on the
// configuration carries the generation it was made under, so that after a
// reload nothing computed from the old configuration is acted on.

public struct Generation: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public static let initial = Generation(1)
    public var next: Generation { Generation(value &+ 1) }
    public static func < (a: Generation, b: Generation) -> Bool { a.value < b.value }
    public var description: String { "generation \(value)" }

    public init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(UInt64.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

/// Admits config-dependent messages of the current generation (or newer,
/// which a peer may send right after it applied a reload we have not seen
/// yet) and refuses older ones.
public struct GenerationGate: Sendable {
    public private(set) var current: Generation
    public init(_ current: Generation) { self.current = current }

    /// Moves to a new generation; never backwards.
    public mutating func advance(to g: Generation) {
        if g > current { current = g }
    }

    /// Throws for a message made under an older generation; messages that do
    /// not depend on the configuration always pass.
    public func admit(_ m: Message) throws(StaleGeneration) {
        guard let g = m.generation else { return }
        if g < current { throw StaleGeneration(message: m.type, generation: g, current: current) }
    }
}

public struct StaleGeneration: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: MessageType
    public var generation: Generation
    public var current: Generation
    public var description: String { "\(message) of \(generation) refused: current is \(current)" }
}
