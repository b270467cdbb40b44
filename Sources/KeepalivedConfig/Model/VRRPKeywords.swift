// vrrp_instance and its authentication block, vrrp_sync_group (reference §2.4).

import ConfigModel

enum VRRPKeywords {
    static let authentication = Section<VRRPAuthentication>("vrrp_instance/authentication", [
        Keyword("auth_type") { m, n, b in
            guard let t = b.required(n) else { return }
            m.authType = b.choice(t, line: n.line, what: "auth_type", [("PASS", VRRPAuthType.pass), ("AH", .ah)])
        },
        Keyword("auth_pass") { m, n, b in
            guard let t = b.required(n) else { return }
            if t.text.utf8.count > 8 {
                b.error("auth_pass is longer than 8 characters", at: t, n,
                        notes: ["keepalived would use only the first 8: '\(String(decoding: t.text.utf8.prefix(8), as: UTF8.self))'"])
            }
            m.authPass = t.text
        },
    ])

    static let trackWeight: ClosedRange<Int64> = -253...253

    static let instance = Section<VRRPInstance>("vrrp_instance", [
        Keyword("use_vmac") { m, n, b in m.useVmac = b.vmac(n) },
        .flag("use_vmac_addr", \.useVmacAddr),
        .flag("vmac_xmit_base", \.vmacXmitBase),
        Keyword("use_ipvlan") { m, n, b in m.useIpvlan = b.ipvlan(n) },
        .values("unicast_peer") { m, l, _, b in if let p = b.unicastPeer(l) { m.unicastPeer.append(p) } },
        .flag("unicast_fault_no_peer", \.unicastFaultNoPeer),
        Keyword("check_unicast_src") { m, _, _ in m.checkUnicastSrc = true },
        Keyword("old_unicast_checksum") { m, n, b in
            if let t = n.arguments.first {
                guard t.text == "never" else {
                    b.error("old_unicast_checksum: unknown value '\(t.text)'", at: t, n, notes: ["expected nothing or 'never'"])
                    return
                }
                m.oldUnicastChecksum = "never"
            } else {
                m.oldUnicastChecksum = ""
            }
        },
        .flag("native_ipv6", \.nativeIpv6),
        Keyword("state") { m, n, b in
            guard let t = b.required(n) else { return }
            m.state = b.choice(t, line: n.line, what: "state", [("MASTER", VRRPState.master), ("BACKUP", .backup)])
        },
        Keyword("interface") { m, n, b in
            guard let t = b.required(n) else { return }
            if t.text == "lo" {
                b.error("cannot use the loopback interface for VRRP", at: t, n)
                return
            }
            m.interface = t.text
        },
        .string("vrf", \.vrf),
        .flag("dont_track_primary", \.dontTrackPrimary),
        .values("track_interface") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_interface", weights: trackWeight, noreverse: false) { m.trackInterface.append(r) }
        },
        .values("track_script") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_script", weights: trackWeight) { m.trackScript.append(r) }
        },
        .values("track_file") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_file", weights: -254...254) { m.trackFile.append(r) }
        },
        .values("track_process") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_process", weights: -254...254) { m.trackProcess.append(r) }
        },
        .values("track_bfd") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_bfd", weights: trackWeight) { m.trackBfd.append(r) }
        },
        Keyword("mcast_src_ip") { m, n, b in
            if let t = b.required(n), let a = b.address(t, n) { m.mcastSrcIp = a; m.unicastSrcIp = nil }
        },
        Keyword("unicast_src_ip") { m, n, b in
            if let t = b.required(n), let a = b.address(t, n) { m.unicastSrcIp = a; m.mcastSrcIp = nil }
        },
        Keyword("mcast_dst_ip") { m, n, b in
            guard let t = b.required(n), let a = b.address(t, n) else { return }
            guard a.isMulticast else {
                b.error("mcast_dst_ip \(a) is not a multicast address", at: t, n)
                return
            }
            m.mcastDstIp = a
        },
        .flag("track_src_ip", \.trackSrcIp),
        .int("virtual_router_id", \.virtualRouterId, 1...255),
        .int("unicast_ttl", \.unicastTtl, 0...255),
        .int("version", \.version, 2...3),
        .int("priority", \.priority, 1...255, guess: "use 100"),
        .timer("advert_int", \.advertInt, Interval(microseconds: 10_000)...Interval.seconds(255)),
        .values("virtual_ipaddress") { m, l, n, b in
            guard let a = b.addressEntry(l, what: "virtual_ipaddress", allowTrackGroup: false) else { return }
            // One advert carries one family: the first address sets it.
            if let first = m.virtualIpaddress.first, first.prefix.address.family != a.prefix.address.family {
                b.error("(\(m.name)) virtual_ipaddress \(a.prefix.address) is not of the family of \(first.prefix.address)",
                        at: l.tokens[0], line: l,
                        notes: ["keepalived would ignore it; put other-family addresses in virtual_ipaddress_excluded"])
                return
            }
            m.virtualIpaddress.append(a)
        },
        .values("virtual_ipaddress_excluded") { m, l, n, b in
            if let a = b.addressEntry(l, what: "virtual_ipaddress_excluded", allowTrackGroup: false) {
                m.virtualIpaddressExcluded.append(a)
            }
        },
        .flag("promote_secondaries", \.promoteSecondaries),
        .flag("linkbeat_use_polling", \.linkbeatUsePolling,
              deprecated: "linkbeat_use_polling in a vrrp_instance is deprecated: use a linkbeat_interfaces block"),
        .values("virtual_routes") { m, l, _, b in
            if let r = b.routeEntry(l, what: "virtual_routes", isStatic: false) { m.virtualRoutes.append(r) }
        },
        .values("virtual_rules") { m, l, _, b in
            if let r = b.ruleEntry(l, what: "virtual_rules", isStatic: false) { m.virtualRules.append(r) }
        },
        Keyword("accept") { m, _, _ in m.accept = true },
        Keyword("no_accept") { m, _, _ in m.accept = false },
        .bool("skip_check_adv_addr", \.skipCheckAdvAddr),
        .bool("strict_mode", \.strictMode),
        Keyword("preempt") { m, _, _ in m.nopreempt = false },
        .flag("nopreempt", \.nopreempt),
        .timer("preempt_delay", \.preemptDelay, Interval.zero...Interval.seconds(1000)),
        .int("debug", \.debug, 0...4),
        .script("notify_backup", \.notifyBackup),
        .script("notify_master", \.notifyMaster),
        .script("notify_fault", \.notifyFault),
        .script("notify_stop", \.notifyStop),
        Keyword("notify_deleted") { m, n, b in
            m.notifyDeletedEnabled = true
            if !n.arguments.isEmpty, let s = b.script(n) { m.notifyDeleted = s }
        },
        .script("notify", \.notify),
        .script("notify_master_rx_lower_pri", \.notifyMasterRxLowerPri),
        .bool("smtp_alert", \.smtpAlert),
        .bool("notify_priority_changes", \.notifyPriorityChanges),
        Keyword("lvs_sync_daemon_interface",
                deprecated: "lvs_sync_daemon_interface in a vrrp_instance is deprecated: use the global lvs_sync_daemon") { m, n, b in
            if let t = b.required(n) { m.lvsSyncDaemonInterface = t.text }
        },
        .int("garp_master_delay", \.garpMasterDelay, 0...Int64(UInt32.max)),
        .int("garp_master_refresh", \.garpMasterRefresh, 0...Int64(UInt32.max)),
        .int("garp_master_repeat", \.garpMasterRepeat, 1...Int64(UInt32.max), guess: "use 1"),
        .int("garp_master_refresh_repeat", \.garpMasterRefreshRepeat, 1...Int64(UInt32.max), guess: "use 1"),
        .int("garp_lower_prio_delay", \.garpLowerPrioDelay, 0...Int64(UInt32.max)),
        .int("garp_lower_prio_repeat", \.garpLowerPrioRepeat, 0...Int64(UInt32.max)),
        .int("down_timer_adverts", \.downTimerAdverts, 1...100),
        Keyword("garp_extra_if") { m, n, b in m.garpExtraIf = b.garpExtraIf(n) },
        Keyword("vmac_garp_intvl", deprecated: "vmac_garp_intvl is deprecated: use garp_extra_if") { m, n, b in
            m.garpExtraIf = b.garpExtraIf(n)
        },
        .bool("lower_prio_no_advert", \.lowerPrioNoAdvert),
        .bool("higher_prio_send_advert", \.higherPrioSendAdvert),
        .int("kernel_rx_buf_size", \.kernelRxBufSize, 0...Int64(Int32.max)),
        .block("authentication", authentication, \.authentication, new: VRRPAuthentication.init),
    ])

    static let syncGroup = Section<SyncGroup>("vrrp_sync_group", [
        .values("group") { m, l, _, b in
            for t in l.tokens { m.group.append(t.text) }
        },
        .values("track_interface") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_interface", weights: trackWeight, noreverse: false) { m.trackInterface.append(r) }
        },
        .values("track_script") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_script", weights: trackWeight) { m.trackScript.append(r) }
        },
        .values("track_file") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_file", weights: -254...254) { m.trackFile.append(r) }
        },
        .values("track_process") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_process", weights: -254...254) { m.trackProcess.append(r) }
        },
        .values("track_bfd") { m, l, _, b in
            if let r = b.trackReference(l, what: "track_bfd", weights: trackWeight) { m.trackBfd.append(r) }
        },
        .script("notify_backup", \.notifyBackup),
        .script("notify_master", \.notifyMaster),
        .script("notify_fault", \.notifyFault),
        .script("notify_stop", \.notifyStop),
        .script("notify", \.notify),
        .bool("smtp_alert", \.smtpAlert),
        .flag("global_tracking", \.globalTracking,
              deprecated: "global_tracking is deprecated: use track_interface, track_script or track_file on the sync group"),
        .flag("sync_group_tracking_weight", \.syncGroupTrackingWeight),
        .bool("notify_priority_changes", \.notifyPriorityChanges),
    ])
}

