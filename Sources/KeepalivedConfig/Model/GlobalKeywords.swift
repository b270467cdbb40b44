// global_defs (reference §2.4: 126 keywords in 2.2.7).

import ConfigModel

enum GlobalKeywords {
    static let u32 = 0...Int64(UInt32.max)
    static let i32 = 0...Int64(Int32.max)
    static let nice: ClosedRange<Int64> = -20...19
    static let rtPriority: ClosedRange<Int64> = 1...99
    static let garpSpacing = Interval(microseconds: 1)...Interval(microseconds: Int64(UInt32.max))

    static let section = Section<GlobalDefinitions>("global_defs", [
        .flag("process_names", \.processNames),
        .string("process_name", \.processName),
        .string("vrrp_process_name", \.vrrpProcessName),
        .string("checker_process_name", \.checkerProcessName),
        .string("lvs_process_name", \.checkerProcessName),
        .string("bfd_process_name", \.bfdProcessName),
        .string("router_id", \.routerId),
        .string("notification_email_from", \.notificationEmailFrom),
        Keyword("smtp_server") { m, n, b in m.smtpServer = b.smtpServer(n) },
        .string("smtp_helo_name", \.smtpHeloName),
        .int("smtp_connect_timeout", \.smtpConnectTimeout, 1...4294, guess: "use 1 for 0"),
        // A value block only: keepalived 2.2.7 reports words after the
        // keyword as extra parameters, not as addresses.
        Keyword("notification_email", shape: .valueBlock) { m, n, b in
            if let extra = n.arguments.first {
                b.error("notification_email takes its addresses in a { } block, one per line", at: extra, n,
                        notes: ["keepalived would ignore '\(n.arguments.map(\.text).joined(separator: " "))'"])
            }
            guard case .values(let lines) = n.body else { return }
            for l in lines { m.notificationEmail += l.tokens.map(\.text) }
        },
        .bool("smtp_alert", \.smtpAlert),
        .script("startup_script", \.startupScript),
        .int("startup_script_timeout", \.startupScriptTimeout, 1...1000),
        .script("shutdown_script", \.shutdownScript),
        .int("shutdown_script_timeout", \.shutdownScriptTimeout, 1...1000),
        Keyword("max_auto_priority") { m, n, b in
            guard let t = n.arguments.first else { m.maxAutoPriority = 99; return }
            if let v = b.integer(t, n, -1...99) { m.maxAutoPriority = Int(v) }
        },
        .int("min_auto_priority_delay", \.minAutoPriorityDelay, 1...10_000_000),
        .bool("smtp_alert_vrrp", \.smtpAlertVrrp),
        .bool("smtp_alert_checker", \.smtpAlertChecker),
        .bool("checker_log_all_failures", \.checkerLogAllFailures),
        Keyword("dynamic_interfaces") { m, n, b in
            m.dynamicInterfaces = true
            if let t = n.arguments.first {
                guard t.text == "allow_if_changes" else {
                    b.error("dynamic_interfaces: unknown option '\(t.text)'", at: t, n, notes: ["expected nothing or allow_if_changes"])
                    return
                }
                m.dynamicInterfacesAllowIfChanges = true
            }
        },
        .flag("no_email_faults", \.noEmailFaults),
        .string("default_interface", \.defaultInterface),
        .flag("disable_local_igmp", \.disableLocalIgmp),
        Keyword("lvs_timeouts") { m, n, b in m.lvsTimeouts = b.lvsTimeouts(n) },
        .flag("lvs_flush", \.lvsFlush),
        Keyword("lvs_flush_on_stop") { m, n, b in m.lvsFlushOnStop = b.lvsFlushOnStop(n) },
        Keyword("lvs_flush_onstop") { m, n, b in m.lvsFlushOnStop = b.lvsFlushOnStop(n) },
        Keyword("lvs_sync_daemon") { m, n, b in m.lvsSyncDaemon = b.lvsSyncDaemon(n) },
        Keyword("vrrp_mcast_group4") { m, n, b in
            guard let t = b.required(n), let a = b.address(t, n) else { return }
            guard case .v4 = a, a.isMulticast else {
                b.error("vrrp_mcast_group4 \(t.text) is not an IPv4 multicast address", at: t, n)
                return
            }
            m.vrrpMcastGroup4 = a
        },
        Keyword("vrrp_mcast_group6") { m, n, b in
            guard let t = b.required(n), let a = b.address(t, n) else { return }
            guard case .v6(let v6) = a, a.isMulticast else {
                b.error("vrrp_mcast_group6 \(t.text) is not an IPv6 multicast address", at: t, n)
                return
            }
            if (v6.high >> 48) & 0xf != 2 {
                b.warning("vrrp_mcast_group6 \(t.text) should be a link-local multicast address (ffX2::)", at: t, n)
            }
            m.vrrpMcastGroup6 = a
        },
        .int("vrrp_garp_master_delay", \.vrrpGarpMasterDelay, u32),
        .int("vrrp_garp_master_repeat", \.vrrpGarpMasterRepeat, 1...Int64(UInt32.max), guess: "use 1"),
        .int("vrrp_garp_master_refresh", \.vrrpGarpMasterRefresh, u32),
        .int("vrrp_garp_master_refresh_repeat", \.vrrpGarpMasterRefreshRepeat, 1...Int64(UInt32.max), guess: "use 1"),
        .int("vrrp_garp_lower_prio_delay", \.vrrpGarpLowerPrioDelay, u32),
        .int("vrrp_garp_lower_prio_repeat", \.vrrpGarpLowerPrioRepeat, u32),
        .int("vrrp_down_timer_adverts", \.vrrpDownTimerAdverts, 1...100),
        .timer("vrrp_garp_interval", \.vrrpGarpInterval, garpSpacing),
        .timer("vrrp_gna_interval", \.vrrpGnaInterval, garpSpacing),
        .bool("vrrp_min_garp", \.vrrpMinGarp),
        Keyword("vrrp_garp_extra_if") { m, n, b in m.vrrpGarpExtraIf = b.garpExtraIf(n) },
        Keyword("vrrp_vmac_garp_intvl", deprecated: "vrrp_vmac_garp_intvl is deprecated: use vrrp_garp_extra_if") { m, n, b in
            m.vrrpGarpExtraIf = b.garpExtraIf(n)
        },
        .bool("vrrp_lower_prio_no_advert", \.vrrpLowerPrioNoAdvert),
        .bool("vrrp_higher_prio_send_advert", \.vrrpHigherPrioSendAdvert),
        .int("vrrp_version", \.vrrpVersion, 2...3),
        Keyword("vrrp_iptables") { m, n, _ in m.vrrpIptables = n.arguments.prefix(2).map(\.text) },
        Keyword("vrrp_ipsets") { m, n, _ in m.vrrpIpsets = n.arguments.prefix(6).map(\.text) },
        Keyword("nftables") { m, n, _ in m.nftables = n.arguments.first?.text ?? "keepalived" },
        .int("nftables_priority", \.nftablesPriority, Int64(Int32.min)...Int64(Int32.max)),
        .flag("nftables_ifindex", \.nftablesIfindex),
        .flag("vrrp_check_unicast_src", \.vrrpCheckUnicastSrc),
        .flag("vrrp_skip_check_adv_addr", \.vrrpSkipCheckAdvAddr),
        .flag("vrrp_strict", \.vrrpStrict),
        .int("vrrp_priority", \.vrrpPriority, nice),
        .flag("vrrp_no_swap", \.vrrpNoSwap),
        .int("vrrp_rt_priority", \.vrrpRtPriority, rtPriority, guess: "use 99 above 99"),
        Keyword("vrrp_cpu_affinity") { m, n, b in if let c = b.cpuList(n) { m.vrrpCpuAffinity = c } },
        .int("vrrp_rlimit_rttime", \.vrrpRlimitRttime, 1...Int64(UInt32.max)),
        .int("vrrp_rlimit_rtime", \.vrrpRlimitRttime, 1...Int64(UInt32.max)),
        Keyword("nftables_ipvs") { m, n, _ in m.nftablesIpvs = n.arguments.first?.text ?? "keepalived_ipvs" },
        .int("nftables_ipvs_priority", \.nftablesIpvsPriority, Int64(Int32.min)...Int64(Int32.max)),
        .int("nftables_ipvs_start_fwmark", \.nftablesIpvsStartFwmark, 1...Int64(UInt32.max)),
        .flag("nftables_counters", \.nftablesCounters),
        Keyword("notify_fifo") { m, n, b in m.notifyFifo = b.fifo(n) },
        .script("notify_fifo_script", \.notifyFifoScript),
        Keyword("vrrp_notify_fifo") { m, n, b in m.vrrpNotifyFifo = b.fifo(n) },
        .script("vrrp_notify_fifo_script", \.vrrpNotifyFifoScript),
        .bool("vrrp_notify_priority_changes", \.vrrpNotifyPriorityChanges),
        .flag("fifo_write_vrrp_states_on_reload", \.fifoWriteVrrpStatesOnReload),
        Keyword("lvs_notify_fifo") { m, n, b in m.lvsNotifyFifo = b.fifo(n) },
        .script("lvs_notify_fifo_script", \.lvsNotifyFifoScript),
        .int("checker_priority", \.checkerPriority, nice),
        .flag("checker_no_swap", \.checkerNoSwap),
        .int("checker_rt_priority", \.checkerRtPriority, rtPriority, guess: "use 99 above 99"),
        Keyword("checker_cpu_affinity") { m, n, b in if let c = b.cpuList(n) { m.checkerCpuAffinity = c } },
        .int("checker_rlimit_rttime", \.checkerRlimitRttime, 1...Int64(UInt32.max)),
        .int("checker_rlimit_rtime", \.checkerRlimitRttime, 1...Int64(UInt32.max)),
        .int("bfd_priority", \.bfdPriority, nice),
        .flag("bfd_no_swap", \.bfdNoSwap),
        .int("bfd_rt_priority", \.bfdRtPriority, rtPriority, guess: "use 99 above 99"),
        Keyword("bfd_cpu_affinity") { m, n, b in if let c = b.cpuList(n) { m.bfdCpuAffinity = c } },
        .int("bfd_rlimit_rttime", \.bfdRlimitRttime, 1...Int64(UInt32.max)),
        .int("bfd_rlimit_rtime", \.bfdRlimitRttime, 1...Int64(UInt32.max)),
        .string("snmp_socket", \.snmpSocket),
        .flag("enable_traps", \.enableTraps),
        .flag("enable_snmp_vrrp", \.enableSnmpVrrp),
        .flag("enable_snmp_keepalived", \.enableSnmpVrrp),
        .flag("enable_snmp_rfc", \.enableSnmpRfc),
        .flag("enable_snmp_rfcv2", \.enableSnmpRfcv2),
        .flag("enable_snmp_rfcv3", \.enableSnmpRfcv3),
        .flag("enable_snmp_checker", \.enableSnmpChecker),
        .flag("enable_dbus", \.enableDbus),
        .string("dbus_service_name", \.dbusServiceName),
        Keyword("script_user") { m, n, b in
            guard let t = b.required(n) else { return }
            let (u, g) = ModelBuilder.userGroup(t.text, n.arguments.dropFirst().first?.text)
            m.scriptUser = u
            m.scriptGroup = g
        },
        .flag("enable_script_security", \.enableScriptSecurity),
        .int("vrrp_netlink_cmd_rcv_bufs", \.vrrpNetlinkCmdRcvBufs, u32),
        .bool("vrrp_netlink_cmd_rcv_bufs_force", \.vrrpNetlinkCmdRcvBufsForce),
        .int("vrrp_netlink_monitor_rcv_bufs", \.vrrpNetlinkMonitorRcvBufs, u32),
        .bool("vrrp_netlink_monitor_rcv_bufs_force", \.vrrpNetlinkMonitorRcvBufsForce),
        .int("process_monitor_rcv_bufs", \.processMonitorRcvBufs, u32),
        .bool("process_monitor_rcv_bufs_force", \.processMonitorRcvBufsForce),
        .int("lvs_netlink_cmd_rcv_bufs", \.lvsNetlinkCmdRcvBufs, u32),
        .bool("lvs_netlink_cmd_rcv_bufs_force", \.lvsNetlinkCmdRcvBufsForce),
        .int("lvs_netlink_monitor_rcv_bufs", \.lvsNetlinkMonitorRcvBufs, u32),
        .bool("lvs_netlink_monitor_rcv_bufs_force", \.lvsNetlinkMonitorRcvBufsForce),
        .flag("rs_init_notifies", \.rsInitNotifies),
        .flag("no_checker_emails", \.noCheckerEmails),
        Keyword("vrrp_rx_bufs_policy") { m, n, b in
            guard let t = b.required(n) else { return }
            guard t.text == "MTU" || t.text == "ADVERT" || UInt32(t.text) != nil else {
                b.error("vrrp_rx_bufs_policy expects MTU, ADVERT or a byte count, got '\(t.text)'", at: t, n)
                return
            }
            m.vrrpRxBufsPolicy = t.text
        },
        .int("vrrp_rx_bufs_multiplier", \.vrrpRxBufsMultiplier, 1...Int64(UInt32.max)),
        .timer("vrrp_startup_delay", \.vrrpStartupDelay, Interval.zero...Interval.seconds(Int64(UInt32.max / 1_000_000))),
        .flag("log_unknown_vrids", \.logUnknownVrids),
        .string("vmac_prefix", \.vmacPrefix),
        .string("vmac_addr_prefix", \.vmacAddrPrefix),
        Keyword("umask") { m, n, b in if let v = b.umask(n) { m.umask = v } },
        .int("random_seed", \.randomSeed, u32),
        .optionalString("reload_check_config", \.reloadCheckConfig),
        Keyword("reload_time_file") { m, n, b in
            guard let t = b.required(n) else { return }
            guard t.text.hasPrefix("/") else {
                b.error("reload_time_file must be an absolute path, got '\(t.text)'", at: t, n)
                return
            }
            m.reloadTimeFile = t.text
        },
        .flag("reload_repeat", \.reloadRepeat),
        .optionalString("reload_file", \.reloadFile),
        Keyword("include_check") { m, n, b in
            var words: [String] = []
            for t in n.arguments {
                var w = Substring(t.text)
                if w.first == "+" || w.first == "-" { w = w.dropFirst() }
                guard ["read", "match", "wildcard_match", "brace_match"].contains(String(w)) else {
                    b.error("include_check: unknown check '\(t.text)'", at: t, n,
                            notes: ["expected [+|-]read, match, wildcard_match or brace_match"])
                    return
                }
                words.append(t.text)
            }
            m.includeCheck = words
        },
        .string("config_save_dir", \.configSaveDir),
        .string("tmp_config_directory", \.tmpConfigDirectory),
        .bool("data_use_instance", \.dataUseInstance),
    ])
}

