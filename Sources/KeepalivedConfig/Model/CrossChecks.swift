// Checks that need the whole configuration: references between sections,
// duplicates, and the combinations keepalived 2.2.7 objects to (or repairs)
// after reading everything. Each check reports at the line that caused it.
// Where keepalived repairs a problem and carries on, we report an error and
// say what keepalived would have done: `kaconf compile` does not guess.

import ConfigModel

struct CrossChecks {
    let b: ModelBuilder
    let c: KeepalivedConfiguration
    let o: Origins

    init(_ b: ModelBuilder) {
        self.b = b
        self.c = b.config
        self.o = b.origins
    }

    func run() {
        checkInstances()
        checkSyncGroups()
        checkTracking()
        checkVirtualServers()
        checkGlobal()
    }

    // MARK: Reporting helpers

    func error(_ m: String, _ at: Spot, notes: [String] = []) { b.error(m, at: at, notes: notes) }
    func warning(_ m: String, _ at: Spot, notes: [String] = []) { b.warning(m, at: at, notes: notes) }

    // MARK: vrrp_instance

    func checkInstances() {
        let g = c.global
        // (interface, family, VRID) -> instance name: keepalived refuses two
        // multicast instances sharing all three.
        var vrids: [String: String] = [:]
        for (i, vi) in c.vrrpInstances.enumerated() {
            let org = o.vrrpInstances[i]
            let name = "(\(vi.name))"
            let here = org.here
            if vi.virtualRouterId == nil {
                error("\(name) virtual_router_id is not set", here, notes: ["keepalived would drop this instance"])
            }
            if vi.interface == nil && vi.unicastPeer.isEmpty {
                error("\(name) has no interface", here, notes: ["set 'interface IF' (only unicast instances may omit it)"])
            }
            let strict = vi.effectiveStrictMode(g)
            if vi.virtualIpaddress.isEmpty {
                if strict || !vi.unicastPeer.isEmpty {
                    error("\(name) has no virtual_ipaddress: at least one is required", here)
                } else {
                    warning("\(name) has no virtual_ipaddress; at least one is sensible", here)
                }
            }
            // The instance's family is set by its addresses; peers and the
            // source address must agree.
            let family = vi.family
            for p in vi.unicastPeer where p.address.family != family {
                error("\(name) unicast_peer \(p.address) is not of the instance's address family", org.spot("unicast_peer"))
            }
            if let s = vi.sourceIp, s.family != family {
                let kw = vi.unicastSrcIp != nil ? "unicast_src_ip" : "mcast_src_ip"
                error("\(name) \(kw) \(s) is not of the instance's address family", org.spot(kw))
            }
            if let d = vi.mcastDstIp, d.family != family {
                error("\(name) mcast_dst_ip \(d) is not of the instance's address family", org.spot("mcast_dst_ip"))
            }
            // Advert interval per version (reference §4.1).
            let version = vi.effectiveVersion(g)
            if version == 2 && family == .inet6 && vi.version == 2 {
                if strict {
                    error("\(name) cannot use IPv6 with VRRP version 2", org.spot("version"), notes: ["keepalived would use version 3"])
                }
            }
            if version == 2 || (family == .inet && vi.version == nil && g.vrrpVersion == 2) {
                if vi.advertInt.microseconds % 1_000_000 != 0 {
                    error("\(name) VRRPv2 advert_int must be whole seconds, got \(vi.advertInt)", org.spot("advert_int"),
                          notes: ["keepalived would round it"])
                }
            } else {
                if vi.advertInt > Interval(microseconds: 40_950_000) {
                    error("\(name) VRRPv3 advert_int must be below 40.96 seconds, got \(vi.advertInt)", org.spot("advert_int"),
                          notes: ["keepalived would use 40.95"])
                } else if vi.advertInt.microseconds % 10_000 != 0 {
                    error("\(name) VRRPv3 advert_int must be in units of 10 ms, got \(vi.advertInt)", org.spot("advert_int"),
                          notes: ["keepalived would round it"])
                }
            }
            // Authentication (VRRPv2 only, not in strict mode).
            if let auth = vi.authentication {
                if auth.authType == nil || auth.authPass == nil {
                    if auth.authType != nil {
                        error("\(name) authentication has no auth_pass", org.spot("authentication"),
                              notes: ["keepalived would ignore the authentication block"])
                    }
                } else if version == 3 {
                    error("\(name) VRRP version 3 does not support authentication", org.spot("authentication"),
                          notes: ["keepalived would ignore the authentication block"])
                } else if strict {
                    error("\(name) strict mode does not support authentication", org.spot("authentication"),
                          notes: ["keepalived would ignore the authentication block"])
                } else if auth.authType == .ah && vi.state == .master && !vi.isAddressOwner {
                    error("\(name) state MASTER cannot be used with AH authentication", org.spot("state"),
                          notes: ["keepalived would start the instance as BACKUP"])
                }
            }
            if strict {
                if vi.accept == true && version == 2 {
                    error("\(name) accept mode does not comply with RFC 3768 (VRRPv2) in strict mode", org.spot("accept"),
                          notes: ["keepalived would turn accept off"])
                }
                if vi.downTimerAdverts != nil && vi.downTimerAdverts != 3 {
                    error("\(name) down_timer_adverts cannot be changed in strict mode", org.spot("down_timer_adverts"),
                          notes: ["keepalived would use 3"])
                }
            }
            if vi.unicastPeer.isEmpty {
                if let kw = ["unicast_src_ip", "check_unicast_src", "old_unicast_checksum"].first(where: { org.keywords[$0] != nil }) {
                    warning("\(name) \(kw) without unicast_peer: the instance uses multicast (a deprecated usage)", org.spot(kw))
                }
                if org.keywords["unicast_ttl"] != nil {
                    warning("\(name) unicast_ttl has no effect without unicast_peer", org.spot("unicast_ttl"))
                }
            }
            if vi.vmacXmitBase && vi.useVmac == nil {
                warning("\(name) vmac_xmit_base is only valid with use_vmac", org.spot("vmac_xmit_base"))
            }
            if vi.nativeIpv6 && vi.virtualIpaddress.contains(where: { $0.prefix.address.family == .inet }) {
                error("\(name) native_ipv6 cannot be used with IPv4 addresses", org.spot("native_ipv6"))
            }
            if vi.vrf != nil && vi.interface != nil {
                error("\(name) vrf cannot be used together with interface", org.spot("vrf"),
                      notes: ["keepalived would ignore the vrf"])
            }
            // Settings keepalived clears, with its warnings.
            if vi.nopreempt && (vi.state == .master || vi.isAddressOwner) {
                warning("\(name) nopreempt has no effect with \(vi.isAddressOwner ? "priority 255" : "state MASTER")",
                        org.spot("nopreempt"))
            }
            if vi.preemptDelay > .zero {
                if vi.state == .master {
                    warning("\(name) preempt_delay has no effect with state MASTER", org.spot("preempt_delay"))
                } else if vi.nopreempt {
                    warning("\(name) preempt_delay has no effect with nopreempt", org.spot("preempt_delay"))
                }
            }
            // One VRID per interface and family among multicast instances.
            if let vrid = vi.virtualRouterId, let ifname = vi.interface, vi.unicastPeer.isEmpty {
                let key = "\(ifname) \(family.rawValue) \(vrid)"
                if let other = vrids[key] {
                    error("\(other) and \(vi.name) both use VRID \(vrid) with \(family == .inet ? "IPv4" : "IPv6") on interface \(ifname)",
                          org.spot("virtual_router_id"), notes: ["VRIDs must be unique per interface and address family"])
                } else {
                    vrids[key] = vi.name
                }
            }
        }
    }

