// vrrpd's status: each instance's state, priority, master and counters, as a
// StatusReply (structured, for the supervisor's dumps) whose dump lines are
// what `vrrpd --status` prints for a person.
import ConfigModel
import Glibc
import VRRP
import VRRPService
import Wire

enum StatusReport {
    static func reply(_ service: VRRPService, request: StatusRequest, generation: Generation) -> StatusReply {
        let snaps = service.snapshot()
        let realNow = time(nil)
        let instances = snaps.map { s in
            VRRPInstanceStatus(
                name: s.settings.name, state: Wire.VRRPState(rawValue: s.state.rawValue) ?? .initial,
                wantState: s.settings.initialStateMaster || s.settings.isOwner ? .master : .backup,
                priority: s.settings.priority, effectivePriority: s.effectivePriority,
                interface: s.settings.interface ?? "", virtualRouterID: s.settings.vrid,
                lastTransition: Int64(realNow) - s.inStateFor.components.seconds, stats: stats(s.counters))
        }
        return StatusReply(requestID: request.requestID, generation: generation, program: .vrrpd, pid: getpid(),
                           vrrpInstances: instances,
                           dumpLines: lines(snaps, drops: service.socketDrops()) + [timing(service.advertTiming)])
    }

    /// keepalived's per-instance statistics, from our finer counters.
    static func stats(_ c: InstanceCounters) -> VRRPInstanceStats {
        var s = VRRPInstanceStats()
        let r = c.rejected
        s.advertisementsReceived = c.advertsReceived
        s.advertisementsSent = c.advertsSent
        s.becameMaster = c.becameMaster
        s.releasedMaster = c.releasedMaster
        s.packetLengthErrors = r[.lengthMismatch] + r[.ipLengthMismatch]
        s.ipTTLErrors = r[.wrongTTL] + r[.unicastTTLOutOfRange]
        s.invalidTypeReceived = r[.wrongType]
        s.addressListErrors = r[.addressListMismatch] + r[.addressCountMismatch]
        s.invalidAuthType = r[.invalidAuthType]
        s.authTypeMismatch = r[.authTypeMismatch] + r[.unexpectedAH] + r[.missingAH]
        s.authFailure = r[.authFailure] + r[.ahICVMismatch] + r[.ahSPIMismatch] + r[.ahReplay]
        s.priorityZeroReceived = c.priorityZeroReceived
        s.priorityZeroSent = c.priorityZeroSent
        return s
    }

    static func lines(_ snaps: [InstanceSnapshot],
                      drops: [(interface: String, family: AddressFamily, drops: ReasonCounters<DropReason>)]) -> [String] {
        var out: [String] = []
        for s in snaps {
            let st = s.settings
            let mode = st.isUnicast ? "unicast to " + st.unicastPeers.map { "\($0.address)" }.joined(separator: ", ")
                                    : "multicast \(st.multicastGroup)"
            out.append("VRRP instance \(st.name): \(s.state) for \(seconds(s.inStateFor)), priority \(st.priority)"
                + " (effective \(s.effectivePriority)), VRID \(st.vrid) on \(st.interface ?? "-"),"
                + " \(st.version) \(st.family == .inet ? "IPv4" : "IPv6") \(mode), auth \(st.authentication.type)")
            let master = s.masterAddress.map { $0 == s.localAddress ? "\($0) (this router)" : "\($0)" } ?? "unknown"
            out.append("  master \(master), source \(s.localAddress.map { "\($0)" } ?? "none"),"
                + " advert interval \(seconds(st.advertInterval))")
            let c = s.counters
            out.append("  adverts received \(c.advertsReceived), sent \(c.advertsSent); became master \(c.becameMaster),"
                + " released \(c.releasedMaster); priority 0 received \(c.priorityZeroReceived), sent \(c.priorityZeroSent);"
                + " lower priority discarded \(c.lowerPriorityDiscarded)")
            let rejected = c.rejected.nonZero.map { "\($0.0.name)=\($0.1)" }
            out.append("  rejected: " + (rejected.isEmpty ? "none" : rejected.joined(separator: " ")))
            if !s.faultReasons.isEmpty { out.append("  fault: " + s.faultReasons.joined(separator: ", ")) }
        }
        for d in drops {
            let list = d.drops.nonZero.map { "\($0.0.name)=\($0.1)" }
            out.append("dropped on \(d.interface) \(d.family == .inet ? "IPv4" : "IPv6") before an instance: "
                + (list.isEmpty ? "none" : list.joined(separator: " ")))
        }
        return out
    }

    /// Whether adverts leave at their deadlines (each instance's own).
    static func timing(_ t: AdvertTiming) -> String {
        "adverts sent on their timer: \(t.sent), more than 1 ms late: \(t.lateOverOneMillisecond), "
            + "latest \(t.maxLateness.wholeMicroseconds) µs after its deadline"
    }

    static func seconds(_ d: Duration) -> String {
        let ms = d.wholeMicroseconds / 1000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(Double(ms) / 1000) s"
    }
}
