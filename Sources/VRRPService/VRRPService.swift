// The engine of vrrpd: runs the instances of the VRRP module on the reactor,
// carrying out their actions with real sockets, rtnetlink and timers, and
// feeding them packets, link changes and time. Everything protocol-related
// is decided in the VRRP module; this file only moves bytes and events.
import ConfigModel
import Netlink
import Posix
import Reactor
import VRRP
import VRRPIO

public final class VRRPService {
    public struct Options: Sendable {
        /// `--dont-release-vrrp`: leave the addresses in place on stop.
        public var releaseAddressesOnStop = true
        public var receiveBufferSize: Int?
        public init() {}
    }

    /// How the executable hears about what happens.
    public var log: (VRRP.LogLevel, String) -> Void = { _, _ in }
    public var onStateChange: (StateChange, InstanceSettings) -> Void = { _, _ in }

    let reactor: Reactor
    let options: Options
    let netlink: RouteNetlinkSocket
    private let monitor: RouteNetlinkSocket
    private var monitorWatch: WatchID?
    let linkLayer: LinkLayerSender
    let interfaces = InterfaceTable()
    var running: [String: RunningInstance] = [:]
    /// Instance names in configuration order, for status output.
    var order: [String] = []
    var sockets: [SocketKey: SocketSet] = [:]
    var gratuitousQueue: GratuitousQueue!
    private var dropLog = RateLimitedLog<DropReason>(interval: .seconds(10))
    public private(set) var settings: [InstanceSettings] = []
    /// How late timer-driven adverts leave against their deadlines.
    public private(set) var advertTiming = AdvertTiming()
    /// Handed to every instance in turn for its actions, so handling an
    /// event allocates nothing; taken while in use (a nested event gets its own).
    private var actionBuffer: [Action] = []

    public init(reactor: Reactor, options: Options = Options()) throws(NetlinkError) {
        self.reactor = reactor
        self.options = options
        netlink = try RouteNetlinkSocket()
        monitor = try RouteNetlinkSocket(groups: RouteNetlinkConstant.groupLink | RouteNetlinkConstant.groupIPv4Address
                                         | RouteNetlinkConstant.groupIPv6Address, nonBlocking: true,
                                         receiveBufferSize: 1 << 20)
        do { linkLayer = try LinkLayerSender() } catch { throw .system(error) }
        gratuitousQueue = GratuitousQueue(service: self)
    }

    /// The time events are handled at: while timers fire, the moment their
    /// wake-up began, the same for every instance handled in it. An advert
    /// sent early to share a wake-up moves its cadence to that moment
    /// (Instance.timerFired); with each instance's own handling time instead,
    /// the 150th of 200 would move a little later than the first every
    /// second, in an order that changes (0.8 ms of jitter measured).
    var now: VRRP.Instant { VRRP.Instant((reactor.timers.firedAt ?? reactor.clock.now).offset) }

    /// The clock itself, for how late an advert actually leaves.
    private var clockNow: VRRP.Instant { VRRP.Instant(reactor.clock.now.offset) }

    // MARK: Start, reload, stop

    /// Removes leftover addresses, opens sockets and starts every instance.
    public func start(_ settings: [InstanceSettings]) throws(NetlinkError) {
        self.settings = settings
        try refreshInterfaces()
        monitorWatch = try? reactor.watch(monitor.fileDescriptor, for: .readable) { [unowned self] _ in
            self.monitorReadable()
        }
        if monitorWatch == nil { log(.error, "cannot watch the rtnetlink monitor: link changes will not be seen") }
        removeLeftoverAddresses(settings)
        for s in settings { startInstance(s) }
    }

