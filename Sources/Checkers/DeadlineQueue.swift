// A binary min-heap of (deadline, item) pairs: one reactor timer serves every
// checker, armed at the earliest deadline. Ties run in insertion order.

public struct DeadlineQueue<Item>: Sendable where Item: Sendable {
    private struct Entry: Sendable {
        var at: Moment
        var seq: UInt64
        var item: Item
        func before(_ o: Entry) -> Bool { at < o.at || (at == o.at && seq < o.seq) }
    }
    private var heap: [Entry] = []
    private var seq: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }
    public var earliest: Moment? { heap.first?.at }
    /// The earliest entry, left in place.
    public var first: (at: Moment, item: Item)? { heap.first.map { ($0.at, $0.item) } }
    /// Removes the earliest entry whatever its time (e.g. one known to be stale).
    public mutating func removeFirst() { _ = popDue(Moment(microseconds: .max)) }

    public mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    public mutating func insert(_ item: Item, at: Moment) {
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
    public mutating func popDue(_ now: Moment) -> (Moment, Item)? {
        guard let first = heap.first, first.at <= now else { return nil }
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
