// keepalived's SIGUSR1 and SIGUSR2 files, written from the daemons' status
// replies: keepalived.data (configuration and state) and keepalived.stats
// (per-instance counters), in keepalived's layout where there is one.
import Wire

public enum StatusFiles {
    /// <tmp>/keepalived.data
    public static func data(_ replies: [StatusReply], header: [String]) -> String {
        var out = header
        for r in replies.sorted(by: order) {
            out.append("------< \(r.program) (pid \(r.pid), \(r.generation)) >------")
            out += r.dumpLines
            for i in r.vrrpInstances {
                out.append(" VRRP Instance = \(i.name)")
                out.append("   State = \(i.state.rawValue)")
                out.append("   Wantstate = \(i.wantState.rawValue)")
                out.append("   Interface = \(i.interface)")
                out.append("   Virtual Router ID = \(i.virtualRouterID)")
                out.append("   Priority = \(i.priority)")
                out.append("   Effective priority = \(i.effectivePriority)")
            }
            for v in r.virtualServers {
                out.append(" Virtual Server = \(v.key)")
                out.append("   Quorum = \(v.quorumUp ? "up" : "down")")
                out.append("   Sorry server = \(v.sorryServerActive ? "in use" : "not in use")")
            }
            for rs in r.realServers {
                out.append(" Real Server = \(rs.realServer) of \(rs.virtualServer)")
                out.append("   State = \(rs.up ? "UP" : "DOWN"), weight \(rs.weight)")
                for c in rs.checkers {
                    out.append("   \(c.kind): \(c.up ? "up" : "down"), \(c.consecutiveFailures) failure(s) in a row\(c.lastReason.map { ", \($0)" } ?? "")")
                }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// <tmp>/keepalived.stats
    public static func stats(_ replies: [StatusReply]) -> String {
        var out: [String] = []
        for r in replies.sorted(by: order) {
            for i in r.vrrpInstances {
                let s = i.stats
                out += [
                    "VRRP Instance: \(i.name)",
                    "  Advertisements:",
                    "    Received: \(s.advertisementsReceived)",
                    "    Sent: \(s.advertisementsSent)",
                    "  Became master: \(s.becameMaster)",
                    "  Released master: \(s.releasedMaster)",
                    "  Packet Errors:",
                    "    Length: \(s.packetLengthErrors)",
                    "    TTL: \(s.ipTTLErrors)",
                    "    Invalid Type: \(s.invalidTypeReceived)",
                    "    Address List: \(s.addressListErrors)",
                    "  Authentication Errors:",
                    "    Invalid Type: \(s.invalidAuthType)",
                    "    Type Mismatch: \(s.authTypeMismatch)",
                    "    Failure: \(s.authFailure)",
                    "  Priority Zero:",
                    "    Received: \(s.priorityZeroReceived)",
                    "    Sent: \(s.priorityZeroSent)",
                ]
            }
            for v in r.virtualServers {
                guard let c = v.counters else { continue }
                out += counters("Virtual Server: \(v.key)", c)
            }
            for rs in r.realServers {
                guard let c = rs.counters else { continue }
                out += counters("Real Server: \(rs.realServer) of \(rs.virtualServer)", c)
            }
        }
        return out.joined(separator: "\n") + (out.isEmpty ? "" : "\n")
    }

    static func counters(_ title: String, _ c: IPVSCounters) -> [String] {
        [title,
         "  Connections: \(c.connections) (active \(c.activeConnections), inactive \(c.inactiveConnections))",
         "  Packets: in \(c.inPackets), out \(c.outPackets)",
         "  Bytes: in \(c.inBytes), out \(c.outBytes)"]
    }

    static func order(_ a: StatusReply, _ b: StatusReply) -> Bool {
        a.program.rawValue != b.program.rawValue ? a.program.rawValue < b.program.rawValue : a.part < b.part
    }
}