    /// keepalived leaves a killed daemon's addresses in place until it runs
    /// again; vrrpd removes them first thing, so a crash never leaves a
    /// router answering ARP for a VIP it is not master of.
    func removeLeftoverAddresses(_ list: [InstanceSettings]) {
        for s in list {
            for entry in s.allAddresses {
                guard let ifname = entry.dev ?? s.interface, let info = interfaces[ifname] else { continue }
                guard info.addresses.contains(where: { $0.address == entry.prefix.address }) else { continue }
                do {
                    if try netlink.deleteAddress(AddressRequest(entry: entry, interfaceIndex: info.index)) {
                        log(.notice, "(\(s.name)) removed leftover address \(entry.prefix) from \(ifname)")
                    }
                } catch {
                    log(.error, "(\(s.name)) cannot remove leftover address \(entry.prefix) from \(ifname): \(error)")
                }
            }
        }
    }

    /// Applies a new configuration: unchanged instances are not touched at all.
    public func reload(_ new: [InstanceSettings]) {
        let plan = ReloadPlan(old: settings, new: new)
        for name in plan.removed { stopInstance(name, release: true) }
        for s in plan.changed {
            guard let r = running[s.name] else { continue }
            r.settings = s
            handle(r, .reconfigure(s))
        }
        removeLeftoverAddresses(plan.added)
        for s in plan.added { startInstance(s) }
        settings = new
        order = new.map(\.name)
        log(.info, "reload: \(plan.unchanged.count) unchanged, \(plan.changed.count) changed, "
            + "\(plan.added.count) added, \(plan.removed.count) removed")
    }

    /// Graceful stop: priority-0 adverts from masters, addresses released
    /// unless told to keep them.
    public func shutdown(releaseAddresses: Bool? = nil) {
        let release = releaseAddresses ?? options.releaseAddressesOnStop
        for name in order { stopInstance(name, release: release) }
        gratuitousQueue.cancel()
        if let w = monitorWatch { reactor.unwatch(w) }
    }

    func startInstance(_ s: InstanceSettings) {
        let r = RunningInstance(settings: s)
        // One reusable timer per kind, made once: arming allocates nothing.
        r.timers = TimerKind.allCases.map { kind in
            reactor.timers.makeTimer { [unowned self, unowned r] in
                if kind == .advertisement { r.firingDeadline = r.instance.deadline(.advertisement) }
                self.handle(r, .timerFired(kind))
                r.firingDeadline = nil
            }
        }
        running[s.name] = r
        if !order.contains(s.name) { order.append(s.name) }
        guard let ifname = s.interface else {
            log(.error, "(\(s.name)) no interface configured; vrrpd needs one (unicast without interface is not supported)")
            handle(r, .faultRaised(.interfaceDown("(none)")))
            return
        }
        guard let info = interfaces[ifname] else {
            log(.error, "(\(s.name)) interface \(ifname) does not exist: FAULT until it appears")
            handle(r, .faultRaised(.interfaceDown(ifname)))
            handle(r, .start(localAddress: nil))
            return
        }
        attach(r, info)
        if !info.link.isUp && !s.dontTrackPrimary { handle(r, .faultRaised(.interfaceDown(ifname))) }
        handle(r, .start(localAddress: sourceAddress(for: s, info)))
    }

    func stopInstance(_ name: String, release: Bool) {
        guard let r = running[name] else { return }
        handle(r, .shutdown(releaseAddresses: release))
        for t in r.timers { reactor.cancel(t) }
        r.timers = []
        detach(r)
        running[name] = nil
        order.removeAll { $0 == name }
    }

    // MARK: Events into instances

    func handle(_ r: RunningInstance, _ event: Event) {
        var actions: [Action] = []
        swap(&actions, &actionBuffer)
        r.instance.handle(event, now: now, into: &actions)
        perform(r, actions)
        actions.removeAll(keepingCapacity: true)
        swap(&actions, &actionBuffer)
    }

