// Top-level options and `global_defs` (reference §2.4). Defaults are
// keepalived 2.2.7's; nil means "not set, the documented fallback applies".

public struct TopLevelOptions: Hashable, Sendable, Codable {
    public var linkbeatUsePolling = false
    public var netNamespace: String?
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
    public var host: String
    public var port: UInt16 = 25
    public init(host: String, port: UInt16 = 25) {
        self.host = host
        self.port = port
    }
}

public struct LVSTimeouts: Hashable, Sendable, Codable {
    public var tcp: Int?
    public var tcpfin: Int?
    public var udp: Int?
    public init() {}
}

public struct LVSSyncDaemon: Hashable, Sendable, Codable {
    public var interface: String
    public var instance: String?
    public var syncid: Int?
    public var maxlen: Int?
    public var port: UInt16 = 8848
    public var ttl: Int?
    public var group: IPAddress?
    public init(interface: String) { self.interface = interface }
}

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
    public var checkerProcessName: String?
    public var bfdProcessName: String?

    // Identity and email
    public var routerId: String?
    public var notificationEmailFrom: String?
    public var smtpServer: SMTPServer?
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
    public var scriptUser: String?
    public var scriptGroup: String?
    public var enableScriptSecurity = false

    // Scheduling of the processes
    public var maxAutoPriority: Int?
    public var minAutoPriorityDelay: Int?
    public var vrrpPriority: Int?
    public var vrrpNoSwap = false
    public var vrrpRtPriority: Int?
    public var vrrpCpuAffinity: [Int] = []
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
    public var defaultInterface: String?
    public var disableLocalIgmp = false

    // IPVS
    public var lvsTimeouts: LVSTimeouts?
    public var lvsFlush = false
    /// `lvs_flush_onstop` / `lvs_flush_on_stop`: nil off, false all, true virtual servers only.
    public var lvsFlushOnstop: Bool?
    public var lvsSyncDaemon: LVSSyncDaemon?

    // VRRP
    public var vrrpMcastGroup4 = IPAddress.v4(IPv4Address(224, 0, 0, 18))
    public var vrrpMcastGroup6 = IPAddress.v6(IPv6Address("ff02::12")!)
    public var vrrpGarpMasterDelay = 5
    public var vrrpGarpMasterRepeat = 5
    public var vrrpGarpMasterRefresh = 0
    public var vrrpGarpMasterRefreshRepeat = 1
    public var vrrpGarpLowerPrioDelay: Int?
    public var vrrpGarpLowerPrioRepeat: Int?
    public var vrrpDownTimerAdverts = 3
    public var vrrpGarpInterval = Interval.zero
    public var vrrpGnaInterval = Interval.zero
    public var vrrpMinGarp = false
    public var vrrpGarpExtraIf: GarpExtraIf?
    public var vrrpLowerPrioNoAdvert: Bool?
    public var vrrpHigherPrioSendAdvert: Bool?
    public var vrrpVersion = 2
    public var vrrpIptables: [String]?
    public var vrrpIpsets: [String]?
    public var nftables: String?
    public var nftablesPriority: Int?
    public var nftablesIfindex = false
    public var vrrpCheckUnicastSrc = false
    public var vrrpSkipCheckAdvAddr = false
    public var vrrpStrict = false
    public var vrrpStartupDelay = Interval.zero
    public var logUnknownVrids = false
    public var vmacPrefix: String?
    public var vmacAddrPrefix: String?
    public var vrrpNotifyPriorityChanges = false
    public var fifoWriteVrrpStatesOnReload = false
    public var vrrpRxBufsPolicy: String?
    public var vrrpRxBufsMultiplier: Int?
    public var nftablesIpvs: String?
    public var nftablesIpvsPriority: Int?
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
    public var snmpSocket: String?
    public var enableTraps = false
    public var enableSnmpVrrp = false
    public var enableSnmpRfc = false
    public var enableSnmpRfcv2 = false
    public var enableSnmpRfcv3 = false
    public var enableSnmpChecker = false
    public var enableDbus = false
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
    public var umask: Int?
    public var randomSeed: UInt32?
    public var reloadCheckConfig: String?
    public var reloadCheckConfigEnabled = false
    public var reloadTimeFile: String?
    public var reloadRepeat = false
    public var reloadFile: String?
    public var includeCheck: [String]?
    public var configSaveDir: String?
    public var tmpConfigDirectory: String?
    public var dataUseInstance = false

    public init() {}
}
