// One VRRP instance: RFC 3768 / RFC 5798 state machine with keepalived's
// FAULT state and behaviour (reference §4.4). Pure: events in, actions out,
// time passed in. Every handler switches over every state.
import ConfigModel

public struct Instance: Sendable {
    public private(set) var settings: InstanceSettings
    public private(set) var state: InstanceState = .initialize
    public private(set) var counters = InstanceCounters()
    public private(set) var faultReasons: Set<FaultReason> = []
    /// Sum of tracking weights; the effective priority is derived from it.
    public private(set) var trackingWeight = 0
    /// The source address of our adverts (configured, or the interface's).
    public private(set) var localAddress: IPAddress?
    /// The master as last seen (ourselves when MASTER).
    public private(set) var masterAddress: IPAddress?
    public private(set) var masterPriority: UInt8?
    /// RFC 5798: a v3 backup adopts the master's advertised interval.
    public private(set) var masterAdvertInterval: Duration
    /// AH sequence number: one counter for send and receive, as keepalived
    /// keeps it, so a backup that takes over continues above the old master's.
    public private(set) var ahSequence: UInt32 = 0
    public private(set) var lastTransition: Instant = .origin
    public private(set) var encoder: AdvertEncoder
    /// Both sides configured as owner: keepalived lowers its own priority to 254.
    public private(set) var ownerDemoted = false
    /// BACKUP: until this instant, lower-priority masters are accepted (preempt_delay).
    public private(set) var preemptDeadline: Instant?
    /// A peer's adverts carried the old unicast checksum form (detected, see checksumForm).
    public private(set) var oldChecksumDetected = false
    /// `auth_type AH`: the HMAC key's padded blocks, hashed once.
    private(set) var ahKey: HMACMD5.Key?
    @usableFromInline private(set) var deadlines = [Instant?](repeating: nil, count: TimerKind.allCases.count)
    private var delayedGratuitousRounds = 0
    private var rejectLog = RateLimitedLog<RejectReason>(interval: .seconds(10))

    /// settings.advertTolerance, worked out once (a Duration division per advert otherwise).
    private var advertTolerance: Duration

    public init(settings: InstanceSettings) {
        self.settings = settings
        advertTolerance = settings.advertTolerance
        masterAdvertInterval = settings.advertInterval
        encoder = AdvertEncoder(settings: settings)
        ahKey = Instance.key(settings)
    }

    private static func key(_ s: InstanceSettings) -> HMACMD5.Key? {
        if case .ipsecAH(let key) = s.authentication { return HMACMD5.Key(key) }
        return nil
    }

    // MARK: Derived values

    /// Owner: 255 (254 after an owner conflict). Others: base + tracking, clamped to 1...254.
    public var effectivePriority: UInt8 {
        if settings.isOwner { return ownerDemoted ? 254 : 255 }
        return UInt8(min(254, max(1, Int(settings.priority) + trackingWeight)))
    }

    public var skew: Duration {
        VRRPTiming.skew(priority: effectivePriority, masterAdvertInterval: masterAdvertInterval,
                        version: settings.version)
    }

    public var masterDownInterval: Duration {
        VRRPTiming.masterDown(priority: effectivePriority, masterAdvertInterval: masterAdvertInterval,
                              version: settings.version, downTimerAdverts: settings.downTimerAdverts)
    }

    /// Inlinable: called from vrrpd's timers, it reads one element instead of copying the Instance.
    @inlinable public func deadline(_ t: TimerKind) -> Instant? { deadlines[t.rawValue] }

    /// Where adverts go: each unicast peer, else the multicast group (a new
    /// array: a driver keeps it, as vrrpd's RunningInstance does).
    public var advertDestinations: [IPAddress] { settings.advertDestinations }

    // MARK: Events

    public mutating func handle(_ event: Event, now: Instant) -> [Action] {
        var out: [Action] = []
        handle(event, now: now, into: &out)
        return out
    }

