// virtual_server, real_server and the global SSL block (reference §2.4, §5).
// The checkers are in CheckerKeywords.swift.

import ConfigModel

enum IPVSKeywords {
    static let connectTimeoutRange = Interval(microseconds: 1)...Interval(microseconds: Int64(UInt32.max))
    static let delayLoopRange = Interval(microseconds: 1)...Interval(microseconds: Int64.max / 2)
    static let anyTimer = Interval.zero...Interval(microseconds: Int64.max / 2)
    static let retryRange: ClosedRange<Int64> = 1...Int64(UInt32.max)

    static let schedulers: [(String, Scheduler)] = Scheduler.allCases.map { ($0.rawValue, $0) }

    static let virtualServer = Section<VirtualServer>("virtual_server", [
        Keyword("ip_family") { m, n, b in
            guard let t = b.required(n) else { return }
            m.ipFamily = b.choice(t, line: n.line, what: "ip_family", [("inet", AddressFamily.inet), ("inet6", .inet6)])
        },
        .int("retry", \.retry, retryRange),
        .timer("delay_before_retry", \.delayBeforeRetry, anyTimer),
        .timer("warmup", \.warmup, anyTimer),
        .timer("connect_timeout", \.connectTimeout, connectTimeoutRange),
        .timer("delay_loop", \.delayLoop, delayLoopRange),
        .flag("inhibit_on_failure", \.inhibitOnFailure),
        Keyword("lb_algo") { m, n, b in m.lbAlgo = b.scheduler(n) },
        Keyword("lvs_sched") { m, n, b in m.lbAlgo = b.scheduler(n) },
        .flag("hashed", \.hashed),
        .flag("ops", \.ops),
        .flag("flag-1", \.flag1),
        .flag("flag-2", \.flag2),
        .flag("flag-3", \.flag3),
        .flag("sh-port", \.shPort),
        .flag("sh-fallback", \.shFallback),
        .flag("mh-port", \.mhPort),
        .flag("mh-fallback", \.mhFallback),
        Keyword("lb_kind") { m, n, b in if let f = b.forwardingMethod(n) { m.lbKind = f } },
        Keyword("lvs_method") { m, n, b in if let f = b.forwardingMethod(n) { m.lbKind = f } },
        .string("persistence_engine", \.persistenceEngine),
        Keyword("persistence_timeout") { m, n, b in
            guard let t = n.arguments.first else { m.persistenceTimeout = 360; return }
            if let v = b.integer(t, n, 1...2_678_400) { m.persistenceTimeout = UInt32(v) }
        },
        Keyword("persistence_granularity") { m, n, b in
            guard let t = b.required(n) else { return }
            if let len = UInt8(t.text), (1...128).contains(len) {
                m.persistenceGranularity = t.text
            } else if case .v4? = IPAddress(t.text) {
                m.persistenceGranularity = t.text
            } else {
                b.error("persistence_granularity expects an IPv4 netmask or a prefix length 1...128, got '\(t.text)'", at: t, n)
            }
        },
        Keyword("protocol") { m, n, b in
            guard let t = b.required(n) else { return }
            switch t.text.uppercased() {
            case "TCP": m.protocol = .tcp
            case "UDP": m.protocol = .udp
            case "SCTP": m.protocol = .sctp
            default:
                b.error("protocol: unknown protocol '\(t.text)'", at: t, n, notes: ["expected TCP, UDP or SCTP"])
            }
        },
        .flag("ha_suspend", \.haSuspend),
        .bool("smtp_alert", \.smtpAlert),
        .string("virtualhost", \.virtualhost),
        .string("snmp_name", \.snmpName),
        .flag("alpha", \.alpha),
        .flag("omega", \.omega),
        .script("quorum_up", \.quorumUp),
        .script("quorum_down", \.quorumDown),
        .int("quorum", \.quorum, 1...Int64(UInt32.max), guess: "use 1"),
        .int("hysteresis", \.hysteresis, 0...Int64(UInt32.max)),
        .int("weight", \.weight, 1...Int64(Int32.max)),
        Keyword("sorry_server") { m, n, b in
            guard let t = b.required(n), let a = b.address(t, n) else { return }
            var s = SorryServer(address: a)
            if let p = n.arguments.dropFirst().first {
                guard let v = b.port(p, line: n.line, what: "sorry_server port", allowZero: true) else { return }
                s.port = v
            }
            m.sorryServer = s
        },
        // keepalived applies these to the sorry server already read, and
        // ignores them before (or without) one.
        Keyword("sorry_server_inhibit") { m, n, b in
            guard m.sorryServer != nil else {
                b.warning("sorry_server_inhibit before (or without) sorry_server is ignored", at: n.keyword, n)
                return
            }
            m.sorryServerInhibit = true
        },
        Keyword("sorry_server_lvs_method") { m, n, b in
            guard m.sorryServer != nil else {
                b.warning("sorry_server_lvs_method before (or without) sorry_server is ignored", at: n.keyword, n)
                return
            }
            if let f = b.forwardingMethod(n) { m.sorryServerLvsMethod = f }
        },
        Keyword("real_server", shape: .block(SectionPath("virtual_server/real_server"))) { m, n, b in
            b.realServer(n, into: &m)
        },
    ])

