// The line grammars inside value blocks (reference §2.1): addresses,
// routes, rules, unicast peers, track_* lines. Each reads one line and
// returns its entry, or nil after reporting what is wrong with it.

import ConfigModel

extension ModelBuilder {
    // MARK: Addresses

    /// `IP[/PREFIX] [brd IP|+|-] [dev IF] [scope S] [label L] [peer IP[/P]] [home]
    /// [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track]
    /// [preferred_lft N|forever] [track_group G]`.
    func addressEntry(_ l: LogicalLine, what: String, allowTrackGroup: Bool) -> AddressEntry? {
        let t = l.tokens
        guard let first = t.first else { return nil }
        guard let prefix = addressPrefix(first, line: l, what: what) else { return nil }
        var e = AddressEntry(prefix: prefix)
        var i = 1
        func value(_ k: Token) -> Token? {
            guard i + 1 < t.count else {
                error("\(what): '\(k.text)' needs a value", at: k, line: l)
                return nil
            }
            i += 1
            return t[i]
        }
        var ok = true
        while i < t.count, ok {
            let k = t[i]
            switch k.text {
            case "brd", "broadcast":
                guard let v = value(k) else { return nil }
                switch v.text {
                case "+", "-":
                    guard prefix.address.family == .inet else {
                        error("\(what): IPv6 addresses have no broadcast", at: k, line: l)
                        return nil
                    }
                    guard prefix.length <= 30 else {
                        error("\(what): a /\(prefix.length) has no room for a broadcast address", at: v, line: l)
                        return nil
                    }
                    e.broadcast = v.text == "+" ? .setHostBits : .clearHostBits
                default:
                    guard let a = address(v, line: l, what: "\(what) broadcast") else { return nil }
                    guard a.family == prefix.address.family else {
                        error("\(what): broadcast \(a) is not of the address's family", at: v, line: l)
                        return nil
                    }
                    e.broadcast = .address(a)
                }
            case "dev":
                guard let v = value(k) else { return nil }
                e.dev = v.text
            case "scope":
                guard let v = value(k) else { return nil }
                guard let s = AddressEntry.Scope(name: v.text) else {
                    error("\(what): invalid scope '\(v.text)'", at: v, line: l,
                          notes: ["expected global, site, link, host, nowhere or a number 0...255"])
                    return nil
                }
                e.scope = s
            case "label":
                guard let v = value(k) else { return nil }
                e.label = v.text
            case "peer":
                // keepalived 2.2.7 takes a plain peer address here.
                guard let v = value(k), let pa = address(v, line: l, what: "\(what) peer") else { return nil }
                let p = IPPrefix(address: pa, length: pa.family == .inet ? 32 : 128)
                // The prefix goes on the peer, not on the local address.
                if first.text.contains("/") {
                    error("\(what): with a peer, give the prefix on the peer address, not on \(first.text)", at: first, line: l,
                          notes: ["keepalived would ignore the peer"])
                    return nil
                }
                e.peer = p
            case "home": e.home = true
            case "-nodad": e.nodad = true
            case "mngtmpaddr": e.mngtmpaddr = true
            case "noprefixroute": e.noprefixroute = true
            case "autojoin": e.autojoin = true
            case "no_track": e.noTrack = true
            case "preferred_lft":
                guard let v = value(k) else { return nil }
                if v.text == "forever" {
                    e.preferredLftForever = true
                } else {
                    guard let n = integer(v, line: l, what: "preferred_lft", 0...Int64(UInt32.max) - 1) else { return nil }
                    e.preferredLft = UInt32(n)
                }
            case "track_group" where allowTrackGroup:
                guard let v = value(k) else { return nil }
                e.trackGroup = v.text
            default:
                error("\(what): unknown word '\(k.text)' for an address", at: k, line: l,
                      notes: ["one address per line; keepalived would ignore this word"])
                ok = false
            }
            i += 1
        }
        return ok ? e : nil
    }