    /// The actions for `event`, appended to `out`: the daemon hands the same
    /// array every time, so handling an event allocates nothing (STYLE.md §4).
    public mutating func handle(_ event: Event, now: Instant, into out: inout [Action]) {
        switch event {
        case .start(let address):
            localAddress = settings.sourceAddress ?? address
            if localAddress == nil { faultReasons.insert(.noSourceAddress) }
            switch state {
            case .initialize, .stopped:
                if let reason = faultReasons.first { enterFault(now, reason, &out) } else { enterRunning(now, .startup, &out) }
            case .backup, .master, .fault:
                break
            }
        case .timerFired(let kind):
            timerFired(kind, now, &out)
        case .packet(let p):
            received(p, now, &out)
        case .faultRaised(let r):
            let wasClear = faultReasons.isEmpty
            faultReasons.insert(r)
            switch state {
            case .backup, .master:
                if wasClear { enterFault(now, r, &out) }
            case .initialize, .fault, .stopped:
                break
            }
        case .faultCleared(let r):
            faultReasons.remove(r)
            switch state {
            case .fault:
                if faultReasons.isEmpty { enterRunning(now, .faultCleared, &out) }
            case .initialize, .backup, .master, .stopped:
                break
            }
        case .trackingWeightChanged(let w):
            let before = effectivePriority
            trackingWeight = w
            if effectivePriority != before {
                out.append(.log(LogEntry(.info, "(\(settings.name)) effective priority \(before) -> \(effectivePriority)")))
            }
        case .localAddressChanged(let a):
            guard settings.sourceAddress == nil else { break }
            localAddress = a
            handle(a == nil ? .faultRaised(.noSourceAddress) : .faultCleared(.noSourceAddress), now: now, into: &out)
        case .shutdown(let release):
            shutdown(now, release: release, &out)
        case .reconfigure(let s):
            reconfigure(s, now, &out)
        }
    }

    /// The bytes of one advert to `destination`, counting it; nil without a source address.
    public mutating func makeAdvertisement(priority: UInt8, to destination: IPAddress) -> [UInt8]? {
        var bytes: [UInt8]?
        withAdvertisement(priority: priority, to: destination) { bytes = Array($0) }
        return bytes
    }

    /// One advert to `destination`, counted, handed to `body` as bytes valid
    /// during the call (the encoder's own buffer: nothing is allocated);
    /// false, and `body` not called, without a source address. Not generic:
    /// called from another module, a generic method is not specialised and
    /// looked up type metadata on every advert.
    @discardableResult
    public mutating func withAdvertisement(priority: UInt8, to destination: IPAddress,
                                           _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard let source = localAddress else { return false }
        if case .ipsecAH = settings.authentication {
            // keepalived increments before each advert; the first carries 1.
            ahSequence &+= 1
        }
        counters.advertsSent &+= 1
        if priority == 0 { counters.priorityZeroSent &+= 1 }
        let oldForm = usesUnicastChecksumCompatibility && settings.unicastChecksum == .old
        encoder.withEncoded(priority: priority, source: source, destination: destination,
                            checksumDestination: oldForm ? settings.oldChecksumGroup : nil,
                            ahSequence: ahSequence, body)
        return true
    }

    // MARK: Transitions

    private mutating func arm(_ t: TimerKind, _ at: Instant, _ out: inout [Action]) {
        deadlines[t.rawValue] = at
        out.append(.armTimer(t, at: at))
    }

    private mutating func cancel(_ t: TimerKind, _ out: inout [Action]) {
        guard deadlines[t.rawValue] != nil else { return }
        deadlines[t.rawValue] = nil
        out.append(.cancelTimer(t))
    }

    private mutating func cancelAll(_ out: inout [Action]) {
        for t in TimerKind.allCases { cancel(t, &out) }
    }

    private mutating func transition(to new: InstanceState, _ now: Instant, _ reason: TransitionReason,
                                     _ out: inout [Action]) {
        let change = StateChange(instance: settings.name, from: state, to: new, reason: reason,
                                 priority: effectivePriority)
        state = new
        lastTransition = now
        out.append(.stateChanged(change))
    }

    /// Start, or recovery from FAULT: the owner becomes master at once, others wait in BACKUP.
    private mutating func enterRunning(_ now: Instant, _ reason: TransitionReason, _ out: inout [Action]) {
        masterAdvertInterval = settings.advertInterval
        if effectivePriority == 255 {
            becomeMaster(now, .addressOwner, &out)
            return
        }
        preemptDeadline = settings.preemptDelay > .zero ? now + settings.preemptDelay : nil
        masterAddress = nil
        masterPriority = nil
        arm(.masterDown, now + masterDownInterval, &out)
        transition(to: .backup, now, reason, &out)
    }

    private mutating func becomeMaster(_ now: Instant, _ reason: TransitionReason, _ out: inout [Action]) {
        cancel(.masterDown, &out)
        masterAddress = localAddress
        masterPriority = effectivePriority
        masterAdvertInterval = settings.advertInterval
        preemptDeadline = nil
        counters.becameMaster &+= 1
        // keepalived's order on the wire: the advert, then the addresses, then the gratuitous burst.
        out.append(.sendAdvertisement(priority: effectivePriority))
        arm(.advertisement, now + settings.advertInterval, &out)
        out.append(.addAddresses(settings.allAddresses))
        out.append(.sendGratuitous(rounds: settings.gratuitous.masterRepeat))
        if settings.gratuitous.masterDelay > .zero {
            delayedGratuitousRounds = settings.gratuitous.masterRepeat
            arm(.gratuitousDelayed, now + settings.gratuitous.masterDelay, &out)
        }
        if settings.gratuitous.masterRefresh > .zero {
            arm(.gratuitousRefresh, now + settings.gratuitous.masterRefresh, &out)
        }
        transition(to: .master, now, reason, &out)
    }

