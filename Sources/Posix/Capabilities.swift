// Linux capabilities by name, and sets of them as the kernel's bit masks
// (the layout of CapEff/CapPrm/CapBnd in /proc/PID/status).

public enum Capability: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case chown = 0, dacOverride, dacReadSearch, fowner, fsetid, kill, setgid, setuid, setpcap,
         linuxImmutable, netBindService, netBroadcast, netAdmin, netRaw, ipcLock, ipcOwner,
         sysModule, sysRawio, sysChroot, sysPtrace, sysPacct, sysAdmin, sysBoot, sysNice,
         sysResource, sysTime, sysTtyConfig, mknod, lease, auditWrite, auditControl, setfcap,
         macOverride, macAdmin, syslog, wakeAlarm, blockSuspend, auditRead, perfmon, bpf,
         checkpointRestore

    /// `CAP_NET_ADMIN`
    public var description: String { "CAP_" + Capability.names[rawValue] }

    static let names = [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE",
    ]

    /// Accepts `CAP_NET_RAW`, `NET_RAW` or `net_raw`.
    public init?(name: String) {
        var n = name.uppercased()
        if n.hasPrefix("CAP_") { n.removeFirst(4) }
        guard let i = Capability.names.firstIndex(of: n) else { return nil }
        self.init(rawValue: i)
    }
}

public struct CapabilitySet: Hashable, Sendable, SetAlgebra, CustomStringConvertible {
    public var mask: UInt64
    public init(mask: UInt64) { self.mask = mask }
    public init() { mask = 0 }
    public init(_ caps: [Capability]) {
        mask = 0
        for c in caps { mask |= 1 << UInt64(c.rawValue) }
    }

    public static let none = CapabilitySet()

    public func contains(_ c: Capability) -> Bool { mask & (1 << UInt64(c.rawValue)) != 0 }
    public var members: [Capability] { Capability.allCases.filter { contains($0) } }

    // SetAlgebra over Capability.
    public func union(_ o: CapabilitySet) -> CapabilitySet { CapabilitySet(mask: mask | o.mask) }
    public func intersection(_ o: CapabilitySet) -> CapabilitySet { CapabilitySet(mask: mask & o.mask) }
    public func symmetricDifference(_ o: CapabilitySet) -> CapabilitySet { CapabilitySet(mask: mask ^ o.mask) }
    @discardableResult
    public mutating func insert(_ c: Capability) -> (inserted: Bool, memberAfterInsert: Capability) {
        let was = contains(c)
        mask |= 1 << UInt64(c.rawValue)
        return (!was, c)
    }
    @discardableResult
    public mutating func remove(_ c: Capability) -> Capability? {
        guard contains(c) else { return nil }
        mask &= ~(1 << UInt64(c.rawValue))
        return c
    }
    @discardableResult
    public mutating func update(with c: Capability) -> Capability? {
        let was = contains(c)
        mask |= 1 << UInt64(c.rawValue)
        return was ? c : nil
    }
    public mutating func formUnion(_ o: CapabilitySet) { mask |= o.mask }
    public mutating func formIntersection(_ o: CapabilitySet) { mask &= o.mask }
    public mutating func formSymmetricDifference(_ o: CapabilitySet) { mask ^= o.mask }
    public typealias Element = Capability
    public typealias ArrayLiteralElement = Capability
    public init(arrayLiteral elements: Capability...) { self.init(elements) }

    /// `CAP_NET_ADMIN,CAP_NET_RAW` or `none`.
    public var description: String {
        mask == 0 ? "none" : members.map(\.description).joined(separator: ",")
    }

    /// As /proc/PID/status prints it: 16 hex digits.
    public var procStatusHex: String {
        let hex = String(mask, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }
}