    /// `IP` or `IP/LEN`; a bad address or length is reported.
    func addressPrefix(_ t: Token, line: LogicalLine, what: String) -> IPPrefix? {
        let parts = t.text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let a = IPAddress(parts[0]) else {
            error("\(what): '\(t.text)' is not a valid IP address", at: t, line: line)
            return nil
        }
        let maxLen: Int64 = a.family == .inet ? 32 : 128
        guard parts.count == 2 else { return IPPrefix(address: a, length: UInt8(maxLen)) }
        let lenToken = Token(String(parts[1]), at: t.location, quoted: t.quoted)
        guard let len = integer(lenToken, line: line, what: "\(what) prefix length of \(parts[0])", 0...maxLen) else {
            return nil
        }
        return IPPrefix(address: a, length: UInt8(len))
    }

    // MARK: Routes

    static let routeTypes: Set<String> = ["unicast", "local", "broadcast", "brd", "anycast", "multicast", "prohibit",
                                          "unreachable", "blackhole", "throw", "nat", "xresolve"]
    static let routeMetrics: Set<String> = ["mtu", "advmss", "rtt", "rttvar", "reordering", "window", "cwnd", "ssthresh",
                                            "rto_min", "initcwnd", "initrwnd", "hoplimit", "features", "congctl",
                                            "quickack", "fastopen_no_cookie"]