    // MARK: vrrp_sync_group

    func checkSyncGroups() {
        var instances: [String: Int] = [:]
        for (i, vi) in c.vrrpInstances.enumerated() { instances[vi.name] = i }
        var memberOf: [String: String] = [:]
        for (i, sg) in c.vrrpSyncGroups.enumerated() {
            let here = o.vrrpSyncGroups[i].here
            var found = 0
            for member in sg.group {
                guard instances[member] != nil else {
                    error("vrrp_sync_group \(sg.name): virtual router \(member) does not exist", here,
                          notes: ["keepalived would ignore this member"])
                    continue
                }
                if let other = memberOf[member] {
                    error("vrrp_sync_group \(sg.name): \(member) is already in sync group \(other)", here,
                          notes: ["an instance can be in one sync group only"])
                    continue
                }
                memberOf[member] = sg.name
                found += 1
            }
            if found == 0 {
                error("vrrp_sync_group \(sg.name) has no existing virtual routers", here, notes: ["keepalived would remove it"])
            } else if found == 1 {
                warning("vrrp_sync_group \(sg.name) has only 1 virtual router; this probably isn't what you want", here)
            }
        }
    }

    // MARK: track_* references

    func checkTracking() {
        // Name -> the top-level block defining it (usable ones only).
        func defined<T>(_ items: [T], _ origins: [Origin], _ name: KeyPath<T, String>, _ usable: (T) -> Bool) -> [String: Int] {
            var out: [String: Int] = [:]
            for (i, item) in items.enumerated() where usable(item) { out[item[keyPath: name]] = out[item[keyPath: name]] ?? origins[i].sequence }
            return out
        }
        let scripts = defined(c.vrrpScripts, o.vrrpScripts, \.name) { $0.script != nil }
        let files = defined(c.trackFiles, o.trackFiles, \.name) { $0.file != nil }
        let processes = defined(c.vrrpTrackProcesses, o.trackProcesses, \.name) { $0.process != nil }
        let bfds = defined(c.bfdInstances, o.bfdInstances, \.name) { $0.neighborIp != nil }
        for (i, s) in c.vrrpScripts.enumerated() where s.script == nil {
            error("vrrp_script \(s.name) has no script", o.vrrpScripts[i].here,
                  notes: ["keepalived would remove it"])
        }
        for (i, p) in c.vrrpTrackProcesses.enumerated() where p.process == nil {
            error("vrrp_track_process \(p.name) has no process", o.trackProcesses[i].here,
                  notes: ["keepalived would remove it"])
        }
        for (i, f) in c.trackFiles.enumerated() where f.file == nil {
            error("track_file \(f.name) has no file", o.trackFiles[i].here, notes: ["keepalived would remove it"])
        }
        var neighbours: [String: String] = [:]
        for (i, bfd) in c.bfdInstances.enumerated() {
            guard let n = bfd.neighborIp else {
                error("bfd_instance \(bfd.name) has no neighbor_ip", o.bfdInstances[i].here,
                      notes: ["keepalived would remove it"])
                continue
            }
            let key = "\(n) \(bfd.sourceIp.map { $0.description } ?? "")"
            if let other = neighbours[key] {
                error("bfd_instance \(bfd.name) has the same neighbor_ip \(n) as \(other)", o.bfdInstances[i].spot("neighbor_ip"),
                      notes: ["keepalived would ignore this instance"])
            } else {
                neighbours[key] = bfd.name
            }
        }
        func refs(_ owner: String, _ at: Spot, _ sequence: Int, _ list: [TrackReference],
                  _ known: [String: Int], _ kind: String, _ definer: String) {
            for r in list {
                guard let def = known[r.name] else {
                    error("\(owner) track \(kind) \(r.name) is not defined", at, notes: ["keepalived would ignore this tracker"])
                    continue
                }
                if def >= sequence {
                    error("\(owner) track \(kind) \(r.name) is used before its \(definer) block", at,
                          notes: ["keepalived resolves it while reading, so it would ignore this tracker: move the \(definer) block up"])
                }
            }
        }
        for (i, vi) in c.vrrpInstances.enumerated() {
            let org = o.vrrpInstances[i]
            let owner = "(\(vi.name))"
            refs(owner, org.spot("track_script"), org.sequence, vi.trackScript, scripts, "script", "vrrp_script")
            refs(owner, org.here, org.sequence, vi.trackFile, files, "file", "track_file")
            refs(owner, org.spot("track_process"), org.sequence, vi.trackProcess, processes, "process", "vrrp_track_process")
            refs(owner, org.spot("track_bfd"), org.sequence, vi.trackBfd, bfds, "bfd", "bfd_instance")
        }
        for (i, sg) in c.vrrpSyncGroups.enumerated() {
            let org = o.vrrpSyncGroups[i]
            let here = org.here
            let owner = "vrrp_sync_group \(sg.name)"
            refs(owner, here, org.sequence, sg.trackScript, scripts, "script", "vrrp_script")
            refs(owner, here, org.sequence, sg.trackFile, files, "file", "track_file")
            refs(owner, here, org.sequence, sg.trackProcess, processes, "process", "vrrp_track_process")
            refs(owner, here, org.sequence, sg.trackBfd, bfds, "bfd", "bfd_instance")
        }
        let instances = Set(c.vrrpInstances.map(\.name))
        for (i, tg) in c.trackGroups.enumerated() {
            for member in tg.group where !instances.contains(member) {
                error("track_group \(tg.name): vrrp_instance \(member) does not exist", o.trackGroups[i].here)
            }
        }
        let trackGroups = Set(c.trackGroups.map(\.name))
        var seen = Set<String>()
        for g in c.staticIpaddress.compactMap(\.trackGroup) + c.staticRoutes.compactMap(\.trackGroup)
            + c.staticRules.compactMap(\.trackGroup) where !trackGroups.contains(g) && seen.insert(g).inserted {
            b.diagnostics.report(Diagnostic(.error, "track_group \(g) is used by a static address, route or rule but not defined"))
        }
    }

