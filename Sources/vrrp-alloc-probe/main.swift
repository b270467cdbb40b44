// BENCHMARK-ONLY (scripts/bench.d/vrrp.sh builds and runs it in release;
// never installed): counts the heap allocations of vrrpd's per-packet
// paths, which STYLE.md §4 wants free of them: a backup receiving adverts
// (parse, validate, state machine, the down timer re-armed), a master
// sending them (the advert timer fired, the advert encoded, the timer
// re-armed), for every authentication, version and family, and, as root,
// the raw socket send and receive on loopback. Each case runs a warm-up
// first (buffers reach their size once), then counts. Prints one line per
// case and exits 1 if any case allocated. Only a release build means
// anything: a debug build allocates for generics and closures it does not
// specialise or inline.
import CAllocationCounter
import ConfigModel
import Glibc
import Posix
import Reactor
import VRRP
import VRRPIO

let rounds = 1000
nonisolated(unsafe) var failed = false

/// `count` is taken before `name` is made: building the string allocates.
func report(_ name: String, _ count: UInt64, per: Int) {
    print("\(name): \(count) allocations in \(per) packets")
    if count != 0 { failed = true }
}

let group4 = IPAddress("224.0.0.18")!
let group6 = IPAddress("ff02::12")!
let master4 = IPAddress("10.0.0.1")!
let backup4 = IPAddress("10.0.0.2")!
let master6 = IPAddress("fe80::1")!
let backup6 = IPAddress("fe80::2")!
let pass = Array("secret12".utf8)

struct Case {
    var name: String
    var settings: InstanceSettings
    var source: IPAddress
    var local: IPAddress
    var destination: IPAddress
}

func settings(version: VRRPVersion, family: AddressFamily, auth: Authentication = .none,
              peers: [IPAddress] = [], checksum: UnicastChecksumMode = .detect) -> InstanceSettings {
    let vips = family == .inet ? ["10.0.0.100/24", "10.0.0.101/24"] : ["fe80::100/64", "2001:db8::100/64"]
    return InstanceSettings(name: "VI", vrid: 7, version: version, family: family,
                            advertInterval: version == .v2 ? .seconds(1) : .milliseconds(100), authentication: auth,
                            unicastPeers: peers.map { UnicastPeer(address: $0) }, unicastChecksum: checksum,
                            virtualAddresses: vips.map { AddressEntry(prefix: IPPrefix($0)!) })
}

let cases = [
    Case(name: "v2 IPv4", settings: settings(version: .v2, family: .inet), source: master4, local: backup4, destination: group4),
    Case(name: "v2 IPv4 PASS", settings: settings(version: .v2, family: .inet, auth: .password(pass)),
         source: master4, local: backup4, destination: group4),
    Case(name: "v2 IPv4 AH", settings: settings(version: .v2, family: .inet, auth: .ipsecAH(key: pass)),
         source: master4, local: backup4, destination: group4),
    Case(name: "v3 IPv4", settings: settings(version: .v3, family: .inet), source: master4, local: backup4, destination: group4),
    Case(name: "v3 IPv6", settings: settings(version: .v3, family: .inet6), source: master6, local: backup6, destination: group6),
    Case(name: "v3 IPv4 unicast", settings: settings(version: .v3, family: .inet, peers: [backup4]),
         source: master4, local: backup4, destination: backup4),
    Case(name: "v3 IPv4 unicast, old checksum", settings: settings(version: .v3, family: .inet, peers: [backup4], checksum: .old),
         source: master4, local: backup4, destination: backup4),
]

