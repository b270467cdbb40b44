// Top-level options and `global_defs` (reference §2.4). Defaults are
// keepalived 2.2.7's; nil means "not set, the documented fallback applies"
// (the effective-value helpers in Effective.swift resolve those fallbacks).

public struct TopLevelOptions: Hashable, Sendable, Codable {
    public var linkbeatUsePolling = false
    public var netNamespace: String?
    /// `net_namespace_ipvs [NAME]`: "" when given bare (the main namespace).
    public var netNamespaceIpvs: String?
    public var namespaceWithIpsets = false
    public var usePidDir = false
    public var instance: String?
    public var childWaitTime = 5
    public init() {}
}

/// A `notify_fifo`-style setting: path, optional owner.
public struct FifoSpec: Hashable, Sendable, Codable {
    public var path: String
    public var user: String?
    public var group: String?
    public init(path: String, user: String? = nil, group: String? = nil) {
        self.path = path
        self.user = user
        self.group = group
    }
}

public struct SMTPServer: Hashable, Sendable, Codable {
    /// An IP address or a host name, as written.
    public var host: String
    public var port: UInt16 = 25
    public init(host: String, port: UInt16 = 25) {
        self.host = host
        self.port = port
    }
}

/// `lvs_timeouts [tcp S] [tcpfin S] [udp S]`, in whole seconds.
public struct LVSTimeouts: Hashable, Sendable, Codable {
    public var tcp: Int?
    public var tcpfin: Int?
    public var udp: Int?
    public init() {}
}

/// `lvs_sync_daemon IF [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`.
public struct LVSSyncDaemon: Hashable, Sendable, Codable {
    public var interface: String
    /// The VRRP instance whose state drives the sync daemon.
    public var instance: String?
    /// nil: the instance's VRID, or 0 without an instance.
    public var syncid: Int?
    public var maxlen: Int?
    public var port: UInt16 = 8848
    public var ttl: Int?
    /// nil: 224.0.0.81.
    public var group: IPAddress?
    public init(interface: String) { self.interface = interface }
}

/// `[vrrp_]garp_extra_if [all] SECS`.
public struct GarpExtraIf: Hashable, Sendable, Codable {
    public var all = false
    public var interval = Interval.zero
    public init() {}
}

public struct GlobalDefinitions: Hashable, Sendable, Codable {
    // Process names
    public var processNames = false
    public var processName: String?
    public var vrrpProcessName: String?
    /// Also set by the undocumented alias `lvs_process_name`.
    public var checkerProcessName: String?
    public var bfdProcessName: String?

    // Identity and email
    /// nil: the host name.
    public var routerId: String?
    /// nil: keepalived@<hostname>.
    public var notificationEmailFrom: String?
    public var smtpServer: SMTPServer?
    /// nil: the host name.
    public var smtpHeloName: String?
    public var smtpConnectTimeout = 30
    public var notificationEmail: [String] = []
    public var smtpAlert: Bool?
    public var smtpAlertVrrp: Bool?
    public var smtpAlertChecker: Bool?
    public var noEmailFaults = false
    public var noCheckerEmails = false

    // Scripts run by the parent
    public var startupScript: Script?
    public var startupScriptTimeout = 10
    public var shutdownScript: Script?
    public var shutdownScriptTimeout = 10
    /// nil: keepalived_script if that user exists, else root.
    public var scriptUser: String?
    public var scriptGroup: String?
    public var enableScriptSecurity = false

    // Scheduling of the processes
    /// nil: off (0); bare keyword: the highest real-time priority.
    public var maxAutoPriority: Int?
    /// Microseconds; nil: 1000000.
    public var minAutoPriorityDelay: Int?
    public var vrrpPriority: Int?
    public var vrrpNoSwap = false
    public var vrrpRtPriority: Int?
    public var vrrpCpuAffinity: [Int] = []
    /// Microseconds; nil: 10000. Also set by the misspelt alias `vrrp_rlimit_rtime`.
    public var vrrpRlimitRttime: Int?
    public var checkerPriority: Int?
    public var checkerNoSwap = false
    public var checkerRtPriority: Int?
    public var checkerCpuAffinity: [Int] = []
    public var checkerRlimitRttime: Int?
    public var bfdPriority: Int?
    public var bfdNoSwap = false
    public var bfdRtPriority: Int?
    public var bfdCpuAffinity: [Int] = []
    public var bfdRlimitRttime: Int?

    // Checker globals
    public var checkerLogAllFailures = false
    public var rsInitNotifies = false

    // Interfaces
    public var dynamicInterfaces = false
    public var dynamicInterfacesAllowIfChanges = false
    /// nil: eth0.
    public var defaultInterface: String?
    public var disableLocalIgmp = false

    // IPVS
    public var lvsTimeouts: LVSTimeouts?
    public var lvsFlush = false
    /// `lvs_flush_on_stop [VS]` (older spelling `lvs_flush_onstop`):
    /// nil off, `.all` flush everything, `.virtualServers` delete only the
    /// configured virtual servers.
    public var lvsFlushOnStop: LVSFlushOnStop?
    public var lvsSyncDaemon: LVSSyncDaemon?

