// The top level of keepalived.conf (reference §2.4: 25 keywords in 2.2.7):
// the named sections, the value blocks, and a few process options.

import ConfigModel

enum TopLevelKeywords {
    static let section = Section<KeepalivedConfiguration>("", [
        .flag("linkbeat_use_polling", \.topLevel.linkbeatUsePolling),
        .string("net_namespace", \.topLevel.netNamespace),
        .optionalString("net_namespace_ipvs", \.topLevel.netNamespaceIpvs),
        .flag("namespace_with_ipsets", \.topLevel.namespaceWithIpsets),
        .flag("use_pid_dir", \.topLevel.usePidDir),
        .string("instance", \.topLevel.instance),
        .int("child_wait_time", \.topLevel.childWaitTime, 0...Int64(Int32.max)),
        Keyword("global_defs", shape: .block(GlobalKeywords.section.path)) { m, n, b in
            GlobalKeywords.section.apply(b.children(n), to: &m.global, b)
            for c in b.children(n) { b.origins.global[c.keyword.text] = Spot(c.arguments.first ?? c.keyword) }
        },
        named("track_group", TrackingKeywords.trackGroup, \.trackGroups, \.trackGroups, TrackGroup.init),
        .values("static_ipaddress") { m, l, _, b in
            if let a = b.addressEntry(l, what: "static_ipaddress", allowTrackGroup: true) { m.staticIpaddress.append(a) }
        },
        .values("static_routes") { m, l, _, b in
            if let r = b.routeEntry(l, what: "static_routes", isStatic: true) { m.staticRoutes.append(r) }
        },
        .values("static_rules") { m, l, _, b in
            if let r = b.ruleEntry(l, what: "static_rules", isStatic: true) { m.staticRules.append(r) }
        },
        named("vrrp_sync_group", VRRPKeywords.syncGroup, \.vrrpSyncGroups, \.vrrpSyncGroups, SyncGroup.init),
        Keyword("garp_group", shape: .block(TrackingKeywords.garpGroup.path)) { m, n, b in
            var g = GarpGroup()
            TrackingKeywords.garpGroup.apply(b.children(n), to: &g, b)
            m.garpGroups.append(g)
        },
        .values("linkbeat_interfaces") { m, l, _, b in
            if let e = b.linkbeatInterface(l) { m.linkbeatInterfaces.append(e) }
        },
        named("vrrp_instance", VRRPKeywords.instance, \.vrrpInstances, \.vrrpInstances, VRRPInstance.init, recordKeywords: true,
              finish: { vi, origin in
                  // keepalived 2.2.7: state MASTER without a priority makes
                  // the instance the address owner (its dump shows 255).
                  if vi.state == .master && origin.keywords["priority"] == nil { vi.priority = 255 }
              }),
        named("vrrp_script", TrackingKeywords.vrrpScript, \.vrrpScripts, \.vrrpScripts, VRRPScript.init),
        named("vrrp_track_process", TrackingKeywords.trackProcess, \.vrrpTrackProcesses, \.trackProcesses, TrackProcess.init),
        .values("interface_up_down_delays") { m, l, _, b in
            if let e = b.upDownDelay(l) { m.interfaceUpDownDelays.append(e) }
        },
        Keyword("SSL", shape: .block(IPVSKeywords.ssl.path)) { m, n, b in
            var s = m.ssl ?? SSLOptions()
            IPVSKeywords.ssl.apply(b.children(n), to: &s, b)
            m.ssl = s
        },
        Keyword("virtual_server_group", shape: .valueBlock) { m, n, b in b.virtualServerGroup(n, into: &m) },
        Keyword("virtual_server", shape: .block(IPVSKeywords.virtualServer.path)) { m, n, b in b.virtualServer(n, into: &m) },
        named("bfd_instance", TrackingKeywords.bfdInstance, \.bfdInstances, \.bfdInstances, BFDInstance.init),
        named("track_file", TrackingKeywords.trackFileSection, \.trackFiles, \.trackFiles, TrackFile.init),
        Keyword("vrrp_track_file", shape: .block(TrackingKeywords.vrrpTrackFileSection.path),
                deprecated: "vrrp_track_file is deprecated: use track_file") { m, n, b in
            b.namedBlock(n, TrackingKeywords.vrrpTrackFileSection, into: &m, \.trackFiles, \.trackFiles, kind: "track_file") {
                var f = TrackFile(name: $0)
                f.deprecatedSpelling = true
                return f
            }
        },
    ])

