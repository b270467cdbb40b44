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
        /// The sequence of the heap entry that stands for this timer; nil when
        /// it is not armed. Entries with another sequence are stale (the timer
        /// was re-armed or disarmed since) and are skipped.
        var armed: UInt64?
        /// Kept after firing or disarming, to be armed again (`makeTimer`).
        var reusable: Bool
    }

    private var heap: [Entry] = []
    private var timers: [TimerID: Timer] = [:]
    /// Timers with a live entry in the heap.
    private var armedCount = 0
    /// While `fireDue` runs actions: the clock reading they are due by, for
    /// an action to use instead of reading the clock again (one system call
    /// fewer per wake-up where the clock source has no vDSO).
    public private(set) var firedAt: Instant?
    private var sequence: UInt64 = 0
    private var nextID: UInt64 = 0

    public init(clock: any Clock) {
        self.clock = clock
        (clock as? ManualClock)?.attach(self)
    }

    /// Timers scheduled or made, armed or not.
    public var count: Int { timers.count }

    /// Entries in the heap, stale ones included (for tests of its bookkeeping).
    var pendingEntries: Int { heap.count }

    /// Runs `action` at `deadline`, and then every `period` if given.
    @discardableResult
    public func schedule(at deadline: Instant, every period: Duration? = nil,
                         _ action: @escaping () -> Void) -> TimerID {
        if let period { precondition(period > .zero, "a periodic timer needs a positive period") }
        let id = newID()
        timers[id] = Timer(period: period, action: action, armed: nil, reusable: false)
        arm(id, at: deadline)
        return id
    }

    /// Runs `action` after `delay`, and then every `period` if given.
    @discardableResult
    public func schedule(after delay: Duration, every period: Duration? = nil,
                         _ action: @escaping () -> Void) -> TimerID {
        schedule(at: clock.now + delay, every: period, action)
    }

    /// A timer that is armed and disarmed many times over and stays until
    /// `cancel`: arming it allocates nothing (the VRRP timers, re-armed on
    /// every advert sent or received). Made unarmed.
    public func makeTimer(_ action: @escaping () -> Void) -> TimerID {
        let id = newID()
        timers[id] = Timer(period: nil, action: action, armed: nil, reusable: true)
        return id
    }

    /// Arms `id` for `deadline`, replacing the deadline it had; unknown ids are ignored.
    public func arm(_ id: TimerID, at deadline: Instant) {
        guard timers[id] != nil else { return }
        let s = nextSequence()
        if timers[id]?.armed == nil { armedCount += 1 }
        setArmed(id, s)
        push(Entry(deadline: deadline, sequence: s, id: id))
        compactIfStale()
    }

    /// Leaves `id` unarmed (a reusable timer stays made).
    public func disarm(_ id: TimerID) {
        guard let t = timers[id] else { return }
        if t.armed != nil { armedCount -= 1 }
        if t.reusable { setArmed(id, nil) } else { timers[id] = nil }
        compactIfStale()
    }

    /// Cancels a timer; cancelling one that already fired (or twice) is harmless.
    public func cancel(_ id: TimerID) {
        guard let t = timers.removeValue(forKey: id) else { return }
        if t.armed != nil { armedCount -= 1 }
        compactIfStale()
    }

    public func isScheduled(_ id: TimerID) -> Bool { timers[id]?.armed != nil }

    /// The earliest live deadline.
    public var nextDeadline: Instant? {
        while let top = heap.first, !isLive(top) { _ = pop() }
        return heap.first?.deadline
    }

    /// Fires every timer due at the clock's current time; returns how many fired.
    /// A periodic timer fires once per call even if several periods passed
    /// (the next deadline moves past now, keeping the phase), so a late
    /// process does not burst.
    @discardableResult
    public func fireDue() -> Int {
        let now = clock.now
        firedAt = now
        defer { firedAt = nil }
        var fired = 0
        while let top = heap.first, top.deadline <= now {
            let entry = pop()
            guard isLive(entry), let timer = timers[entry.id] else { continue }
            if let period = timer.period {
                var next = entry.deadline + period
                if next <= now {
                    let behind = (now - entry.deadline).nanoseconds / period.nanoseconds
                    next = entry.deadline + .nanoseconds(period.nanoseconds * (behind + 1))
                }
                let s = nextSequence()
                setArmed(entry.id, s)
                push(Entry(deadline: next, sequence: s, id: entry.id))
            } else {
                armedCount -= 1
                if timer.reusable { setArmed(entry.id, nil) } else { timers[entry.id] = nil }
            }
            fired += 1
            timer.action()
        }
        return fired
    }

    /// Copied out and written back: `timers[id]?.armed = s` would go through
    /// Dictionary's modify coroutine, whose frame is heap-allocated (three
    /// allocations per re-arm, measured with vrrp-alloc-probe in release).
    private func setArmed(_ id: TimerID, _ sequence: UInt64?) {
        guard var t = timers[id] else { return }
        t.armed = sequence
        timers[id] = t
    }

    private func isLive(_ e: Entry) -> Bool {
        guard let armed = timers[e.id]?.armed else { return false }
        return armed == e.sequence
    }

    private func newID() -> TimerID {
        nextID += 1
        return TimerID(value: nextID)
    }

    private func nextSequence() -> UInt64 {
        sequence += 1
        return sequence
    }

    /// Stale entries (cancelled, disarmed or re-armed timers) leave the heap
    /// lazily; when they dominate, they are dropped in place (no allocation).
    private func compactIfStale() {
        guard heap.count > 64 && heap.count > 4 * armedCount else { return }
        heap.removeAll { !isLive($0) }
        var i = heap.count / 2
        while i > 0 {
            i -= 1
            siftDown(i)
        }
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
            siftDown(0)
        }
        return top
    }

    private func siftDown(_ start: Int) {
        var i = start
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
}
