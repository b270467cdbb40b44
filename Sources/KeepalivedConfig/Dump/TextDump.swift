// A readable view of a configuration in the spirit of keepalived's
// --dump-conf (reference §3.3): the same section banners, a few effective
// values keepalived prints first, then every setting under its keyword.
// Like keepalived's, this format is for people, not a stable interface.

import ConfigModel

public enum TextDump {
    public static func render(_ compiled: CompiledConfig) throws -> String {
        var out = ""
        let c = compiled.config
        let g = c.global
        out += "------< Configuration >------\n"
        out += " Source file = \(compiled.sourceFile)\n"
        out += " Config id = \(compiled.configId)\n"
        out += " Format version = \(compiled.formatVersion)\n"
        out += " Scripts = \(compiled.scripts.count)\n"
        try section("Top level", c.topLevel, into: &out)
        out += "------< Global definitions >------\n"
        out += " Router ID = \(g.routerId ?? "(host name)")\n"
        out += " Default interface = \(g.effectiveDefaultInterface)\n"
        out += " VRRP default protocol version = \(g.vrrpVersion)\n"
        out += " Script security \(g.enableScriptSecurity ? "enabled" : "disabled")\n"
        try fields(of: g, indent: 1, into: &out)

        if !c.staticIpaddress.isEmpty || !c.staticRoutes.isEmpty || !c.staticRules.isEmpty {
            out += "------< Static addresses, routes and rules >------\n"
            for a in c.staticIpaddress { out += " \(describe(a))\n" }
            try list("static_routes", c.staticRoutes, indent: 1, into: &out)
            try list("static_rules", c.staticRules, indent: 1, into: &out)
        }
        try named("VRRP Scripts", "VRRP Script", c.vrrpScripts, \.name, into: &out)
        try named("Track processes", "Track process", c.vrrpTrackProcesses, \.name, into: &out)
        try named("Track files", "Track file", c.trackFiles, \.name, into: &out)
        try named("Track groups", "Track group", c.trackGroups, \.name, into: &out)
        if !c.garpGroups.isEmpty { try section("GARP groups", c.garpGroups, into: &out) }
        if !c.linkbeatInterfaces.isEmpty { try section("Linkbeat interfaces", c.linkbeatInterfaces, into: &out) }
        if !c.interfaceUpDownDelays.isEmpty { try section("Interface up/down delays", c.interfaceUpDownDelays, into: &out) }
        try named("VRRP Sync groups", "VRRP Sync Group", c.vrrpSyncGroups, \.name, into: &out)

        if !c.vrrpInstances.isEmpty {
            out += "------< VRRP Topology >------\n"
            for vi in c.vrrpInstances {
                out += " VRRP Instance = \(vi.name)\n"
                out += "   VRRP Version = \(vi.effectiveVersion(g))\n"
                out += "   Wantstate = \(vi.state?.rawValue ?? "BACKUP")\n"
                out += "   Interface = \(vi.interface ?? "(none)")\n"
                if let s = vi.sourceIp { out += "   Using src_ip = \(s)\n" }
                if vi.usesUnicast {
                    out += "   Unicast peers = \(vi.unicastPeer.map { $0.address.description }.joined(separator: " "))\n"
                } else {
                    out += "   Multicast address \(vi.effectiveMcastDstIp(g))\n"
                }
                let garp = vi.effectiveGarp(g, garpGroups: c.garpGroups)
                out += "   Gratuitous ARP delay = \(garp.masterDelay)\n"
                out += "   Gratuitous ARP repeat = \(garp.masterRepeat)\n"
                out += "   Down timer adverts = \(vi.effectiveDownTimerAdverts(g))\n"
                out += "   Virtual Router ID = \(vi.virtualRouterId.map(String.init) ?? "(not set)")\n"
                out += "   Priority = \(vi.priority)\n"
                out += "   Advert interval = \(vi.advertInt) sec\n"
                out += "   Accept = \(vi.effectiveAccept(g) ? "enabled" : "disabled")\n"
                out += "   Preempt = \(vi.effectivePreempt ? "enabled" : "disabled")\n"
                out += "   Authentication type = \(vi.authentication?.authType?.rawValue ?? "none")\n"
                out += "   Virtual IP (\(vi.virtualIpaddress.count)):\n"
                for a in vi.virtualIpaddress { out += "     \(describe(a, defaultDev: vi.interface))\n" }
                if !vi.virtualIpaddressExcluded.isEmpty {
                    out += "   Virtual IP Excluded (\(vi.virtualIpaddressExcluded.count)):\n"
                    for a in vi.virtualIpaddressExcluded { out += "     \(describe(a, defaultDev: vi.interface))\n" }
                }
                for (label, s) in [("Backup state transition script", vi.notifyBackup),
                                   ("Master state transition script", vi.notifyMaster),
                                   ("Fault state transition script", vi.notifyFault),
                                   ("Stop state transition script", vi.notifyStop),
                                   ("Generic state transition script", vi.notify)] {
                    if let s { out += "   \(label) = \(describe(s))\n" }
                }
                out += "   Settings:\n"
                try fields(of: vi, indent: 5, skip: ["name", "virtual_ipaddress", "virtual_ipaddress_excluded"], into: &out)
            }
        }

        if let ssl = c.ssl { try section("SSL", ssl, into: &out) }
        try named("Virtual server groups", "Virtual Server Group", c.virtualServerGroups, \.name, into: &out)
        if !c.virtualServers.isEmpty {
            out += "------< LVS Topology >------\n"
            for vs in c.virtualServers {
                let proto = vs.protocol?.rawValue ?? "none"
                out += " Virtual Server = \(vs.address) \(proto)\n"
                out += "   delay_loop = \(vs.delayLoop), lb_algo = \(vs.effectiveScheduler.rawValue)"
                out += ", lb_kind = \((vs.lbKind ?? ForwardingMethod(.nat)).kind.rawValue)\n"
                if let t = vs.effectivePersistenceTimeout { out += "   persistence timeout = \(t)\n" }
                out += "   quorum = \(vs.quorum), hysteresis = \(vs.hysteresis)\n"
                try fields(of: vs, indent: 3, skip: ["address", "real_servers"], into: &out)
                for rs in vs.realServers {
                    out += "   Real Server = \(rs.address):\(vs.effectivePort(of: rs)), weight = \(vs.effectiveWeight(of: rs))\n"
                    try fields(of: rs, indent: 5, skip: ["address", "port", "checkers"], into: &out)
                    for ch in rs.checkers {
                        let e = vs.effectiveChecking(of: ch, on: rs, global: g)
                        out += "     Checker = \(ch.keyword), delay_loop = \(e.delayLoop), retry = \(e.retry)"
                        out += ", delay_before_retry = \(e.delayBeforeRetry), connect_timeout = \(e.connectTimeout)\n"
                        try fields(of: ch, indent: 7, into: &out)
                    }
                }
            }
        }
        try named("BFD instances", "BFD Instance", c.bfdInstances, \.name, into: &out)
        if !compiled.scripts.isEmpty {
            out += "------< Scripts >------\n"
            for s in compiled.scripts { out += " \(s.id) = \(describe(s))\n" }
        }
        return out
    }