    // VRRP
    public var vrrpMcastGroup4 = IPAddress.v4(IPv4Address(224, 0, 0, 18))
    public var vrrpMcastGroup6 = IPAddress.v6(IPv6Address(high: 0xff02_0000_0000_0000, low: 0x12))
    public var vrrpGarpMasterDelay = 5
    public var vrrpGarpMasterRepeat = 5
    public var vrrpGarpMasterRefresh = 0
    public var vrrpGarpMasterRefreshRepeat = 1
    /// nil: vrrp_garp_master_delay.
    public var vrrpGarpLowerPrioDelay: Int?
    /// nil: vrrp_garp_master_repeat.
    public var vrrpGarpLowerPrioRepeat: Int?
    public var vrrpDownTimerAdverts = 3
    public var vrrpGarpInterval = Interval.zero
    public var vrrpGnaInterval = Interval.zero
    public var vrrpMinGarp = false
    /// Also set by the deprecated `vrrp_vmac_garp_intvl`.
    public var vrrpGarpExtraIf: GarpExtraIf?
    /// nil: off, on under vrrp_strict.
    public var vrrpLowerPrioNoAdvert: Bool?
    public var vrrpHigherPrioSendAdvert: Bool?
    public var vrrpVersion = 2
    /// `vrrp_iptables [IN_CHAIN [OUT_CHAIN]]`; [] when given bare (INPUT/OUTPUT).
    public var vrrpIptables: [String]?
    /// `vrrp_ipsets [names...]`; [] when given bare (the default names).
    public var vrrpIpsets: [String]?
    /// `nftables [TABLE]`; "keepalived" when given bare.
    public var nftables: String?
    public var nftablesPriority: Int?
    public var nftablesIfindex = false
    public var vrrpCheckUnicastSrc = false
    public var vrrpSkipCheckAdvAddr = false
    public var vrrpStrict = false
    public var vrrpStartupDelay = Interval.zero
    public var logUnknownVrids = false
    /// nil: "vrrp".
    public var vmacPrefix: String?
    /// nil: vmac_prefix.
    public var vmacAddrPrefix: String?
    public var vrrpNotifyPriorityChanges = false
    public var fifoWriteVrrpStatesOnReload = false
    /// MTU, ADVERT, or a byte count, as written.
    public var vrrpRxBufsPolicy: String?
    /// nil: 3.
    public var vrrpRxBufsMultiplier: Int?
    /// `nftables_ipvs [TABLE]`; "keepalived_ipvs" when given bare.
    public var nftablesIpvs: String?
    public var nftablesIpvsPriority: Int?
    /// nil: 1000.
    public var nftablesIpvsStartFwmark: Int?
    public var nftablesCounters = false

    // FIFOs
    public var notifyFifo: FifoSpec?
    public var notifyFifoScript: Script?
    public var vrrpNotifyFifo: FifoSpec?
    public var vrrpNotifyFifoScript: Script?
    public var lvsNotifyFifo: FifoSpec?
    public var lvsNotifyFifoScript: Script?

    // SNMP and DBus (parsed and dumped; no program acts on them yet)
    /// nil: unix:/var/agentx/master.
    public var snmpSocket: String?
    public var enableTraps = false
    /// Also set by the old alias `enable_snmp_keepalived`.
    public var enableSnmpVrrp = false
    public var enableSnmpRfc = false
    public var enableSnmpRfcv2 = false
    public var enableSnmpRfcv3 = false
    public var enableSnmpChecker = false
    public var enableDbus = false
    /// nil: org.keepalived.Vrrp1.
    public var dbusServiceName: String?

    // Netlink buffers
    public var vrrpNetlinkCmdRcvBufs: Int?
    public var vrrpNetlinkCmdRcvBufsForce = false
    public var vrrpNetlinkMonitorRcvBufs: Int?
    public var vrrpNetlinkMonitorRcvBufsForce = false
    public var processMonitorRcvBufs: Int?
    public var processMonitorRcvBufsForce = false
    public var lvsNetlinkCmdRcvBufs: Int?
    public var lvsNetlinkCmdRcvBufsForce = false
    public var lvsNetlinkMonitorRcvBufs: Int?
    public var lvsNetlinkMonitorRcvBufsForce = false

    // Files and reload
    /// nil: 0177 (the command line's -u wins).
    public var umask: Int?
    public var randomSeed: UInt32?
    /// `reload_check_config [LOG_FILE]`: "" when given bare.
    public var reloadCheckConfig: String?
    public var reloadTimeFile: String?
    public var reloadRepeat = false
    /// `reload_file [PATH]`: "" when given bare (the default path).
    public var reloadFile: String?
    /// `include_check [[+|-]read|match|wildcard_match|brace_match]...` as written; [] when bare (all).
    public var includeCheck: [String]?
    public var configSaveDir: String?
    public var tmpConfigDirectory: String?
    public var dataUseInstance = false

    public init() {}
}

public enum LVSFlushOnStop: String, Hashable, Sendable, Codable {
    case all
    case virtualServers = "VS"
}