extension ModelBuilder {
    /// `garp_extra_if [all] SECS` (0...86400).
    func garpExtraIf(_ n: ConfigNode) -> GarpExtraIf? {
        var g = GarpExtraIf()
        var args = n.arguments[...]
        if args.first?.text == "all" { g.all = true; args = args.dropFirst() }
        guard let t = args.first else {
            error("\(n.keyword.text) needs an interval in seconds", at: n.keyword, n)
            return nil
        }
        guard let v = integer(t, n, 0...86400) else { return nil }
        g.interval = .seconds(v)
        return g
    }

    /// `use_vmac [[name] NAME] [MAC] [netlink_notify_msg] [group G]`.
    func vmac(_ n: ConfigNode) -> VMACSettings? {
        var v = VMACSettings()
        var i = 0
        let a = n.arguments
        while i < a.count {
            let t = a[i]
            switch t.text {
            case "name":
                guard i + 1 < a.count else { error("use_vmac: 'name' needs an interface name", at: t, n); return nil }
                v.name = a[i + 1].text
                i += 2
                continue
            case "netlink_notify_msg":
                v.netlinkNotifyMsg = true
            case "group":
                guard i + 1 < a.count else { error("use_vmac: 'group' needs a group name", at: t, n); return nil }
                v.group = a[i + 1].text
                i += 2
                continue
            default:
                if let mac = Self.macAddress(t.text) {
                    guard mac.count == 5 || mac.count == 6 else {
                        error("use_vmac: a MAC address has 5 or 6 octets, got '\(t.text)'", at: t, n)
                        return nil
                    }
                    v.mac = mac
                } else if v.name == nil {
                    guard t.text.utf8.count < 16 else {
                        error("use_vmac: interface name '\(t.text)' is longer than 15 characters", at: t, n)
                        return nil
                    }
                    v.name = t.text
                } else {
                    error("use_vmac: unexpected '\(t.text)'", at: t, n)
                    return nil
                }
            }
            i += 1
        }
        return v
    }

