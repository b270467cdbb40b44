// Out-of-line storage for the fields a model type rarely has set.
//
// A large configuration holds 100,000 real servers and as many checkers,
// and nearly all of them set three or four keywords of the fifteen or so
// they may. Those rarely set live in one copy-on-write box behind computed
// properties, so the value itself is small and cheap to copy (a real server
// went from 296 bytes to 48), and the box is allocated only by the values
// that set one of them. The public properties are unchanged.

/// The rarely set fields of one model type, all at their defaults in `init()`.
protocol RareFields: Hashable, Sendable {
    init()
    /// `Self()`, made once (a `static let` in each conforming type).
    static var defaults: Self { get }
}

/// `Fields` in a shared box, or no box while every field is at its default.
/// Equality and hashing are by value: a box holding only defaults equals no box.
struct Rare<Fields: RareFields>: Hashable, Sendable {
    // Mutated only through `fields`, which first makes the box unique (as
    // Array does with its buffer); a shared box is never written.
    private final class Box: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box?

    init() {}

    /// Holds `fields`, boxed only when one differs from its default.
    init(_ fields: Fields) {
        if fields != Fields.defaults { box = Box(fields) }
    }

    var fields: Fields {
        _read {
            if let box { yield box.fields } else { yield Fields.defaults }
        }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box?.fields ?? Fields.defaults) }
            yield &box.unsafelyUnwrapped.fields
        }
    }

    /// Sets one field. Setting a field to its default allocates no box: an
    /// inout access to a computed property (`visit(&rs.notifyUp)`) sets it
    /// back even when nothing changed.
    mutating func set<T: Equatable>(_ field: WritableKeyPath<Fields, T>, _ value: T) {
        if box == nil && Fields.defaults[keyPath: field] == value { return }
        fields[keyPath: field] = value
    }

    static func == (a: Rare, b: Rare) -> Bool { a.box === b.box || a.fields == b.fields }

    func hash(into hasher: inout Hasher) { fields.hash(into: &hasher) }
}