    // MARK: virtual_server

    func checkVirtualServers() {
        let groups = Dictionary(c.virtualServerGroups.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var files: [String: Int] = [:]
        for (i, f) in c.trackFiles.enumerated() where f.file != nil { files[f.name] = files[f.name] ?? o.trackFiles[i].sequence }
        var bfds: [String: Int] = [:]
        for (i, b) in c.bfdInstances.enumerated() where b.neighborIp != nil { bfds[b.name] = bfds[b.name] ?? o.bfdInstances[i].sequence }
        for (i, g) in c.virtualServerGroups.enumerated() where g.entries.isEmpty {
            error("virtual_server_group \(g.name) has no entries", o.virtualServerGroups[i].here,
                  notes: ["keepalived would remove it"])
        }
        var services: [VirtualServerAddress: Int] = [:]
        services.reserveCapacity(c.virtualServers.count)
        var rsIndex = 0
        var ckIndex = 0
        for v in c.virtualServers.indices {
            let vs = c.virtualServers[v]
            let org = o.virtualServers[v]
            let here = org.here
            let name = "virtual_server \(vs.address)"
            if let first = services[vs.address] {
                error("\(name) is defined twice", here, notes: ["first defined at \(o.virtualServers[first].here.location)"])
            } else {
                services[vs.address] = v
            }
            // The service's address family.
            var family: AddressFamily?
            switch vs.address {
            case .ip(let a, _): family = a.family
            case .group(let g):
                if let grp = groups[g] {
                    for e in grp.entries {
                        switch e {
                        case .range(let a, _, _): family = family ?? a.family
                        case .prefix(let p, _): family = family ?? p.address.family
                        case .fwmark(_, let f): family = family ?? f
                        }
                    }
                } else {
                    error("\(name): virtual_server_group \(g) is not defined", here)
                }
            case .fwmark: family = vs.ipFamily
            }
            if let f = vs.ipFamily, let sf = family, f != sf {
                error("\(name): ip_family \(f.rawValue) conflicts with the service's addresses", org.spot("ip_family"))
            }
            // What keepalived fills in with an error when missing.
            switch vs.address {
            case .fwmark:
                if vs.protocol != nil {
                    warning("\(name): protocol has no meaning for a fwmark service and is ignored", org.spot("protocol"))
                }
            case .ip, .group:
                if vs.protocol == nil {
                    error("\(name) has no protocol", here, notes: ["keepalived would use UDP"])
                }
            }
            if vs.lbAlgo == nil {
                error("\(name) has no lb_algo", here, notes: ["keepalived would use wlc"])
            }
            if vs.lbKind == nil && (vs.realServers.isEmpty || vs.realServers.contains { $0.lvsMethod == nil }) {
                error("\(name) has no lb_kind", here, notes: ["keepalived would use NAT"])
            }
            if case .ip(_, 0) = vs.address, vs.persistenceTimeout == nil, vs.persistenceGranularity == nil {
                error("\(name): port 0 is only valid for persistent services", here,
                      notes: ["keepalived would set persistence_timeout 360"])
            }
            let algo = vs.lbAlgo
            if vs.hashed && algo != .sh && algo != .mh {
                error("\(name): hashed applies only to the sh and mh schedulers", org.spot("hashed"))
            }
            for (flag, on, want) in [("sh-port", vs.shPort, Scheduler.sh), ("sh-fallback", vs.shFallback, .sh),
                                     ("mh-port", vs.mhPort, .mh), ("mh-fallback", vs.mhFallback, .mh)] where on && algo != want {
                error("\(name): \(flag) applies only to the \(want.rawValue) scheduler", org.spot(flag))
            }
            if vs.ops && vs.protocol != .udp {
                error("\(name): one-packet scheduling (ops) requires UDP", org.spot("ops"), notes: ["keepalived would turn it off"])
            }
            if let g = vs.persistenceGranularity, family == .inet6, IPAddress(g) != nil {
                error("\(name): persistence_granularity of an IPv6 service is a prefix length, not a netmask",
                      org.spot("persistence_granularity"))
            }
            if let s = vs.sorryServer, let f = family, s.address.family != f {
                error("\(name): sorry_server \(s.address) is not of the service's address family", org.spot("sorry_server"))
            }
            checkRealServers(v, vs, name: name, family: family, files: files, bfds: bfds, rsIndex: &rsIndex, ckIndex: &ckIndex)
        }
    }

    struct RealServerKey: Hashable {
        var address: IPAddress
        var port: UInt16
    }

    func checkRealServers(_ v: Int, _ vs: VirtualServer, name: String, family: AddressFamily?,
                          files: [String: Int], bfds: [String: Int], rsIndex: inout Int, ckIndex: inout Int) {
        let org = o.virtualServers[v]
        if vs.realServers.isEmpty {
            error("\(name) has no real servers", org.here, notes: ["keepalived would ignore this service"])
            return
        }
        var seen = Set<RealServerKey>()
        seen.reserveCapacity(vs.realServers.count)
        var totalWeight: Int64 = 0
        for rs in vs.realServers {
            let here = o.realServers[rsIndex]
            rsIndex += 1
            let firstChecker = ckIndex
            ckIndex += rs.checkers.count
            let port = vs.effectivePort(of: rs)
            if let f = family, rs.address.family != f, vs.effectiveMethod(of: rs).kind != .tun {
                error("\(name): real server \(rs.address) is not of the service's address family", here,
                      notes: ["keepalived would skip this real server"])
                continue
            }
            guard seen.insert(RealServerKey(address: rs.address, port: port)).inserted else {
                let rsName = rs.address.family == .inet6 ? "[\(rs.address)]:\(port)" : "\(rs.address):\(port)"
                error("\(name): real server \(rsName) is duplicated", here, notes: ["keepalived would remove the second one"])
                continue
            }
            totalWeight += Int64(vs.effectiveWeight(of: rs))
            for (k, checker) in rs.checkers.enumerated() {
                let at = o.checkers[firstChecker + k]
                switch checker {
                case .file(let f):
                    if let tf = f.trackFile {
                        if let def = files[tf] {
                            if def >= org.sequence {
                                error("FILE_CHECK: track_file \(tf) is used before its track_file block", at,
                                      notes: ["keepalived would drop this checker: move the track_file block up"])
                            }
                        } else {
                            error("FILE_CHECK: track_file \(tf) is not defined", at, notes: ["keepalived would drop this checker"])
                        }
                    }
                case .bfd(let bc):
                    if let n = bc.name {
                        if let def = bfds[n] {
                            if def >= org.sequence {
                                error("BFD_CHECK: bfd_instance \(n) is used before its bfd_instance block", at,
                                      notes: ["keepalived would drop this checker: move the bfd_instance block up"])
                            }
                        } else {
                            error("BFD_CHECK: bfd_instance \(n) is not defined", at, notes: ["keepalived would drop this checker"])
                        }
                    }
                case .smtp(let s):
                    for h in s.hosts {
                        if let bind = h.bindto, bind.family != (h.connectIp ?? rs.address).family {
                            error("SMTP_CHECK host: bindto \(bind) is not of the family of its connect_ip", at)
                        }
                    }
                default:
                    break
                }
                if let common = checker.common, let bind = common.bindto {
                    let target = common.connectIp ?? rs.address
                    if bind.family != target.family {
                        error("\(checker.keyword): bindto \(bind) is not of the family of \(target)", at,
                              notes: ["keepalived would skip the bindto"])
                    }
                }
            }
        }
        if Int64(vs.quorum) > totalWeight {
            error("\(name): quorum \(vs.quorum) exceeds the total weight of its real servers (\(totalWeight))",
                  org.spot("quorum"), notes: ["keepalived would reduce the quorum to \(totalWeight)"])
        } else if vs.hysteresis >= vs.quorum {
            error("\(name): hysteresis \(vs.hysteresis) must be below quorum \(vs.quorum)", org.spot("hysteresis"),
                  notes: ["keepalived would change the hysteresis"])
        }
    }

    // MARK: global_defs

    func checkGlobal() {
        for g in c.garpGroups where g.garpInterval == nil && g.gnaInterval == nil {
            b.diagnostics.report(Diagnostic(.error, "garp_group\(g.interface.map { " for \($0)" } ?? "") sets neither garp_interval nor gna_interval",
                                            notes: ["keepalived would remove it"]))
        }
        if let d = c.global.lvsSyncDaemon, let inst = d.instance,
           !c.vrrpInstances.contains(where: { $0.name == inst }), let at = o.global["lvs_sync_daemon"] {
            b.error("lvs_sync_daemon: vrrp_instance \(inst) does not exist", at: at)
        }
    }
}