    static func describe(_ s: Script) -> String {
        var text = s.argv.map { "'\($0)'" }.joined(separator: " ")
        if let u = s.user { text += ", user \(u)" + (s.group.map { ":\($0)" } ?? "") }
        if let t = s.timeout { text += ", timeout \(t)" }
        return text
    }

    static func describe(_ a: AddressEntry, defaultDev: String? = nil) -> String {
        var text = a.prefix.description
        if let b = a.broadcast {
            switch b {
            case .address(let x): text += " brd \(x)"
            case .setHostBits: text += " brd +"
            case .clearHostBits: text += " brd -"
            }
        }
        if let d = a.dev ?? defaultDev { text += " dev \(d)" }
        text += " scope \(a.scope)"
        if let l = a.label { text += " label \(l)" }
        if let p = a.peer { text += " peer \(p)" }
        return text
    }

    static func section<T: Encodable>(_ title: String, _ value: T, into out: inout String) throws {
        out += "------< \(title) >------\n"
        try fields(of: value, indent: 1, into: &out)
    }

    static func named<T: Encodable>(_ title: String, _ label: String, _ items: [T], _ name: KeyPath<T, String>,
                                    into out: inout String) throws {
        guard !items.isEmpty else { return }
        out += "------< \(title) >------\n"
        for item in items {
            out += " \(label) = \(item[keyPath: name])\n"
            try fields(of: item, indent: 3, skip: ["name"], into: &out)
        }
    }

    static func list<T: Encodable>(_ key: String, _ items: [T], indent: Int, into out: inout String) throws {
        guard !items.isEmpty else { return }
        let node = try JSONTreeEncoder.node(for: items, path: [])
        write(key, node, indent: indent, into: &out)
    }

    /// Every field of `value` as `keyword = value` lines.
    static func fields<T: Encodable>(of value: T, indent: Int, skip: Set<String> = [], into out: inout String) throws {
        let node = try JSONTreeEncoder.node(for: value, path: [])
        switch node.kind {
        case .object:
            for (k, v) in node.fields where !skip.contains(k) { write(k, v, indent: indent, into: &out) }
        case .array:
            for (i, v) in node.items.enumerated() { write("[\(i)]", v, indent: indent, into: &out) }
        default:
            write("value", node, indent: indent, into: &out)
        }
    }

    static func write(_ key: String, _ n: JSONNode, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch n.kind {
        case .null: out += "\(pad)\(key) = (none)\n"
        case .bool(let b): out += "\(pad)\(key) = \(b ? "true" : "false")\n"
        case .number(let s): out += "\(pad)\(key) = \(s)\n"
        case .string(let s): out += "\(pad)\(key) = \(s)\n"
        case .array:
            if n.items.isEmpty { return }
            if n.items.allSatisfy(\.isScalar) {
                out += "\(pad)\(key) = \(n.items.map(scalar).joined(separator: " "))\n"
            } else {
                out += "\(pad)\(key):\n"
                for (i, item) in n.items.enumerated() { write("[\(i)]", item, indent: indent + 2, into: &out) }
            }
        case .object:
            if n.fields.isEmpty { out += "\(pad)\(key)\n"; return }
            if n.fields.count == 1, n.fields[0].1.isScalar {
                out += "\(pad)\(key) \(n.fields[0].0) = \(scalar(n.fields[0].1))\n"
                return
            }
            out += "\(pad)\(key):\n"
            for (k, v) in n.fields { write(k, v, indent: indent + 2, into: &out) }
        }
    }

    static func scalar(_ n: JSONNode) -> String {
        switch n.kind {
        case .null: return "(none)"
        case .bool(let b): return b ? "true" : "false"
        case .number(let s), .string(let s): return s
        default: return "..."
        }
    }
}