    /// An `ip route`-like line.
    func routeEntry(_ l: LogicalLine, what: String, isStatic: Bool) -> RouteEntry? {
        let t = l.tokens
        var i = 0
        var r = RouteEntry(destination: IPPrefix(address: .v4(IPv4Address(0)), length: 0))
        var haveDestination = false
        var family: AddressFamily?
        var familyToken: Token?

        func value(_ k: Token) -> Token? {
            guard i + 1 < t.count else {
                error("\(what): '\(k.text)' needs a value", at: k, line: l)
                return nil
            }
            i += 1
            return t[i]
        }
        func note(_ a: IPAddress, _ tok: Token) -> Bool {
            if let f = family, f != a.family {
                error("\(what): cannot mix IPv4 and IPv6 addresses in one route", at: tok, line: l)
                return false
            }
            family = a.family
            familyToken = familyToken ?? tok
            return true
        }
        func gateway(_ k: Token) -> IPAddress? {
            guard var v = value(k) else { return nil }
            if v.text == "inet" || v.text == "inet6" {
                guard let w = value(v) else { return nil }
                v = w
            }
            guard let a = address(v, line: l, what: "\(what) gateway"), note(a, v) else { return nil }
            return a
        }

        while i < t.count {
            let k = t[i]
            switch k.text {
            case "src":
                guard let v = value(k), let a = address(v, line: l, what: "\(what) src"), note(a, v) else { return nil }
                r.source = a
            case "to":
                guard let v = value(k), let p = routeDestination(v, line: l, what: what, family: family) else { return nil }
                guard note(p.address, v) else { return nil }
                r.destination = p
                haveDestination = true
            case "via", "gw":
                if k.text == "gw" { warning("\(what): 'gw' is deprecated, use 'via'", at: k, line: l) }
                guard let a = gateway(k) else { return nil }
                r.via = a
            case "or":
                warning("\(what): 'or' for routes is deprecated, use 'nexthop'", at: k, line: l)
                guard let a = gateway(k) else { return nil }
                r.orVia = a
            case "dev", "oif":
                guard let v = value(k) else { return nil }
                r.dev = v.text
            case "table":
                guard let v = value(k), let tab = routingTable(v, line: l, what: what) else { return nil }
                r.table = tab
            case "metric", "priority", "preference":
                guard let v = value(k), let n = integer(v, line: l, what: "\(what) metric", 0...Int64(UInt32.max)) else { return nil }
                r.metric = UInt32(n)
            case "protocol":
                guard let v = value(k) else { return nil }
                r.protocol = v.text
            case "scope":
                guard let v = value(k) else { return nil }
                guard ["global", "universe", "site", "link", "host", "nowhere"].contains(v.text) || UInt8(v.text) != nil else {
                    error("\(what): invalid scope '\(v.text)'", at: v, line: l)
                    return nil
                }
                r.scope = v.text
            case "tos", "dsfield":
                guard let v = value(k), let n = integer(v, line: l, what: "\(what) tos", 0...255) else { return nil }
                r.tos = Int(n)
            case "realms":
                guard let v = value(k) else { return nil }
                r.realms = v.text
            case "onlink":
                r.onlink = true
            case "nexthop":
                guard let nh = nexthop(t, &i, l, what: what, note: note) else { return nil }
                r.nexthops.append(nh)
            case "encap":
                // encap TYPE followed by its own words, up to the next route keyword.
                guard let v = value(k) else { return nil }
                r.encap = [v.text]
                while i + 1 < t.count, !Self.isRouteKeyword(t[i + 1].text) {
                    i += 1
                    r.encap.append(t[i].text)
                }
            case "expires":
                guard let v = value(k), let n = integer(v, line: l, what: "\(what) expires", 0...Int64(Int32.max)) else { return nil }
                r.expires = Int(n)
            case "pref":
                guard let v = value(k) else { return nil }
                guard ["low", "medium", "high"].contains(v.text) else {
                    error("\(what): pref must be low, medium or high, got '\(v.text)'", at: v, line: l)
                    return nil
                }
                r.pref = v.text
            case "ttl-propagate":
                guard let v = value(k) else { return nil }
                switch v.text {
                case "enabled": r.ttlPropagate = true
                case "disabled": r.ttlPropagate = false
                default:
                    error("\(what): ttl-propagate must be enabled or disabled, got '\(v.text)'", at: v, line: l)
                    return nil
                }
            case "vrf":
                guard let v = value(k) else { return nil }
                r.vrf = v.text
            case "inet":
                family = family ?? .inet
            case "inet6":
                family = family ?? .inet6
            case "add", "append", "prepend":
                r.mode = k.text
            case "no_track":
                r.noTrack = true
            case "track_group":
                guard let v = value(k) else { return nil }
                r.trackGroup = v.text
            case "default" where !haveDestination:
                let any: IPAddress = family == .inet6 ? .v6(IPv6Address(high: 0, low: 0)) : .v4(IPv4Address(0))
                r.destination = IPPrefix(address: any, length: 0)
                haveDestination = true
            case let w where Self.routeMetrics.contains(w):
                guard var v = value(k) else { return nil }
                var lock = false
                if v.text == "lock" {
                    lock = true
                    guard let w2 = value(v) else { return nil }
                    v = w2
                }
                if w != "congctl" && w != "features" {
                    guard integer(v, line: l, what: "\(what) \(w)", 0...Int64(UInt32.max)) != nil else { return nil }
                }
                r.metrics.append(RouteMetric(name: w, value: v.text, lock: lock))
            case let w where Self.routeTypes.contains(w) && !haveDestination && r.type == nil:
                r.type = w == "brd" ? "broadcast" : w
            default:
                if !haveDestination, IPAddress(k.text.split(separator: "/").first ?? "") != nil {
                    guard let p = routeDestination(k, line: l, what: what, family: family), note(p.address, k) else { return nil }
                    r.destination = p
                    haveDestination = true
                } else {
                    error("\(what): unknown route keyword '\(k.text)'", at: k, line: l,
                          notes: Self.nearest(k.text, in: Array(Self.allRouteKeywords)).map { ["did you mean '\($0)'?"] } ?? [])
                    return nil
                }
            }
            i += 1
        }
        guard haveDestination else {
            error("\(what): a route needs a destination", at: t.first ?? Token("", at: l.location), line: l)
            return nil
        }
        if r.pref != nil, r.destination.address.family != .inet6 {
            error("\(what): pref is only valid for IPv6 routes", at: t[0], line: l)
            return nil
        }
        if let p = r.protocol, !r.noTrack, p != "keepalived", p != "18" {
            warning("\(what): a route with protocol \(p) cannot be tracked; keepalived would use protocol keepalived",
                    at: t[0], line: l, notes: ["add 'no_track' to keep protocol \(p)"])
        }
        if r.dev == nil, !r.noTrack {
            warning("\(what): route \(r.destination) has no interface ('dev'), so it cannot be tracked", at: t[0], line: l,
                    notes: ["add 'dev IF', or 'no_track' to say it need not be tracked"])
        }
        return r
    }

