// Timers ordered by deadline, then by the order they were scheduled: pure
// bookkeeping with no system calls, shared by the reactor (which arms one
// timerfd for the earliest deadline) and by tests on a ManualClock.

public struct TimerID: Hashable, Sendable {
    let value: UInt64
}

public final class TimerQueue {
    public let clock: any Clock

    private struct Entry {
        var deadline: Instant
        var sequence: UInt64
        var id: TimerID
    }
    private struct Timer {
        var period: Duration?
        var action: () -> Void
    }

    private var heap: [Entry] = []
    private var timers: [TimerID: Timer] = [:]
    private var sequence: UInt64 = 0
    private var nextID: UInt64 = 0

    public init(clock: any Clock) {
        self.clock = clock
        (clock as? ManualClock)?.attach(self)
    }

    public var count: Int { timers.count }

    /// Runs `action` at `deadline`, and then every `period` if given.
    @discardableResult
    public func schedule(at deadline: Instant, every period: Duration? = nil,
                         _ action: @escaping () -> Void) -> TimerID {
        nextID += 1
        let id = TimerID(value: nextID)
        if let period { precondition(period > .zero, "a periodic timer needs a positive period") }
        timers[id] = Timer(period: period, action: action)
        push(Entry(deadline: deadline, sequence: nextSequence(), id: id))
        return id
    }

    /// Runs `action` after `delay`, and then every `period` if given.
    @discardableResult
    public func schedule(after delay: Duration, every period: Duration? = nil,
                         _ action: @escaping () -> Void) -> TimerID {
        schedule(at: clock.now + delay, every: period, action)
    }

    /// Cancels a timer; cancelling one that already fired (or twice) is harmless.
    public func cancel(_ id: TimerID) {
        timers[id] = nil
        // Cancelled entries leave the heap lazily; rebuild when they dominate.
        if heap.count > 64 && heap.count > 4 * timers.count {
            let live = heap.filter { timers[$0.id] != nil }
            heap = []
            for e in live { push(e) }
        }
    }

    public func isScheduled(_ id: TimerID) -> Bool { timers[id] != nil }

    /// The earliest live deadline.
    public var nextDeadline: Instant? {
        while let top = heap.first, timers[top.id] == nil { _ = pop() }
        return heap.first?.deadline
    }

    /// Fires every timer due at the clock's current time; returns how many fired.
    /// A periodic timer fires once per call even if several periods passed
    /// (the next deadline moves past now, keeping the phase), so a late
    /// process does not burst.
    @discardableResult
    public func fireDue() -> Int {
        let now = clock.now
        var fired = 0
        while let top = heap.first, top.deadline <= now {
            let entry = pop()
            guard let timer = timers[entry.id] else { continue }
            if let period = timer.period {
                var next = entry.deadline + period
                if next <= now {
                    let behind = (now - entry.deadline).nanoseconds / period.nanoseconds
                    next = entry.deadline + .nanoseconds(period.nanoseconds * (behind + 1))
                }
                push(Entry(deadline: next, sequence: nextSequence(), id: entry.id))
            } else {
                timers[entry.id] = nil
            }
            fired += 1
            timer.action()
        }
        return fired
    }

    private func nextSequence() -> UInt64 {
        sequence += 1
        return sequence
    }

    // MARK: Binary heap on (deadline, sequence)

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }

    private func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard TimerQueue.before(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func pop() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && TimerQueue.before(heap[l], heap[m]) { m = l }
                if r < heap.count && TimerQueue.before(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