    /// MASTER -> BACKUP on a better advert: addresses go, the down timer starts.
    private mutating func yieldToMaster(_ now: Instant, _ p: ParsedPacket, _ out: inout [Action]) {
        cancel(.advertisement, &out)
        cancel(.gratuitousDelayed, &out)
        cancel(.gratuitousRefresh, &out)
        out.append(.removeAddresses(settings.allAddresses))
        counters.releasedMaster &+= 1
        masterAddress = p.source
        masterPriority = p.priority
        adoptAdvertInterval(p)
        arm(.masterDown, now + masterDownInterval, &out)
        transition(to: .backup, now, .higherPriorityAdvert(from: p.source, priority: p.priority), &out)
    }

    private mutating func enterFault(_ now: Instant, _ reason: FaultReason, _ out: inout [Action]) {
        switch state {
        case .master:
            // Leaving MASTER: one priority-0 advert so backups take over at once.
            out.append(.sendAdvertisement(priority: 0))
            out.append(.removeAddresses(settings.allAddresses))
            counters.releasedMaster &+= 1
        case .initialize, .backup, .fault, .stopped:
            break
        }
        cancelAll(&out)
        masterAddress = nil
        masterPriority = nil
        transition(to: .fault, now, .fault(reason), &out)
    }

    private mutating func shutdown(_ now: Instant, release: Bool, _ out: inout [Action]) {
        switch state {
        case .master:
            out.append(.sendAdvertisement(priority: 0))
            if release { out.append(.removeAddresses(settings.allAddresses)) }
            counters.releasedMaster &+= 1
        case .stopped:
            return
        case .initialize, .backup, .fault:
            break
        }
        cancelAll(&out)
        transition(to: .stopped, now, .shutdown, &out)
    }

    /// How long before its deadline a timer of `kind` may fire (what the driver arms it with).
    public func earliness(_ kind: TimerKind) -> Duration {
        kind == .advertisement ? advertTolerance : .zero
    }

    private mutating func timerFired(_ kind: TimerKind, _ now: Instant, _ out: inout [Action]) {
        // A timer that was cancelled or re-armed later is stale: ignore it.
        // The advert timer may fire within its tolerance before the deadline
        // (sharing a wake-up with other instances' adverts); no other may.
        guard let due = deadlines[kind.rawValue], now >= (kind == .advertisement ? due - advertTolerance : due) else { return }
        deadlines[kind.rawValue] = nil
        switch (kind, state) {
        case (.masterDown, .backup):
            becomeMaster(now, .masterDownTimerExpired, &out)
        case (.advertisement, .master):
            out.append(.sendAdvertisement(priority: effectivePriority))
            // Keep the advert cadence on schedule unless we fell a whole interval
            // behind. Sent early (within the tolerance, with other instances'
            // adverts), the cadence moves to that earlier moment: the instance
            // stays with that wake-up from then on, instead of joining it or
            // not from one second to the next as the wake-up's own timing varies.
            let next = (now < due ? now : due) + settings.advertInterval
            arm(.advertisement, next > now ? next : now + settings.advertInterval, &out)
        case (.gratuitousDelayed, .master):
            out.append(.sendGratuitous(rounds: delayedGratuitousRounds))
        case (.gratuitousRefresh, .master):
            out.append(.sendGratuitous(rounds: settings.gratuitous.masterRefreshRepeat))
            arm(.gratuitousRefresh, now + settings.gratuitous.masterRefresh, &out)
        case (.masterDown, _), (.advertisement, _), (.gratuitousDelayed, _), (.gratuitousRefresh, _):
            break
        }
    }

    private mutating func adoptAdvertInterval(_ p: ParsedPacket) {
        guard settings.version == .v3 else { return }
        let field = UInt16(p.bytes[p.messageOffset + 4] & 0x0F) << 8 | UInt16(p.bytes[p.messageOffset + 5])
        if field > 0 { masterAdvertInterval = VRRPTiming.interval(field: field, version: .v3) }
    }

    // MARK: Receiving