    static let allRouteKeywords: Set<String> = routeMetrics.union(routeTypes).union([
        "src", "to", "via", "gw", "or", "dev", "oif", "table", "metric", "priority", "preference", "protocol", "scope",
        "tos", "dsfield", "realms", "onlink", "nexthop", "encap", "expires", "pref", "ttl-propagate", "vrf", "inet",
        "inet6", "add", "append", "prepend", "no_track", "track_group", "default",
    ])

    static func isRouteKeyword(_ w: String) -> Bool { allRouteKeywords.contains(w) }

    func routeDestination(_ t: Token, line: LogicalLine, what: String, family: AddressFamily?) -> IPPrefix? {
        if t.text == "default" {
            let any: IPAddress = family == .inet6 ? .v6(IPv6Address(high: 0, low: 0)) : .v4(IPv4Address(0))
            return IPPrefix(address: any, length: 0)
        }
        return addressPrefix(t, line: line, what: what)
    }

    /// `nexthop via IP dev IF weight N onlink`, up to the next `nexthop` or route keyword.
    func nexthop(_ t: [Token], _ i: inout Int, _ l: LogicalLine, what: String,
                 note: (IPAddress, Token) -> Bool) -> RouteEntry.Nexthop? {
        var nh = RouteEntry.Nexthop()
        while i + 1 < t.count {
            let k = t[i + 1]
            switch k.text {
            case "via", "gw":
                guard i + 2 < t.count else { error("\(what): 'via' needs an address", at: k, line: l); return nil }
                var v = t[i + 2]
                i += 2
                if v.text == "inet" || v.text == "inet6", i + 1 < t.count { i += 1; v = t[i] }
                guard let a = address(v, line: l, what: "\(what) nexthop"), note(a, v) else { return nil }
                nh.via = a
            case "dev":
                guard i + 2 < t.count else { error("\(what): 'dev' needs an interface", at: k, line: l); return nil }
                nh.dev = t[i + 2].text
                i += 2
            case "weight":
                guard i + 2 < t.count else { error("\(what): 'weight' needs a number", at: k, line: l); return nil }
                guard let w = integer(t[i + 2], line: l, what: "\(what) nexthop weight", 1...256) else { return nil }
                nh.weight = Int(w)
                i += 2
            case "onlink":
                nh.onlink = true
                i += 1
            default:
                return nh
            }
        }
        return nh
    }

    /// A routing table: a number, or a name keepalived would find in rt_tables.
    func routingTable(_ t: Token, line: LogicalLine, what: String) -> String? {
        if let n = UInt32(t.text) { return String(n) }
        if ["main", "local", "default", "unspec"].contains(t.text) { return t.text }
        if let names = routingTableNames(), !names.contains(t.text) {
            error("\(what): routing table '\(t.text)' is not defined in /etc/iproute2/rt_tables", at: t, line: line)
            return nil
        }
        return t.text
    }

    // MARK: Rules