for c in cases {
    // The master: its advert timer fires and it sends, as VRRPService does.
    let clock = ManualClock()
    let timers = TimerQueue(clock: clock)
    var actions: [Action] = []
    let timer = timers.makeTimer {}
    var high = c.settings
    high.priority = 200
    var master = Instance(settings: high)
    master.handle(.start(localAddress: c.source), now: .origin, into: &actions)
    var now = master.deadline(.masterDown) ?? .origin
    master.handle(.timerFired(.masterDown), now: now, into: &actions)
    precondition(master.state == .master, "\(c.name): the master did not take over")
    var packets: [[UInt8]] = []
    // Made once and kept, as vrrpd's RunningInstance keeps them.
    let destinations = master.advertDestinations
    func masterRound(keep: Bool) {
        now = master.deadline(.advertisement) ?? now
        actions.removeAll(keepingCapacity: true)
        master.handle(.timerFired(.advertisement), now: now, into: &actions)
        for a in actions {
            switch a {
            case .sendAdvertisement(let priority):
                for d in destinations {
                    if keep {
                        packets.append(master.makeAdvertisement(priority: priority, to: d) ?? [])
                    } else {
                        var size = 0
                        master.withAdvertisement(priority: priority, to: d) { size = $0.count }
                        precondition(size > 0)
                    }
                }
            case .armTimer(_, let at):
                timers.arm(timer, at: reactorInstant(at.sinceOrigin))
            default:
                break
            }
        }
    }
    // Warm-up: the timer heap and the action buffer reach their sizes; the
    // packets kept feed the backup below (each AH one with its own sequence).
    for _ in 0..<200 { masterRound(keep: true) }
    alloc_counter_start()
    for _ in 0..<rounds { masterRound(keep: false) }
    let sending = alloc_counter_stop()
    report("\(c.name): master sending", sending, per: rounds)

    // The backup: each advert parsed, validated, the down timer re-armed.
    var backup = Instance(settings: c.settings)
    backup.handle(.start(localAddress: c.local), now: .origin, into: &actions)
    let inbound = packets.map { p -> InboundPacket in
        c.settings.family == .inet ? InboundPacket(family: .inet, bytes: p)
            : InboundPacket(family: .inet6, bytes: p, source: c.source, destination: c.destination, hopLimit: 255)
    }
    var t = Instant.origin
    func backupRound(_ p: InboundPacket) {
        t = t + .milliseconds(10)
        actions.removeAll(keepingCapacity: true)
        guard case .success(let parsed) = ParsedPacket.parse(p) else { preconditionFailure("\(c.name): unparsable") }
        backup.handle(.packet(parsed), now: t, into: &actions)
        for a in actions {
            if case .armTimer(_, let at) = a { timers.arm(timer, at: reactorInstant(at.sinceOrigin)) }
        }
    }
    // AH: each packet carries a higher sequence number; warm up on the first few.
    for p in inbound.prefix(100) { backupRound(p) }
    let received = backup.counters.advertsReceived
    alloc_counter_start()
    for p in inbound.dropFirst(100) { backupRound(p) }
    if c.settings.authentication.type != .ipsecAH {
        for _ in 0..<rounds { backupRound(inbound[inbound.count - 1]) }
    }
    let n = alloc_counter_stop()
    let accepted = backup.counters.advertsReceived - received
    report("\(c.name): backup receiving (\(accepted) accepted)", n, per: Int(accepted))
    if accepted == 0 || backup.state != .backup { print("\(c.name): the adverts were not accepted"); failed = true }
}

// The raw socket on loopback, as root: AdvertReceiver's recvmsg into its buffer.
func rawSocketCase() {
    let lo = Int32(if_nametoindex("lo"))
    guard geteuid() == 0, lo > 0 else {
        print("raw socket on lo: skipped (needs root)")
        return
    }
    do {
        let s = settings(version: .v3, family: .inet, peers: [IPAddress("127.0.0.1")!])
        var sender = Instance(settings: s)
        var actions: [Action] = []
        sender.handle(.start(localAddress: IPAddress("127.0.0.1")!), now: .origin, into: &actions)
        let tx = try AdvertSender(family: .inet, interface: "lo", interfaceIndex: lo, source: nil)
        let rx = try AdvertReceiver(family: .inet, ipProtocol: VRRPWire.protocolVRRP, interface: "lo", interfaceIndex: lo)
        var backup = Instance(settings: s)
        backup.handle(.start(localAddress: IPAddress("127.0.0.1")!), now: .origin, into: &actions)
        var t = Instant.origin
        let dst = IPAddress("127.0.0.1")!
        func round() throws(SysError) -> Bool {
            var sent = false
            sender.withAdvertisement(priority: 200, to: dst) { b in sent = (try? tx.send(b, to: dst)) ?? false }
            guard sent == true, let p = try rx.receive(), case .success(let parsed) = ParsedPacket.parse(p) else { return false }
            t = t + .milliseconds(10)
            actions.removeAll(keepingCapacity: true)
            backup.handle(.packet(parsed), now: t, into: &actions)
            return true
        }
        for _ in 0..<100 { _ = try round() }
        alloc_counter_start()
        var ok = 0
        for _ in 0..<rounds { if try round() { ok += 1 } }
        let n = alloc_counter_stop()
        report("raw socket on lo, v3 unicast: send and receive (\(ok) received)", n, per: ok)
        if ok < rounds / 2 {
            print("raw socket on lo: only \(ok) of \(rounds) came back")
            failed = true
        }
    } catch {
        print("raw socket on lo: \(error)")
        failed = true
    }
}
rawSocketCase()

exit(failed ? 1 : 0)
