// Each program's user and capabilities, in one table: the supervisor spawns
// a daemon with exactly these, the daemon's sandbox enforces them when it
// is started alone, and the tests compare /proc/PID/status against them.
// The man pages and units document the same values.
import ConfigModel
import Posix
import Wire

public struct ProgramProfile: Sendable, Equatable {
    public var program: ProgramName
    /// The dedicated user (created by scripts/setup.sh).
    public var user: String
    public var capabilities: CapabilitySet
    /// Default pid file, keepalived's names.
    public var pidFile: String

    public static func of(_ p: ProgramName) -> ProgramProfile {
        switch p {
        case .supervisor:
            // Stays root; keeps what it needs to start the daemons with their
            // capabilities, run scripts as other users and stop children, plus
            // CAP_DAC_READ_SEARCH to hand to kaconf so a root-only config is readable.
            return ProgramProfile(program: p, user: "root",
                                  capabilities: [.netRaw, .netAdmin, .setuid, .setgid, .setpcap, .kill, .dacReadSearch],
                                  pidFile: PidFile.supervisorDefault)
        case .vrrpd:
            return ProgramProfile(program: p, user: "keepalived-vrrpd", capabilities: [.netRaw, .netAdmin],
                                  pidFile: PidFile.vrrpDefault)
        case .checkd:
            return ProgramProfile(program: p, user: "keepalived-checkd", capabilities: .none,
                                  pidFile: PidFile.checkersDefault)
        case .ipvsApplier:
            return ProgramProfile(program: p, user: "keepalived-ipvs", capabilities: [.netAdmin],
                                  pidFile: "/run/ipvs-applier.pid")
        }
    }

    /// What `program` holds for `config`: its profile, plus the capabilities
    /// the configuration asks for (`conditionalCapabilities`).
    public static func of(_ p: ProgramName, for config: KeepalivedConfiguration) -> ProgramProfile {
        var profile = of(p)
        for (cap, _) in conditionalCapabilities(p, for: config) { profile.capabilities.insert(cap) }
        return profile
    }

    /// Capabilities a program holds only when its configuration needs them,
    /// each with the reason that is logged when it is granted.
    public static func conditionalCapabilities(_ p: ProgramName, for config: KeepalivedConfiguration) -> [(Capability, String)] {
        switch p {
        case .checkd:
            // SO_MARK on a probe's socket is refused without CAP_NET_ADMIN.
            return config.usesCheckerFwmark ? [(.netAdmin, "a checker sets fwmark (SO_MARK)")] : []
        case .supervisor, .vrrpd, .ipvsApplier:
            return []
        }
    }

    /// The most `conditionalCapabilities` can ever add for `p`: a daemon refuses
    /// anything else it is told to keep.
    public static func optionalCapabilities(_ p: ProgramName) -> CapabilitySet {
        switch p {
        case .checkd: return [.netAdmin]
        case .supervisor, .vrrpd, .ipvsApplier: return .none
        }
    }

    /// The user kaconf runs as when the supervisor compiles, and its one capability.
    public static let compilerUser = "keepalived-kaconf"
    public static let compilerCapabilities: CapabilitySet = [.dacReadSearch]
}