extension ModelBuilder {
    /// `smtp_server IP|NAME [PORT]`.
    func smtpServer(_ n: ConfigNode) -> SMTPServer? {
        guard let t = required(n) else { return nil }
        var s = SMTPServer(host: t.text)
        if let p = n.arguments.dropFirst().first {
            guard let v = port(p, line: n.line, what: "smtp_server port") else { return nil }
            s.port = v
        }
        if IPAddress(t.text) == nil, let host, host.isOnline, !host.resolves(hostName: t.text) {
            error("smtp_server '\(t.text)' is neither an IP address nor a name this host resolves", at: t, n)
            return nil
        }
        return s
    }

    /// `lvs_timeouts [tcp S] [tcpfin S] [udp S]`.
    func lvsTimeouts(_ n: ConfigNode) -> LVSTimeouts? {
        var v = LVSTimeouts()
        let a = n.arguments
        var i = 0
        while i < a.count {
            let k = a[i]
            guard ["tcp", "tcpfin", "udp"].contains(k.text) else {
                error("lvs_timeouts: unknown protocol '\(k.text)'", at: k, n, notes: ["expected tcp, tcpfin or udp"])
                return nil
            }
            guard i + 1 < a.count else { error("lvs_timeouts: \(k.text) needs seconds", at: k, n); return nil }
            guard let s = integer(a[i + 1], n, 0...86400 * 31, what: "lvs_timeouts \(k.text)") else { return nil }
            switch k.text {
            case "tcp": v.tcp = Int(s)
            case "tcpfin": v.tcpfin = Int(s)
            default: v.udp = Int(s)
            }
            i += 2
        }
        return v
    }