    private func perform(_ r: RunningInstance, _ actions: [Action]) {
        for a in actions {
            switch a {
            case .sendAdvertisement(let priority):
                sendAdvert(r, priority: priority)
            case .armTimer(let kind, let at):
                guard kind.rawValue < r.timers.count else { continue }
                reactor.timers.arm(r.timers[kind.rawValue], at: ReactorInstant(vrrpOffset: at.sinceOrigin),
                                   tolerance: kind == .advertisement ? r.advertTolerance : nil)
            case .cancelTimer(let kind):
                guard kind.rawValue < r.timers.count else { continue }
                reactor.timers.disarm(r.timers[kind.rawValue])
            case .addAddresses(let entries):
                changeAddresses(r, entries, add: true)
            case .removeAddresses(let entries):
                changeAddresses(r, entries, add: false)
            case .sendGratuitous(let rounds):
                gratuitousQueue.enqueue(r, rounds: rounds)
            case .stateChanged(let c):
                let held = c.from == .initialize ? "" : " after \(formatDuration(now - r.enteredState))"
                r.enteredState = now
                log(c.to == .fault ? .warning : .info,
                    "(\(c.instance)) Entering \(c.to) STATE (\(c.reason)), was \(c.from)\(held), priority \(c.priority)")
                onStateChange(c, r.settings)
            case .log(let e):
                log(e.level, e.message)
            }
        }
    }

    private func sendAdvert(_ r: RunningInstance, priority: UInt8) {
        guard let set = r.socketSet else { return }
        let sender: AdvertSender
        do { sender = try set.sender(source: r.instance.localAddress) } catch {
            log(.error, "(\(r.name)) cannot open the advert socket on \(set.key.interface): \(error)")
            return
        }
        if let due = r.firingDeadline {
            advertTiming.record(lateness: clockNow - due)
            r.firingDeadline = nil
        }
        for destination in r.advertDestinations {
            var sent = true
            var failure: SysError?
            r.instance.withAdvertisement(priority: priority, to: destination) { bytes in
                do throws(SysError) { sent = try sender.send(bytes, to: destination) } catch { failure = error }
            }
            if let failure {
                log(.error, "(\(r.name)) cannot send advert to \(destination): \(failure)")
            } else if !sent {
                log(.warning, "(\(r.name)) send queue full on \(set.key.interface): advert dropped")
            }
        }
    }

    private func changeAddresses(_ r: RunningInstance, _ entries: [AddressEntry], add: Bool) {
        for e in entries {
            guard let ifname = e.dev ?? r.settings.interface, let info = interfaces[ifname] else {
                log(.error, "(\(r.name)) no interface for address \(e.prefix)")
                continue
            }
            let req = AddressRequest(entry: e, interfaceIndex: info.index)
            do {
                if add { try netlink.addAddress(req) } else { try netlink.deleteAddress(req) }
            } catch {
                log(.error, "(\(r.name)) cannot \(add ? "add" : "remove") \(e.prefix) on \(ifname): \(error)")
            }
        }
    }

    // MARK: Sockets

    func attach(_ r: RunningInstance, _ info: InterfaceInfo) {
        let key = SocketKey(interface: info.name, family: r.settings.family)
        let set: SocketSet
        if let s = sockets[key] {
            set = s
        } else {
            set = SocketSet(key: key, interfaceIndex: info.index, receiveBufferSize: options.receiveBufferSize)
            sockets[key] = set
        }
        let proto: UInt8
        if case .ipsecAH = r.settings.authentication { proto = VRRPWire.protocolAH } else { proto = VRRPWire.protocolVRRP }
        if let other = set.byVRID[r.settings.vrid], other !== r {
            log(.error, "(\(r.name)) VRID \(r.settings.vrid) is already used by \(other.name) on \(info.name)")
        }
        set.byVRID[r.settings.vrid] = r
        r.socketSet = set
        do {
            let rx = try set.receiver(proto: proto, reactor: reactor) { [unowned self, unowned set] rx in
                self.readable(set, rx)
            }
            if !r.settings.isUnicast { try rx.join(r.settings.multicastGroup) }
        } catch {
            log(.error, "(\(r.name)) cannot open the advert socket on \(info.name): \(error) "
                + "(vrrpd needs CAP_NET_RAW, see units/vrrpd.service)")
        }
    }

