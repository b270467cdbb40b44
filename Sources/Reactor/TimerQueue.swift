// Timers ordered by deadline, then by the order they were scheduled: pure
// bookkeeping with no system calls, shared by the reactor (which arms one
// timerfd for the earliest deadline) and by tests on a ManualClock.

/// A timer's slot in its queue (low 32 bits) and the slot's generation
/// (high 32 bits): an id whose timer is gone names nothing, even after its
/// slot is reused.
public struct TimerID: Hashable, Sendable {
    let value: UInt64
    init(slot: Int, generation: UInt32) { value = UInt64(generation) << 32 | UInt64(UInt32(slot)) }
    var slot: Int { Int(UInt32(truncatingIfNeeded: value)) }
    var generation: UInt32 { UInt32(truncatingIfNeeded: value >> 32) }
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
        /// How long before its deadline the timer may fire when the queue
        /// fires anyway (`arm(_:at:tolerance:)`), in nanoseconds; 0: never early.
        var tolerance: Int64 = 0
    }

    /// A timer's place: found by index, not by hashing (the lookups run
    /// several times per advert sent or received).
    private struct Slot {
        var generation: UInt32
        var timer: Timer?
    }

    private var heap: [Entry] = []
    private var slots: [Slot] = []
    /// Slots without a timer, reused before the array grows.
    private var freeSlots: [Int] = []
    private var liveTimers = 0
    /// Timers with a live entry in the heap.
    private var armedCount = 0
    /// While `fireDue` runs actions: the clock reading they are due by, for
    /// an action to use instead of reading the clock again (one system call
    /// fewer per wake-up where the clock source has no vDSO).
    public private(set) var firedAt: Instant?
    private var sequence: UInt64 = 0
    /// The largest tolerance a timer has been armed with: how far past the
    /// clock `fireDue` looks for timers that may fire early.
    private var largestTolerance: Int64 = 0
    /// Entries looked at early but not allowed to fire yet, pushed back
    /// after `fireDue`'s loop (kept, so firing allocates nothing).
    private var notYet: [Entry] = []

    public init(clock: any Clock) {
        self.clock = clock
        (clock as? ManualClock)?.attach(self)
    }

    /// Timers scheduled or made, armed or not.
    public var count: Int { liveTimers }

    /// Entries in the heap, stale ones included (for tests of its bookkeeping).
    var pendingEntries: Int { heap.count }

    /// Runs `action` at `deadline`, and then every `period` if given.
    @discardableResult
    public func schedule(at deadline: Instant, every period: Duration? = nil,
                         _ action: @escaping () -> Void) -> TimerID {
        if let period { precondition(period > .zero, "a periodic timer needs a positive period") }
        let id = add(Timer(period: period, action: action, armed: nil, reusable: false))
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
        add(Timer(period: nil, action: action, armed: nil, reusable: true))
    }

    /// Arms `id` for `deadline`, replacing the deadline it had; unknown ids are ignored.
    /// With a `tolerance`, the timer may fire up to that long before its
    /// deadline when another timer wakes the queue: timers whose deadlines
    /// are close together then share one wake-up (a master's adverts, one
    /// per instance, every second). It never fires after its deadline
    /// because of this, and never early unless the queue is firing anyway
    /// (alone, it fires at its deadline).
    public func arm(_ id: TimerID, at deadline: Instant, tolerance: Duration? = nil) {
        guard let slot = slot(of: id) else { return }
        let s = nextSequence()
        if slots[slot].timer?.armed == nil { armedCount += 1 }
        slots[slot].timer?.armed = s
        let ns = tolerance.map { max($0.nanoseconds, 0) } ?? 0
        slots[slot].timer?.tolerance = ns
        if ns > largestTolerance { largestTolerance = ns }
        push(Entry(deadline: deadline, sequence: s, id: id))
        compactIfStale()
    }

    /// Leaves `id` unarmed (a reusable timer stays made).
    public func disarm(_ id: TimerID) {
        guard let slot = slot(of: id), let t = slots[slot].timer else { return }
        if t.armed != nil { armedCount -= 1 }
        if t.reusable { slots[slot].timer?.armed = nil } else { remove(slot) }
        compactIfStale()
    }

    /// Cancels a timer; cancelling one that already fired (or twice) is harmless.
    public func cancel(_ id: TimerID) {
        guard let slot = slot(of: id), let t = slots[slot].timer else { return }
        remove(slot)
        if t.armed != nil { armedCount -= 1 }
        compactIfStale()
    }

    public func isScheduled(_ id: TimerID) -> Bool { slot(of: id).map { slots[$0].timer?.armed != nil } ?? false }

    /// The earliest live deadline.
    public var nextDeadline: Instant? {
        while let top = heap.first, !isLive(top) { _ = pop() }
        return heap.first?.deadline
    }

    /// Fires every timer due at the clock's current time, and those armed
    /// with a tolerance whose deadline is at most that far ahead; returns how
    /// many fired. A periodic timer fires once per call even if several
    /// periods passed (the next deadline moves past now, keeping the phase),
    /// so a late process does not burst.
    @discardableResult
    public func fireDue() -> Int {
        let now = clock.now
        firedAt = now
        defer { firedAt = nil }
        // Timers armed by the actions below never fire early in this call:
        // one that re-arms itself within its tolerance waits for the next.
        let armedBefore = sequence
        var fired = 0
        while let top = heap.first {
            if top.deadline > now {
                guard largestTolerance > 0, top.deadline.nanoseconds <= now.nanoseconds &+ largestTolerance else { break }
                let entry = pop()
                guard isLive(entry) else { continue }
                guard entry.sequence <= armedBefore, let timer = slots[entry.id.slot].timer,
                      entry.deadline.nanoseconds &- timer.tolerance <= now.nanoseconds else {
                    notYet.append(entry)
                    continue
                }
                fire(entry, timer, now)
                fired += 1
                continue
            }
            let entry = pop()
            guard isLive(entry), let timer = slots[entry.id.slot].timer else { continue }
            fire(entry, timer, now)
            fired += 1
        }
        if !notYet.isEmpty {
            for e in notYet { push(e) }
            notYet.removeAll(keepingCapacity: true)
        }
        return fired
    }

    private func fire(_ entry: Entry, _ timer: Timer, _ now: Instant) {
        let slot = entry.id.slot
        if let period = timer.period {
            var next = entry.deadline + period
            if next <= now {
                let behind = (now - entry.deadline).nanoseconds / period.nanoseconds
                next = entry.deadline + .nanoseconds(period.nanoseconds * (behind + 1))
            }
            let s = nextSequence()
            slots[slot].timer?.armed = s
            push(Entry(deadline: next, sequence: s, id: entry.id))
        } else {
            armedCount -= 1
            if timer.reusable { slots[slot].timer?.armed = nil } else { remove(slot) }
        }
        timer.action()
    }

    private func add(_ timer: Timer) -> TimerID {
        liveTimers += 1
        if let slot = freeSlots.popLast() {
            slots[slot].timer = timer
            return TimerID(slot: slot, generation: slots[slot].generation)
        }
        precondition(slots.count < Int(UInt32.max), "too many timers")
        slots.append(Slot(generation: 0, timer: timer))
        return TimerID(slot: slots.count - 1, generation: 0)
    }

    /// Frees a slot; its next timer gets another generation, so old ids miss.
    private func remove(_ slot: Int) {
        slots[slot].timer = nil
        slots[slot].generation &+= 1
        liveTimers -= 1
        freeSlots.append(slot)
    }

    /// The slot of a timer that still exists.
    private func slot(of id: TimerID) -> Int? {
        let slot = id.slot
        guard slot < slots.count, slots[slot].generation == id.generation, slots[slot].timer != nil else { return nil }
        return slot
    }

    private func isLive(_ e: Entry) -> Bool {
        let slot = e.id.slot
        guard slots[slot].generation == e.id.generation, let armed = slots[slot].timer?.armed else { return false }
        return armed == e.sequence
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