    func lvsFlushOnStop(_ n: ConfigNode) -> LVSFlushOnStop? {
        guard let t = n.arguments.first else { return .all }
        guard t.text == "VS" else {
            error("\(n.keyword.text): unknown option '\(t.text)'", at: t, n, notes: ["expected nothing or VS"])
            return nil
        }
        return .virtualServers
    }

    /// `lvs_sync_daemon IF [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`.
    func lvsSyncDaemon(_ n: ConfigNode) -> LVSSyncDaemon? {
        guard let ifname = required(n) else { return nil }
        var d = LVSSyncDaemon(interface: ifname.text)
        let a = Array(n.arguments.dropFirst())
        var i = 0
        func value(_ k: Token) -> Token? {
            guard i + 1 < a.count else { error("lvs_sync_daemon: \(k.text) needs a value", at: k, n); return nil }
            i += 1
            return a[i]
        }
        while i < a.count {
            let k = a[i]
            switch k.text {
            case "inst":
                guard let v = value(k) else { return nil }
                d.instance = v.text
            case "id":
                guard let v = value(k), let x = integer(v, n, 0...255, what: "lvs_sync_daemon id") else { return nil }
                d.syncid = Int(x)
            case "maxlen":
                guard let v = value(k), let x = integer(v, n, 1...65535 - 20 - 8, what: "lvs_sync_daemon maxlen") else { return nil }
                d.maxlen = Int(x)
            case "port":
                guard let v = value(k), let p = port(v, line: n.line, what: "lvs_sync_daemon port") else { return nil }
                d.port = p
            case "ttl":
                guard let v = value(k), let x = integer(v, n, 1...255, what: "lvs_sync_daemon ttl") else { return nil }
                d.ttl = Int(x)
            case "group":
                guard let v = value(k), let g = address(v, n, what: "lvs_sync_daemon group") else { return nil }
                guard g.isMulticast else { error("lvs_sync_daemon group \(g) is not multicast", at: v, n); return nil }
                d.group = g
            default:
                guard i == 0, d.instance == nil else {
                    error("lvs_sync_daemon: unknown option '\(k.text)'", at: k, n)
                    return nil
                }
                d.instance = k.text
            }
            i += 1
        }
        return d
    }

