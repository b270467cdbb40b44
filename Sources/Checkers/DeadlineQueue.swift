// A binary min-heap of (deadline, item) pairs: one reactor timer serves every
// checker, armed at the earliest deadline. Ties run in insertion order.
//
// Inlinable so that other modules (CheckerIO's probe timeouts) get a copy
// specialised for their item type: unspecialised, every swap and `first`
// went through the generic runtime and allocated (about five allocations
// per health check, measured with a malloc uprobe).

public struct DeadlineQueue<Item>: Sendable where Item: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var at: Moment
        @usableFromInline var seq: UInt64
        @usableFromInline var item: Item
        @inlinable init(at: Moment, seq: UInt64, item: Item) {
            self.at = at
            self.seq = seq
            self.item = item
        }
        @inlinable func before(_ o: Entry) -> Bool {
            at.microseconds < o.at.microseconds || (at.microseconds == o.at.microseconds && seq < o.seq)
        }
    }
    @usableFromInline var heap: [Entry] = []
    @usableFromInline var seq: UInt64 = 0

    @inlinable public init() {}

    @inlinable public var isEmpty: Bool { heap.isEmpty }
    @inlinable public var count: Int { heap.count }
    @inlinable public var earliest: Moment? { heap.first?.at }
    /// The earliest entry, left in place.
    @inlinable public var first: (at: Moment, item: Item)? {
        guard !heap.isEmpty else { return nil }
        return (heap[0].at, heap[0].item)
    }
    /// Removes the earliest entry whatever its time (e.g. one known to be stale).
    @inlinable public mutating func removeFirst() { _ = popDue(Moment(microseconds: .max)) }

    @inlinable public mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    @inlinable public mutating func insert(_ item: Item, at: Moment) {
        seq &+= 1
        heap.append(Entry(at: at, seq: seq, item: item))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].before(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest item if it is due at `now`.
    @inlinable public mutating func popDue(_ now: Moment) -> (Moment, Item)? {
        guard !heap.isEmpty, heap[0].at.microseconds <= now.microseconds else { return nil }
        let first = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && heap[l].before(heap[m]) { m = l }
                if r < heap.count && heap[r].before(heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return (first.at, first.item)
    }
}
