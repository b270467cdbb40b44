// Gratuitous ARP / unsolicited NA bursts: built from the instance's addresses
// (each on its own interface, with that interface's MAC), interleaved per
// address, and spaced by vrrp_garp_interval / vrrp_gna_interval when set.
import ConfigModel
import Reactor
import VRRP

final class GratuitousQueue {
    private unowned let service: VRRPService
    private var pending: [(interfaceIndex: Int32, frame: [UInt8], spacing: Duration)] = []
    private var timer: TimerID?

    init(service: VRRPService) { self.service = service }

    func enqueue(_ r: RunningInstance, rounds: Int) {
        guard rounds > 0 else { return }
        var round: [(Int32, [UInt8], Duration)] = []
        for e in r.settings.allAddresses {
            guard let ifname = e.dev ?? r.settings.interface, let info = service.interfaces[ifname],
                  let macBytes = info.link.mac, let mac = MACAddress(macBytes) else { continue }
            switch e.prefix.address {
            case .v4(let a):
                round.append((info.index, GratuitousFrames.arp(vip: a, mac: mac), r.settings.gratuitous.arpSpacing))
            case .v6(let a):
                round.append((info.index, GratuitousFrames.neighborAdvertisement(vip: a, mac: mac),
                              r.settings.gratuitous.naSpacing))
            }
        }
        for _ in 0..<rounds { pending += round.map { (interfaceIndex: $0.0, frame: $0.1, spacing: $0.2) } }
        // Sent from the next turn of the reactor, never in the middle of the
        // timers due now: an advert due at the same deadline as a gratuitous
        // burst (garp_master_delay 5 s is a multiple of most advert intervals)
        // leaves first, at its deadline.
        if timer == nil { timer = service.reactor.schedule(after: .zero) { [unowned self] in self.drain() } }
    }

    /// At most this many frames per turn of the reactor, so a burst for many
    /// instances never holds up an advert that falls due meanwhile.
    static let framesPerTurn = 16

    /// Sends until a frame asks for spacing, then waits that long.
    private func drain() {
        timer = nil
        var sent = 0
        while !pending.isEmpty {
            if sent == GratuitousQueue.framesPerTurn {
                timer = service.reactor.schedule(after: .zero) { [unowned self] in self.drain() }
                return
            }
            sent += 1
            let next = pending.removeFirst()
            do {
                try service.linkLayer.send(next.frame, interfaceIndex: next.interfaceIndex)
            } catch {
                service.log(.error, "gratuitous ARP/NA on if#\(next.interfaceIndex): \(error)")
            }
            if next.spacing > .zero, !pending.isEmpty {
                timer = service.reactor.schedule(after: next.spacing) { [unowned self] in self.drain() }
                return
            }
        }
    }

    func cancel() {
        if let t = timer { service.reactor.cancel(t) }
        timer = nil
        pending = []
    }
}