    /// `PATH [user [group]]` (or `user:group`).
    func fifo(_ n: ConfigNode) -> FifoSpec? {
        guard let t = required(n) else { return nil }
        var f = FifoSpec(path: t.text)
        if let u = n.arguments.dropFirst().first {
            let (user, group) = Self.userGroup(u.text, n.arguments.dropFirst(2).first?.text)
            f.user = user
            f.group = group
        }
        return f
    }

    /// CPU numbers, space separated.
    func cpuList(_ n: ConfigNode) -> [Int]? {
        var out: [Int] = []
        for t in n.arguments {
            guard let c = integer(t, n, 0...4095, what: "\(n.keyword.text) CPU") else { return nil }
            out.append(Int(c))
        }
        return out
    }

    /// `umask NUMBER` (C style: 0 prefix octal) or `IRUSR|IWGRP|...`.
    func umask(_ n: ConfigNode) -> Int? {
        guard let t = required(n) else { return nil }
        let text = n.arguments.map(\.text).joined()
        if let first = text.first, first.isASCIIDigit {
            guard let v = Self.cNumber(Substring(text)), v <= 0o777 else {
                error("umask must be a number 0...0777, got '\(text)'", at: t, n)
                return nil
            }
            return Int(v)
        }
        let bits: [String: Int] = [
            "IRUSR": 0o400, "IWUSR": 0o200, "IXUSR": 0o100, "IRWXU": 0o700,
            "IRGRP": 0o40, "IWGRP": 0o20, "IXGRP": 0o10, "IRWXG": 0o70,
            "IROTH": 0o4, "IWOTH": 0o2, "IXOTH": 0o1, "IRWXO": 0o7,
        ]
        var v = 0
        for part in text.split(separator: "|") {
            guard let b = bits[String(part)] else {
                error("umask: unknown bit '\(part)'", at: t, n, notes: ["expected IRUSR, IWUSR, IXUSR, IRWXU, IRGRP, ... joined by |"])
                return nil
            }
            v |= b
        }
        return v
    }
}