    /// `KEYWORD NAME { ... }`: a named section appended to the model.
    static func named<S: NamedSection>(_ keyword: String, _ section: Section<S>,
                                       _ list: WritableKeyPath<KeepalivedConfiguration, [S]>,
                                       _ origins: WritableKeyPath<Origins, [Origin]>,
                                       _ make: @escaping (String) -> S, recordKeywords: Bool = false,
                                       finish: ((inout S, Origin) -> Void)? = nil) -> Keyword<KeepalivedConfiguration> {
        Keyword(keyword, shape: .block(section.path)) { m, n, b in
            b.namedBlock(n, section, into: &m, list, origins, kind: keyword, recordKeywords: recordKeywords, finish: finish, make)
        }
    }
}

/// A section with a name, unique among its kind.
protocol NamedSection { var name: String { get } }
extension VRRPInstance: NamedSection {}
extension SyncGroup: NamedSection {}
extension VRRPScript: NamedSection {}
extension TrackProcess: NamedSection {}
extension TrackFile: NamedSection {}
extension TrackGroup: NamedSection {}
extension BFDInstance: NamedSection {}

extension ModelBuilder {
    func namedBlock<S: NamedSection>(_ n: ConfigNode, _ section: Section<S>, into m: inout KeepalivedConfiguration,
                                     _ list: WritableKeyPath<KeepalivedConfiguration, [S]>,
                                     _ origins: WritableKeyPath<Origins, [Origin]>, kind: String,
                                     recordKeywords: Bool = false, finish: ((inout S, Origin) -> Void)? = nil,
                                     _ make: (String) -> S) {
        guard let nameToken = n.arguments.first else {
            error("\(n.keyword.text) needs a name", at: n.keyword, n, notes: ["keepalived would skip this block"])
            return
        }
        let key = "\(kind) \(nameToken.text)"
        if let previous = sectionNames[key] {
            error("\(kind) \(nameToken.text) is already defined", at: nameToken, n,
                  notes: ["first defined at \(previous)", "keepalived would ignore this second definition"])
            return
        }
        sectionNames[key] = nameToken.location
        var v = make(nameToken.text)
        var origin = Origin(n)
        origin.sequence = topLevelSequence
        let children = self.children(n)
        section.apply(children, to: &v, self)
        if recordKeywords {
            for c in children { origin.record(c) }
        }
        finish?(&v, origin)
        m[keyPath: list].append(v)
        self.origins[keyPath: origins].append(origin)
    }

    /// `virtual_server IP [PORT] | fwmark N | group NAME { ... }`.
    func virtualServer(_ n: ConfigNode, into m: inout KeepalivedConfiguration) {
        guard let first = n.arguments.first else {
            error("virtual_server needs an address and port, 'fwmark N' or 'group NAME'", at: n.keyword, n)
            return
        }
        let address: VirtualServerAddress
        switch first.text {
        case "fwmark":
            guard let t = n.arguments.dropFirst().first else { error("virtual_server fwmark needs a number", at: first, n); return }
            guard let v = integer(t, n, 1...Int64(UInt32.max), what: "virtual_server fwmark") else { return }
            address = .fwmark(UInt32(v))
        case "group":
            guard let t = n.arguments.dropFirst().first else { error("virtual_server group needs a name", at: first, n); return }
            address = .group(t.text)
        default:
            guard let a = self.address(first, n, what: "virtual_server") else { return }
            var port: UInt16 = 0
            if let p = n.arguments.dropFirst().first {
                guard let v = self.port(p, line: n.line, what: "virtual_server port", allowZero: true) else { return }
                port = v
            }
            address = .ip(a, port: port)
        }
        var vs = VirtualServer(address: address)
        var origin = Origin(n)
        origin.sequence = topLevelSequence
        let children = self.children(n)
        IPVSKeywords.virtualServer.apply(children, to: &vs, self)
        for c in children where c.keyword.text != "real_server" { origin.record(c) }
        // Exact capacity: a service's real servers are read once and kept
        // (appending grows the list to the next power of two).
        vs.realServers = exactCopy(vs.realServers)
        m.virtualServers.append(vs)
        origins.virtualServers.append(origin)
    }

    /// The same elements in a buffer of exactly their count.
    func exactCopy<T>(_ a: [T]) -> [T] {
        guard a.capacity > a.count else { return a }
        var out: [T] = []
        out.reserveCapacity(a.count)
        out.append(contentsOf: a)
        return out
    }