    private mutating func received(_ p: ParsedPacket, _ now: Instant, _ out: inout [Action]) {
        switch state {
        case .backup, .master:
            break
        case .initialize, .fault, .stopped:
            return
        }
        if let reason = validate(p) {
            counters.rejected.increment(reason)
            if let line = rejectLog.record(reason, now: now) {
                out.append(.log(LogEntry(.warning, "(\(settings.name)) bogus VRRP packet from \(p.source): \(reason)\(line)")))
            }
            return
        }
        if let ah = p.ah { ahSequence = ah.sequence }
        if settings.unicastChecksum == .detect && !oldChecksumDetected && usesUnicastChecksumCompatibility
            && checksumForm(p) == .old {
            // keepalived (observed): from now on only the old form is accepted; it still sends the current one.
            oldChecksumDetected = true
            out.append(.log(LogEntry(.notice, "(\(settings.name)) \(p.source) sends the old unicast VRRPv3 checksum (old_unicast_checksum): accepting only that form from now on")))
        }
        counters.advertsReceived &+= 1
        let priority = p.priority
        if priority == 0 { counters.priorityZeroReceived &+= 1 }
        let ours = effectivePriority

        switch state {
        case .backup:
            if priority == 0 {
                // RFC: the master is leaving; take over after Skew_Time only.
                arm(.masterDown, now + skew, &out)
                return
            }
            let inPreemptDelay = preemptDeadline.map { now < $0 } ?? false
            if priority >= ours || settings.nopreempt || inPreemptDelay {
                masterAddress = p.source
                masterPriority = priority
                adoptAdvertInterval(p)
                arm(.masterDown, now + masterDownInterval, &out)
            } else {
                counters.lowerPriorityDiscarded &+= 1
                out.append(.log(LogEntry(.info, "(\(settings.name)) received lower priority (\(priority)) advert from \(p.source) - discarding")))
            }
        case .master:
            if priority == 0 {
                out.append(.sendAdvertisement(priority: ours))
                arm(.advertisement, now + settings.advertInterval, &out)
                return
            }
            if priority == 255 && ours == 255 {
                ownerDemoted = true
                out.append(.log(LogEntry(.error, "(\(settings.name)) another router (\(p.source)) is also the address owner: configuration error, lowering our priority to 254")))
                yieldToMaster(now, p, &out)
                return
            }
            let local = localAddress ?? p.source
            if priority > ours || (priority == ours && p.source > local) {
                out.append(.log(LogEntry(.info, "(\(settings.name)) Master received advert from \(p.source) with higher priority \(priority), ours \(ours)")))
                if settings.higherPrioritySendAdvert { out.append(.sendAdvertisement(priority: ours)) }
                yieldToMaster(now, p, &out)
            } else if priority == ours && p.source == local {
                out.append(.log(LogEntry(.warning, "(\(settings.name)) received an advert carrying our own address \(p.source)")))
            } else {
                out.append(.log(LogEntry(.info, "(\(settings.name)) Received advert from \(p.source) with lower priority \(priority), ours \(ours), forcing new election")))
                guard !settings.lowerPriorityNoAdvert else { return }
                out.append(.sendAdvertisement(priority: ours))
                out.append(.sendGratuitous(rounds: settings.gratuitous.lowerPriorityRepeat))
                if settings.gratuitous.lowerPriorityDelay > .zero {
                    delayedGratuitousRounds = settings.gratuitous.lowerPriorityRepeat
                    arm(.gratuitousDelayed, now + settings.gratuitous.lowerPriorityDelay, &out)
                }
            }
        case .initialize, .fault, .stopped:
            break
        }
    }

    // MARK: Reload

    private mutating func reconfigure(_ new: InstanceSettings, _ now: Instant, _ out: inout [Action]) {
        let old = settings
        guard new != old else { return }
        settings = new
        advertTolerance = new.advertTolerance
        ahKey = Instance.key(new)
        if new.unicastChecksum != .detect { oldChecksumDetected = false }
        var enc = AdvertEncoder(settings: new)
        enc.continueIdentification(from: encoder)
        encoder = enc
        if new.sourceAddress != nil { localAddress = new.sourceAddress }
        if new.advertInterval != old.advertInterval && (state != .backup || new.version == .v2) {
            masterAdvertInterval = new.advertInterval
        }
        if new.preemptDelay == .zero { preemptDeadline = nil }
        switch state {
        case .master:
            let removed = old.allAddresses.filter { !new.allAddresses.contains($0) }
            let added = new.allAddresses.filter { !old.allAddresses.contains($0) }
            if !removed.isEmpty { out.append(.removeAddresses(removed)) }
            if !added.isEmpty {
                out.append(.addAddresses(added))
                out.append(.sendGratuitous(rounds: new.gratuitous.masterRepeat))
            }
            if new.advertInterval != old.advertInterval {
                arm(.advertisement, now + new.advertInterval, &out)
            }
            if new.gratuitous.masterRefresh != old.gratuitous.masterRefresh {
                if new.gratuitous.masterRefresh > .zero {
                    arm(.gratuitousRefresh, now + new.gratuitous.masterRefresh, &out)
                } else {
                    cancel(.gratuitousRefresh, &out)
                }
            }
        case .backup:
            if effectivePriority == 255 { becomeMaster(now, .addressOwner, &out) }
        case .initialize, .fault, .stopped:
            break
        }
    }
}