    /// An `ip rule`-like line.
    func ruleEntry(_ l: LogicalLine, what: String, isStatic: Bool) -> RuleEntry? {
        let t = l.tokens
        var r = RuleEntry()
        var i = 0
        var actions = 0
        var family: AddressFamily?
        func value(_ k: Token) -> Token? {
            guard i + 1 < t.count else {
                error("\(what): '\(k.text)' needs a value", at: k, line: l)
                return nil
            }
            i += 1
            return t[i]
        }
        func prefix(_ v: Token, _ dir: String) -> IPPrefix?? {
            if v.text == "all" { return .some(nil) }
            guard let p = addressPrefix(v, line: l, what: "\(what) \(dir)") else { return nil }
            if let f = family, f != p.address.family {
                error("\(what): a rule cannot mix IPv4 and IPv6", at: v, line: l)
                return nil
            }
            family = p.address.family
            return .some(p)
        }
        func portRange(_ v: Token, _ name: String) -> String? {
            let parts = v.text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = UInt16(parts[0]), let b = UInt16(parts[1]), a <= b else {
                error("\(what): invalid \(name) range '\(v.text)'", at: v, line: l, notes: ["expected FROM-TO"])
                return nil
            }
            return v.text
        }
        while i < t.count {
            let k = t[i]
            switch k.text {
            case "inet": r.family = .inet
            case "inet6": r.family = .inet6
            case "not": r.not = true
            case "from":
                guard let v = value(k), let p = prefix(v, "from") else { return nil }
                r.from = p
            case "to":
                guard let v = value(k), let p = prefix(v, "to") else { return nil }
                r.to = p
            case "table", "lookup":
                guard let v = value(k), let tab = routingTable(v, line: l, what: what) else { return nil }
                r.table = tab
                actions += 1
            case "preference", "order", "priority", "pref", "prio":
                guard let v = value(k), let n = integer(v, line: l, what: "\(what) preference", 0...Int64(UInt32.max)) else {
                    return nil
                }
                r.preference = UInt32(n)
            case "tos", "dsfield":
                guard let v = value(k), let n = integer(v, line: l, what: "\(what) tos", 0...255) else { return nil }
                r.tos = Int(n)
            case "fwmark":
                guard let v = value(k) else { return nil }
                let parts = v.text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
                guard let mark = Self.cNumber(parts[0]), parts.count == 1 || Self.cNumber(parts[1]) != nil else {
                    error("\(what): invalid fwmark '\(v.text)'", at: v, line: l)
                    return nil
                }
                r.fwmark = mark
                if parts.count == 2 { r.fwmask = Self.cNumber(parts[1]) }
            case "realms":
                guard let v = value(k) else { return nil }
                r.realms = v.text
            case "suppress_prefixlength", "sup_pl":
                guard let v = value(k), let n = integer(v, line: l, what: "\(what) suppress_prefixlength", 0...128) else {
                    return nil
                }
                r.suppressPrefixlength = Int(n)
            case "suppress_ifgroup", "sup_group":
                guard let v = value(k) else { return nil }
                r.suppressIfgroup = v.text
            case "iif", "dev":
                guard let v = value(k) else { return nil }
                r.iif = v.text
            case "oif":
                guard let v = value(k) else { return nil }
                r.oif = v.text
            case "tunnel-id":
                guard let v = value(k), let n = UInt64(v.text) else {
                    if i < t.count { error("\(what): invalid tunnel-id '\(t[i].text)'", at: t[i], line: l) }
                    return nil
                }
                r.tunnelId = n
            case "uidrange":
                guard let v = value(k), let u = portLikeRange(v, line: l, what: "\(what) uidrange") else { return nil }
                r.uidrange = u
            case "protocol":
                guard let v = value(k) else { return nil }
                r.protocol = v.text
            case "ipproto":
                guard let v = value(k) else { return nil }
                guard ["tcp", "udp", "sctp", "icmp", "ipv6-icmp", "icmpv6"].contains(v.text) || UInt8(v.text) != nil else {
                    error("\(what): unknown ipproto '\(v.text)'", at: v, line: l)
                    return nil
                }
                r.ipproto = v.text
            case "sport":
                guard let v = value(k), let p = portRange(v, "sport") else { return nil }
                r.sport = p
            case "dport":
                guard let v = value(k), let p = portRange(v, "dport") else { return nil }
                r.dport = p
            case "l3mdev":
                r.l3mdev = true
                actions += 1
            case "goto":
                guard let v = value(k), let n = integer(v, line: l, what: "\(what) goto", 0...Int64(UInt32.max)) else { return nil }
                r.goto = UInt32(n)
                actions += 1
            case "nop":
                r.nop = true
                actions += 1
            case "type":
                guard let v = value(k) else { return nil }
                guard ["blackhole", "prohibit", "unreachable"].contains(v.text) else {
                    error("\(what): unknown rule type '\(v.text)'", at: v, line: l)
                    return nil
                }
                r.type = v.text
                actions += 1
            case "blackhole", "prohibit", "unreachable":
                r.type = k.text
                actions += 1
            case "no_track":
                r.noTrack = true
            case "track_group":
                guard let v = value(k) else { return nil }
                r.trackGroup = v.text
            default:
                error("\(what): unknown rule option '\(k.text)'", at: k, line: l)
                return nil
            }
            i += 1
        }
        guard let first = t.first else { return nil }
        if actions == 0 {
            error("\(what): the rule has no action (table, goto, nop, l3mdev or a type)", at: first, line: l)
            return nil
        }
        if actions > 1 {
            error("\(what): a rule takes only one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev", at: first, line: l)
            return nil
        }
        if r.preference == nil {
            r.preference = nextRulePreference
            warning("\(what): rule has no preference, keepalived numbers it \(nextRulePreference)", at: first, line: l,
                    notes: ["rules without a preference are given 16384, 16383, ... in order: set one"])
            nextRulePreference -= 1
        }
        return r
    }

