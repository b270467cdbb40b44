// The kernel's IPVS generic netlink family, numbers from
// include/uapi/linux/ip_vs.h (stable ABI since Linux 2.6.30; tunnel
// attributes since 5.2, destination address family since 3.18).

enum IPVSGenl {
    static let family = "IPVS"
    static let version: UInt8 = 1

    enum Command: UInt8 {
        case newService = 1, setService, delService, getService
        case newDest, setDest, delDest, getDest
        case newDaemon, delDaemon, getDaemon
        case setConfig, getConfig, setInfo, getInfo, zero, flush
    }

    /// IPVS_CMD_ATTR_*
    enum Attr {
        static let service: UInt16 = 1
        static let dest: UInt16 = 2
        static let daemon: UInt16 = 3
        static let timeoutTCP: UInt16 = 4
        static let timeoutTCPFin: UInt16 = 5
        static let timeoutUDP: UInt16 = 6
    }

    /// IPVS_SVC_ATTR_*
    enum Service {
        static let af: UInt16 = 1
        static let `protocol`: UInt16 = 2
        static let addr: UInt16 = 3
        static let port: UInt16 = 4
        static let fwmark: UInt16 = 5
        static let schedName: UInt16 = 6
        static let flags: UInt16 = 7
        static let timeout: UInt16 = 8
        static let netmask: UInt16 = 9
        static let stats: UInt16 = 10
        static let peName: UInt16 = 11
        static let stats64: UInt16 = 12
    }

    /// IPVS_DEST_ATTR_*
    enum Dest {
        static let addr: UInt16 = 1
        static let port: UInt16 = 2
        static let fwdMethod: UInt16 = 3
        static let weight: UInt16 = 4
        static let upperThreshold: UInt16 = 5
        static let lowerThreshold: UInt16 = 6
        static let activeConns: UInt16 = 7
        static let inactiveConns: UInt16 = 8
        static let persistConns: UInt16 = 9
        static let stats: UInt16 = 10
        static let addrFamily: UInt16 = 11
        static let stats64: UInt16 = 12
        static let tunType: UInt16 = 13
        static let tunPort: UInt16 = 14
        static let tunFlags: UInt16 = 15
    }

    /// IPVS_DAEMON_ATTR_*
    enum Daemon {
        static let state: UInt16 = 1
        static let mcastInterface: UInt16 = 2
        static let syncID: UInt16 = 3
        static let syncMaxLength: UInt16 = 4
        static let mcastGroup: UInt16 = 5
        static let mcastGroup6: UInt16 = 6
        static let mcastPort: UInt16 = 7
        static let mcastTTL: UInt16 = 8
    }

    /// IPVS_STATS_ATTR_* (u32 in `stats`, u64 in `stats64`)
    enum Stats {
        static let conns: UInt16 = 1
        static let inPackets: UInt16 = 2
        static let outPackets: UInt16 = 3
        static let inBytes: UInt16 = 4
        static let outBytes: UInt16 = 5
    }

    /// IPVS_INFO_ATTR_*
    enum Info {
        static let version: UInt16 = 1
        static let connTableSize: UInt16 = 2
    }

    /// Address families as the kernel numbers them.
    static let afInet: UInt16 = 2
    static let afInet6: UInt16 = 10
}