    func detach(_ r: RunningInstance) {
        guard let set = r.socketSet else { return }
        if set.byVRID[r.settings.vrid] === r { set.byVRID[r.settings.vrid] = nil }
        r.socketSet = nil
        if set.byVRID.isEmpty {
            set.close(reactor)
            sockets[set.key] = nil
        }
    }

    private func readable(_ set: SocketSet, _ rx: AdvertReceiver) {
        // Bounded per wake-up so a flood cannot starve the timers.
        for _ in 0..<64 {
            let inbound: InboundPacket?
            do { inbound = try rx.receive() } catch {
                log(.error, "receive on \(set.key.interface): \(error)")
                return
            }
            guard let inbound else { return }
            switch ParsedPacket.parse(inbound) {
            case .failure(let reason):
                drop(set, reason, from: inbound.source)
            case .success(let p):
                guard let r = set.byVRID[p.vrid] else {
                    drop(set, .unknownVRID, from: p.source, vrid: p.vrid)
                    continue
                }
                handle(r, .packet(p))
            }
        }
    }

    private func drop(_ set: SocketSet, _ reason: DropReason, from source: IPAddress?, vrid: UInt8? = nil) {
        set.drops.increment(reason)
        if let suffix = dropLog.record(reason, now: now) {
            let who = source.map { " from \($0)" } ?? ""
            let id = vrid.map { " (VRID \($0))" } ?? ""
            log(.warning, "\(set.key.interface): dropped packet\(who)\(id): \(reason)\(suffix)")
        }
    }

    // MARK: Interfaces

    func refreshInterfaces() throws(NetlinkError) {
        interfaces.reload(links: try netlink.links(), addresses: try netlink.addresses())
    }

    func sourceAddress(for s: InstanceSettings, _ info: InterfaceInfo) -> IPAddress? {
        if let configured = s.sourceAddress { return configured }
        let ours = Set(running.values.flatMap { $0.settings.allAddresses.map(\.prefix.address) })
        var filtered = info
        filtered.addresses.removeAll { ours.contains($0.address) }
        return filtered.primaryAddress(s.family)
    }

    private func monitorReadable() {
        let events: [RouteEvent]
        do { events = try monitor.readEvents() } catch {
            log(.error, "rtnetlink monitor: \(error)")
            return
        }
        var touched = Set<String>()
        for e in events {
            switch e {
            case .linkChanged(let l):
                guard let (name, wasUp) = interfaces.update(l) else { continue }
                if wasUp != l.isUp { linkStateChanged(name, up: l.isUp, appeared: wasUp == nil) }
                touched.insert(name)
            case .linkRemoved(let index, _):
                if let name = interfaces.remove(index: index) { linkStateChanged(name, up: false, appeared: false) }
            case .addressAdded(let a):
                interfaces.add(a)
                if let n = interfaces.name(ofIndex: a.interfaceIndex) { touched.insert(n) }
            case .addressRemoved(let a):
                interfaces.remove(a)
                if let n = interfaces.name(ofIndex: a.interfaceIndex) { touched.insert(n) }
            case .overrun:
                log(.warning, "rtnetlink monitor overrun: re-reading interfaces")
                let before = interfaces.byName.mapValues(\.link.isUp)
                do { try refreshInterfaces() } catch { log(.error, "re-reading interfaces: \(error)") }
                for (name, info) in interfaces.byName where before[name] != info.link.isUp {
                    linkStateChanged(name, up: info.link.isUp, appeared: before[name] == nil)
                }
                touched.formUnion(interfaces.byName.keys)
            }
        }
        for name in touched { sourceAddressesMayHaveChanged(name) }
    }

    /// keepalived without tracking: the instance's interface going down is FAULT.
    private func linkStateChanged(_ name: String, up: Bool, appeared: Bool) {
        log(up ? .info : .warning, "interface \(name) is \(up ? "up" : "down")")
        for r in running.values where r.settings.interface == name {
            if appeared, r.socketSet == nil, let info = interfaces[name] { attach(r, info) }
            guard !r.settings.dontTrackPrimary else { continue }
            handle(r, up ? .faultCleared(.interfaceDown(name)) : .faultRaised(.interfaceDown(name)))
        }
    }