    static let realServer = Section<RealServer>("virtual_server/real_server", [
        .int("weight", \.weight, 0...Int64(Int32.max)),
        Keyword("lvs_method") { m, n, b in if let f = b.forwardingMethod(n) { m.lvsMethod = f } },
        .int("uthreshold", \.uthreshold, 0...Int64(UInt32.max)),
        .int("lthreshold", \.lthreshold, 0...Int64(UInt32.max)),
        .bool("inhibit_on_failure", \.inhibitOnFailure),
        .script("notify_up", \.notifyUp),
        .script("notify_down", \.notifyDown),
        .bool("alpha", \.alpha),
        .int("retry", \.retry, retryRange),
        .timer("delay_before_retry", \.delayBeforeRetry, anyTimer),
        .timer("warmup", \.warmup, anyTimer),
        .timer("connect_timeout", \.connectTimeout, connectTimeoutRange),
        .timer("delay_loop", \.delayLoop, delayLoopRange),
        .bool("smtp_alert", \.smtpAlert),
        .string("virtualhost", \.virtualhost),
        .string("snmp_name", \.snmpName),
    ] + CheckerKeywords.checkerBlocks)

    static let ssl = Section<SSLOptions>("SSL", [
        .string("password", \.password),
        .string("ca", \.ca),
        .string("certificate", \.certificate),
        .string("key", \.key),
    ])
}

extension ModelBuilder {
    func scheduler(_ n: ConfigNode) -> Scheduler? {
        guard let t = required(n) else { return nil }
        return choice(t, line: n.line, what: n.keyword.text, IPVSKeywords.schedulers)
    }

    /// `NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`.
    func forwardingMethod(_ n: ConfigNode) -> ForwardingMethod? {
        guard let t = required(n) else { return nil }
        guard let kind = choice(t, line: n.line, what: n.keyword.text,
                                [("NAT", ForwardingMethod.Kind.nat), ("DR", .dr), ("TUN", .tun)]) else { return nil }
        var f = ForwardingMethod(kind)
        let a = Array(n.arguments.dropFirst())
        var i = 0
        while i < a.count {
            let k = a[i]
            switch k.text {
            case "type":
                guard i + 1 < a.count else { error("\(n.keyword.text): type needs ipip, gue or gre", at: k, n); return nil }
                guard let tt = choice(a[i + 1], line: n.line, what: "tunnel type",
                                      [("ipip", ForwardingMethod.TunnelType.ipip), ("gue", .gue), ("gre", .gre)]) else { return nil }
                f.tunnelType = tt
                i += 1
            case "port":
                guard i + 1 < a.count else { error("\(n.keyword.text): port needs a number", at: k, n); return nil }
                guard let p = port(a[i + 1], line: n.line, what: "tunnel port") else { return nil }
                f.tunnelPort = p
                i += 1
            case "nocsum": f.tunnelChecksum = .nocsum
            case "csum": f.tunnelChecksum = .csum
            case "remcsum": f.tunnelChecksum = .remcsum
            default:
                error("\(n.keyword.text): unknown option '\(k.text)'", at: k, n,
                      notes: ["expected: type ipip|gue|gre, port N, nocsum|csum|remcsum"])
                return nil
            }
            i += 1
        }
        if (f.tunnelType == .gue) != (f.tunnelPort != nil) {
            error("\(n.keyword.text): a gue tunnel needs a port, and only gue tunnels take one", at: t, n)
            return nil
        }
        return f
    }

    /// `real_server IP [PORT] { ... }` inside a virtual server.
    func realServer(_ n: ConfigNode, into vs: inout VirtualServer) {
        guard let t = required(n) else { return }
        guard let a = address(t, n, what: "real_server") else { return }
        var rs = RealServer(address: a)
        if let p = n.arguments.dropFirst().first {
            guard let v = port(p, line: n.line, what: "real_server port", allowZero: true) else { return }
            rs.port = v
        }
        IPVSKeywords.realServer.apply(children(n), to: &rs, self)
        rs.checkers = exactCopy(rs.checkers)
        vs.realServers.append(rs)
        origins.realServers.append(Spot(t))
    }
}
