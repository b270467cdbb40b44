// Writes a typed configuration as keepalived.conf text, so the very same
// configuration drives our applier (as a model) and Debian's keepalived (as
// text). Covers what the IPVS cases use; test-only.
import ConfigModel

enum Render {
    static func config(_ c: KeepalivedConfiguration) -> String {
        var out = "global_defs {\n  router_id ipvs_vm_suite\n"
        let g = c.global
        if let t = g.lvsTimeouts {
            var l = "  lvs_timeouts"
            if let v = t.tcp { l += " tcp \(v)" }
            if let v = t.tcpfin { l += " tcpfin \(v)" }
            if let v = t.udp { l += " udp \(v)" }
            out += l + "\n"
        }
        if g.lvsFlush { out += "  lvs_flush\n" }
        if let d = g.lvsSyncDaemon {
            var l = "  lvs_sync_daemon \(d.interface)"
            if let i = d.instance { l += " \(i)" }
            if let id = d.syncid { l += " id \(id)" }
            if let m = d.maxlen { l += " maxlen \(m)" }
            if d.port != 8848 { l += " port \(d.port)" }
            if let t = d.ttl { l += " ttl \(t)" }
            if let gr = d.group { l += " group \(gr)" }
            out += l + "\n"
        }
        switch g.lvsFlushOnStop {
        case nil: break
        case .all?: out += "  lvs_flush_onstop\n"
        case .virtualServers?: out += "  lvs_flush_onstop VS\n"
        }
        out += "}\n"
        for t in c.trackFiles {
            out += "track_file \(t.name) {\n  file \(t.file ?? "/dev/null")\n  weight \(t.weight)\n}\n"
        }
        for grp in c.virtualServerGroups {
            out += "virtual_server_group \(grp.name) {\n"
            for e in grp.entries { out += "  \(entry(e))\n" }
            out += "}\n"
        }
        for vi in c.vrrpInstances {
            // The least a vrrp_instance needs (the applier only reads its name and VRID).
            out += "vrrp_instance \(vi.name) {\n  state BACKUP\n  interface \(vi.interface ?? "lo")\n"
            out += "  virtual_router_id \(vi.virtualRouterId ?? 1)\n  priority 100\n"
            out += "  virtual_ipaddress {\n    192.0.2.250/32\n  }\n}\n"
        }
        for vs in c.virtualServers { out += virtualServer(vs) }
        return out
    }

    static func entry(_ e: VirtualServerGroup.Entry) -> String {
        switch e {
        case .range(let first, let last, let port):
            var s = "\(first)"
            if first != last {
                switch (first, last) {
                case (.v4, .v4(let b)): s += "-\(b.value & 0xff)"
                case (.v6, .v6(let b)): s += "-" + String(b.low & 0xffff, radix: 16)
                default: break
                }
            }
            return port.map { "\(s) \($0)" } ?? s
        case .prefix(let p, let port):
            return port.map { "\(p) \($0)" } ?? "\(p)"
        case .fwmark(let m, let f):
            return "fwmark \(m)" + (f.map { " \($0.rawValue)" } ?? "")
        }
    }

    static func method(_ m: ForwardingMethod) -> String {
        var s = m.kind.rawValue
        if m.kind == .tun {
            if let t = m.tunnelType {
                s += " type \(t.rawValue)"
                if t == .gue, let p = m.tunnelPort { s += " port \(p)" }
            }
            if let c = m.tunnelChecksum { s += " \(c.rawValue)" }
        }
        return s
    }

    static func virtualServer(_ vs: VirtualServer) -> String {
        var o = ""
        switch vs.address {
        case .ip(let a, let p): o += "virtual_server \(a) \(p) {\n"
        case .fwmark(let m): o += "virtual_server fwmark \(m) {\n"
        case .group(let g): o += "virtual_server group \(g) {\n"
        }
        func line(_ s: String) { o += "  \(s)\n" }
        line("delay_loop \(vs.delayLoop.microseconds / 1_000_000)")
        if let a = vs.lbAlgo { line("lb_algo \(a.rawValue)") }
        if let k = vs.lbKind { line("lb_kind \(method(k))") }
        if let p = vs.protocol { line("protocol \(p.rawValue)") }
        if let f = vs.ipFamily { line("ip_family \(f.rawValue)") }
        if let t = vs.persistenceTimeout { line("persistence_timeout \(t)") }
        if let g = vs.persistenceGranularity { line("persistence_granularity \(g)") }
        if let e = vs.persistenceEngine { line("persistence_engine \(e)") }
        if vs.ops { line("ops") }
        if vs.hashed { line("hashed") }
        if vs.flag1 { line("flag-1") }
        if vs.flag2 { line("flag-2") }
        if vs.flag3 { line("flag-3") }
        if vs.shPort { line("sh-port") }
        if vs.shFallback { line("sh-fallback") }
        if vs.mhPort { line("mh-port") }
        if vs.mhFallback { line("mh-fallback") }
        if vs.alpha { line("alpha") }
        if vs.inhibitOnFailure { line("inhibit_on_failure") }
        if vs.quorum != 1 { line("quorum \(vs.quorum)") }
        if vs.hysteresis != 0 { line("hysteresis \(vs.hysteresis)") }
        if vs.weight != 1 { line("weight \(vs.weight)") }
        if let s = vs.sorryServer { line("sorry_server \(s.address)" + (s.port.map { " \($0)" } ?? "")) }
        if vs.sorryServerInhibit { line("sorry_server_inhibit") }
        if let m = vs.sorryServerLvsMethod { line("sorry_server_lvs_method \(method(m))") }
        for rs in vs.realServers {
            o += "  real_server \(rs.address)" + (rs.port.map { " \($0)" } ?? "") + " {\n"
            func rline(_ s: String) { o += "    \(s)\n" }
            if let w = rs.weight { rline("weight \(w)") }
            if let m = rs.lvsMethod { rline("lvs_method \(method(m))") }
            if rs.uthreshold != 0 { rline("uthreshold \(rs.uthreshold)") }
            if rs.lthreshold != 0 { rline("lthreshold \(rs.lthreshold)") }
            if let i = rs.inhibitOnFailure { rline("inhibit_on_failure \(i ? "true" : "false")") }
            if let a = rs.alpha { rline("alpha \(a ? "true" : "false")") }
            for c in rs.checkers {
                if case .file(let f) = c {
                    rline("FILE_CHECK {")
                    rline("  track_file \(f.trackFile ?? "")")
                    if let w = f.weight { rline("  weight \(w)") }
                    rline("}")
                }
            }
            o += "  }\n"
        }
        return o + "}\n"
    }
}