    /// `virtual_server_group NAME { entries }`.
    func virtualServerGroup(_ n: ConfigNode, into m: inout KeepalivedConfiguration) {
        guard let nameToken = n.arguments.first else {
            error("virtual_server_group needs a name", at: n.keyword, n)
            return
        }
        let key = "virtual_server_group \(nameToken.text)"
        if let previous = sectionNames[key] {
            error("virtual_server_group \(nameToken.text) is already defined", at: nameToken, n,
                  notes: ["first defined at \(previous)"])
            return
        }
        sectionNames[key] = nameToken.location
        var g = VirtualServerGroup(name: nameToken.text)
        if case .values(let lines) = n.body {
            for l in lines where !l.tokens.isEmpty {
                if let e = groupEntry(l) { g.entries.append(e) }
            }
        }
        m.virtualServerGroups.append(g)
        origins.virtualServerGroups.append(Origin(n))
    }

    /// `IP [PORT]`, `A.B.C.D-E [PORT]`, `IP/LEN [PORT]`, `fwmark N [inet|inet6]`.
    func groupEntry(_ l: LogicalLine) -> VirtualServerGroup.Entry? {
        let t = l.tokens
        guard let first = t.first else { return nil }
        if first.text == "fwmark" {
            guard t.count >= 2, let m = integer(t[1], line: l, what: "virtual_server_group fwmark", 0...Int64(UInt32.max)) else {
                if t.count < 2 { error("virtual_server_group: fwmark needs a number", at: first, line: l) }
                return nil
            }
            var family: AddressFamily?
            if t.count >= 3 {
                guard let f = choice(t[2], line: l, what: "virtual_server_group fwmark family",
                                     [("inet", AddressFamily.inet), ("inet6", .inet6)]) else { return nil }
                family = f
            }
            return .fwmark(UInt32(m), family: family)
        }
        var port: UInt16?
        if t.count >= 2 {
            guard let p = self.port(t[1], line: l, what: "virtual_server_group port", allowZero: true) else { return nil }
            port = p
        }
        let text = first.text
        if text.contains("/") {
            guard let p = addressPrefix(first, line: l, what: "virtual_server_group") else { return nil }
            return .prefix(p, port: port)
        }
        if let dash = text.lastIndex(of: "-") {
            let startText = text[..<dash]
            let endText = text[text.index(after: dash)...]
            guard let start = IPAddress(startText) else {
                error("virtual_server_group: '\(text)' is not a valid address range", at: first, line: l)
                return nil
            }
            let end: IPAddress?
            switch start {
            case .v4(let a):
                if let full = IPAddress(endText) {
                    end = full
                } else if let last = UInt8(endText) {
                    end = .v4(IPv4Address(a.value & 0xFFFF_FF00 | UInt32(last)))
                } else {
                    end = nil
                }
            case .v6(let a):
                if let full = IPAddress(endText) {
                    end = full
                } else if endText.utf8.count <= 4, let last = UInt16(endText, radix: 16) {
                    end = .v6(IPv6Address(high: a.high, low: a.low & ~0xFFFF | UInt64(last)))
                } else {
                    end = nil
                }
            }
            guard let e = end, e.family == start.family, start <= e else {
                error("virtual_server_group: '\(text)' is not a valid address range", at: first, line: l,
                      notes: ["write FIRST-LAST with LAST the last part of the address, not below FIRST"])
                return nil
            }
            return .range(first: start, last: e, port: port)
        }
        guard let a = address(first, line: l, what: "virtual_server_group") else { return nil }
        return .range(first: a, last: a, port: port)
    }

    /// `IF [MII|ETHTOOL|IOCTL]`.
    func linkbeatInterface(_ l: LogicalLine) -> LinkbeatInterface? {
        let t = l.tokens
        guard let first = t.first else { return nil }
        var e = LinkbeatInterface(interface: first.text)
        if t.count >= 2 {
            guard let m = choice(t[1], line: l, what: "linkbeat_interfaces method",
                                 [("MII", LinkbeatInterface.Method.mii), ("ETHTOOL", .ethtool), ("IOCTL", .ioctl)]) else { return nil }
            e.method = m
        }
        return e
    }

    /// `IF DOWN_SECS [UP_SECS]`, each at most 255 s.
    func upDownDelay(_ l: LogicalLine) -> InterfaceUpDownDelay? {
        let t = l.tokens
        guard let first = t.first else { return nil }
        let range = Interval.zero...Interval.seconds(255)
        var down = Interval.zero
        if t.count >= 2 {
            guard let d = timer(t[1], line: l, what: "interface_up_down_delays down delay", range) else { return nil }
            down = d
        }
        var up = down
        if t.count >= 3 {
            guard let u = timer(t[2], line: l, what: "interface_up_down_delays up delay", range) else { return nil }
            up = u
        }
        return InterfaceUpDownDelay(interface: first.text, downDelay: down, upDelay: up)
    }
}