    func portLikeRange(_ v: Token, line: LogicalLine, what: String) -> String? {
        let parts = v.text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = UInt32(parts[0]), let b = UInt32(parts[1]), a <= b else {
            error("\(what): invalid range '\(v.text)'", at: v, line: line, notes: ["expected FROM-TO"])
            return nil
        }
        return v.text
    }

    /// A C-style unsigned number (decimal, 0x hex, 0 octal), as strtoul reads it.
    static func cNumber(_ s: Substring) -> UInt32? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt32(s.dropFirst(2), radix: 16) }
        if s.count > 1, s.hasPrefix("0") { return UInt32(s.dropFirst(), radix: 8) }
        return UInt32(s)
    }

    // MARK: Peers and tracking

    /// `IP [min_ttl N] [max_ttl N]`.
    func unicastPeer(_ l: LogicalLine) -> UnicastPeer? {
        let t = l.tokens
        guard let first = t.first, let a = address(first, line: l, what: "unicast_peer") else { return nil }
        var p = UnicastPeer(address: a)
        var i = 1
        while i < t.count {
            let k = t[i]
            guard k.text == "min_ttl" || k.text == "max_ttl" else {
                error("unicast_peer: unknown word '\(k.text)'", at: k, line: l, notes: ["one peer per line: IP [min_ttl N] [max_ttl N]"])
                return nil
            }
            guard i + 1 < t.count else { error("unicast_peer: \(k.text) needs a value", at: k, line: l); return nil }
            guard let v = integer(t[i + 1], line: l, what: "unicast_peer \(k.text)", 0...255) else { return nil }
            if k.text == "min_ttl" { p.minTtl = UInt8(v) } else { p.maxTtl = UInt8(v) }
            i += 2
        }
        if let lo = p.minTtl, let hi = p.maxTtl, lo > hi {
            error("unicast_peer: min_ttl \(lo) is above max_ttl \(hi)", at: first, line: l)
            return nil
        }
        return p
    }

    /// `NAME [weight W [reverse|noreverse]]`.
    func trackReference(_ l: LogicalLine, what: String, weights: ClosedRange<Int64>, noreverse: Bool = true) -> TrackReference? {
        let t = l.tokens
        guard let first = t.first else { return nil }
        var r = TrackReference(name: first.text)
        var i = 1
        while i < t.count {
            let k = t[i]
            switch k.text {
            case "weight":
                guard i + 1 < t.count else {
                    error("\(what): weight needs a value", at: k, line: l)
                    return nil
                }
                guard let w = integer(t[i + 1], line: l, what: "\(what) \(first.text) weight", weights) else { return nil }
                r.weight = Int(w)
                i += 1
            case "reverse":
                r.reverse = true
            case "noreverse" where noreverse:
                r.reverse = false
            default:
                error("\(what): unknown word '\(k.text)' after \(first.text)", at: k, line: l,
                      notes: ["expected: NAME [weight W [reverse\(noreverse ? "|noreverse" : "")]]"])
                return nil
            }
            i += 1
        }
        return r
    }
}