    private func sourceAddressesMayHaveChanged(_ name: String) {
        guard let info = interfaces[name] else { return }
        for r in running.values where r.settings.interface == name && r.settings.sourceAddress == nil {
            let address = sourceAddress(for: r.settings, info)
            if address != r.instance.localAddress { handle(r, .localAddressChanged(address)) }
        }
    }

    // MARK: Status

    public func snapshot() -> [InstanceSnapshot] {
        order.compactMap { running[$0] }.map { r in
            InstanceSnapshot(settings: r.settings, state: r.instance.state, effectivePriority: r.instance.effectivePriority,
                             masterAddress: r.instance.masterAddress, localAddress: r.instance.localAddress,
                             faultReasons: Array(r.instance.faultReasons).map(\.description).sorted(),
                             counters: r.instance.counters, inStateFor: now - r.enteredState)
        }
    }

    /// Drops decided before an instance was found, per interface and family.
    public func socketDrops() -> [(interface: String, family: AddressFamily, drops: ReasonCounters<DropReason>)] {
        sockets.values.sorted { ($0.key.interface, $0.key.family.rawValue) < ($1.key.interface, $1.key.family.rawValue) }
            .map { ($0.key.interface, $0.key.family, $0.drops) }
    }
}

/// One instance and what the service keeps for it.
final class RunningInstance {
    var instance: VRRP.Instance
    var settings: InstanceSettings {
        didSet {
            advertDestinations = settings.advertDestinations
            advertTolerance = settings.advertTolerance
        }
    }
    /// Where adverts go, kept here: reading a computed property of
    /// `instance` from this module copies the whole Instance each time.
    private(set) var advertDestinations: [IPAddress]
    /// How early the advert timer may fire (Instance.earliness(.advertisement)), kept here for the same reason.
    private(set) var advertTolerance: Duration
    /// The reactor's reusable timer for each TimerKind (by raw value).
    var timers: [TimerID] = []
    /// While the advert timer fires: the deadline it fired for.
    var firingDeadline: VRRP.Instant?
    var socketSet: SocketSet?
    var enteredState = VRRP.Instant.origin
    var name: String { settings.name }

    init(settings: InstanceSettings) {
        self.settings = settings
        advertDestinations = settings.advertDestinations
        advertTolerance = settings.advertTolerance
        instance = VRRP.Instance(settings: settings)
    }

}

public struct InstanceSnapshot: Sendable {
    public var settings: InstanceSettings
    public var state: InstanceState
    public var effectivePriority: UInt8
    public var masterAddress: IPAddress?
    public var localAddress: IPAddress?
    public var faultReasons: [String]
    public var counters: InstanceCounters
    public var inStateFor: Duration
}

func formatDuration(_ d: Duration) -> String {
    let ms = d.wholeMicroseconds / 1000
    return ms < 10_000 ? "\(ms) ms" : "\(ms / 1000) s"
}

/// How late adverts driven by the advert timer leave: each instance's advert
/// should leave at its own deadline (scripts/bench.d/vrrp.sh measures the
/// jitter on the wire; this is the daemon's own view of it).
public struct AdvertTiming: Sendable {
    public private(set) var sent: UInt64 = 0
    /// Sent more than a millisecond after the deadline.
    public private(set) var lateOverOneMillisecond: UInt64 = 0
    public private(set) var maxLateness: Duration = .zero

    mutating func record(lateness: Duration) {
        sent &+= 1
        if AdvertTiming.oneMillisecond.isShorter(than: lateness) { lateOverOneMillisecond &+= 1 }
        if maxLateness.isShorter(than: lateness) { maxLateness = lateness }
    }

    private static let oneMillisecond = Duration.exactMicroseconds(1_000)
}