    /// `xx:xx:xx:xx:xx[:xx]` as bytes, or nil when not shaped like a MAC.
    static func macAddress(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard (1...2).contains(p.utf8.count), let b = UInt8(p, radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }

    /// `use_ipvlan [[name] IF] [IP[/PREFIX]] [bridge|private|vepa] [group G]`.
    func ipvlan(_ n: ConfigNode) -> IPVLANSettings? {
        var v = IPVLANSettings()
        var i = 0
        let a = n.arguments
        while i < a.count {
            let t = a[i]
            switch t.text {
            case "name":
                guard i + 1 < a.count else { error("use_ipvlan: 'name' needs an interface name", at: t, n); return nil }
                v.name = a[i + 1].text
                i += 2
                continue
            case "bridge", "private", "vepa":
                v.mode = t.text
            case "group":
                guard i + 1 < a.count else { error("use_ipvlan: 'group' needs a group name", at: t, n); return nil }
                v.group = a[i + 1].text
                i += 2
                continue
            default:
                if let p = IPPrefix(t.text) {
                    v.address = p
                } else if v.name == nil, IPAddress(t.text.split(separator: "/").first ?? "") == nil {
                    v.name = t.text
                } else {
                    error("use_ipvlan: unexpected '\(t.text)'", at: t, n)
                    return nil
                }
            }
            i += 1
        }
        return v
    }
}
