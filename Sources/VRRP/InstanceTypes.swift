// The vocabulary of an instance: its states, the events it is given, the
// actions it asks for, and the reasons it gives. Actions are data: the daemon
// carries them out (sockets, netlink, timers), tests just read them.
import ConfigModel

public enum InstanceState: String, Hashable, Sendable, Codable, CustomStringConvertible {
    case initialize = "INIT"
    case backup = "BACKUP"
    case master = "MASTER"
    case fault = "FAULT"
    case stopped = "STOP"
    public var description: String { rawValue }
}

/// The timers an instance owns; arming one replaces its previous deadline.
public enum TimerKind: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// MASTER: time to send the next advert (RFC Adver_Timer).
    case advertisement
    /// BACKUP: no advert from a master for Master_Down_Interval (RFC Master_Down_Timer).
    case masterDown
    /// MASTER: the second gratuitous burst (garp_master_delay, garp_lower_prio_delay).
    case gratuitousDelayed
    /// MASTER: periodic gratuitous refresh (garp_master_refresh).
    case gratuitousRefresh
    public var description: String { "\(self)" }
}

/// Why an instance is in FAULT; FAULT lasts while any reason remains.
/// Tracking (track_interface/script/file/process/bfd) and sync groups add
/// their own reasons here without changing the state machine.
public enum FaultReason: Hashable, Sendable, CustomStringConvertible {
    /// The instance's own interface is down (not with dont_track_primary).
    case interfaceDown(String)
    /// The interface has no usable source address.
    case noSourceAddress
    case trackedInterfaceDown(String)
    case trackScript(String)
    case trackFile(String)
    case trackProcess(String)
    case trackBFD(String)
    /// track_src_ip: the configured source address disappeared.
    case sourceAddressMissing
    /// unicast_fault_no_peer with no peers.
    case noUnicastPeers
    /// Another member of the sync group is in FAULT.
    case syncGroup(String)

    public var description: String {
        switch self {
        case .interfaceDown(let i): return "interface \(i) down"
        case .noSourceAddress: return "no source address"
        case .trackedInterfaceDown(let i): return "tracked interface \(i) down"
        case .trackScript(let s): return "track script \(s) failed"
        case .trackFile(let f): return "track file \(f) failed"
        case .trackProcess(let p): return "track process \(p) failed"
        case .trackBFD(let b): return "track bfd \(b) down"
        case .sourceAddressMissing: return "source address missing"
        case .noUnicastPeers: return "no unicast peers"
        case .syncGroup(let g): return "sync group \(g) member in fault"
        }
    }
}

public enum TransitionReason: Hashable, Sendable, CustomStringConvertible {
    case startup
    /// Priority 255: the address owner takes over at once (RFC 5798 §6.4.1).
    case addressOwner
    case masterDownTimerExpired
    case higherPriorityAdvert(from: IPAddress, priority: UInt8)
    case fault(FaultReason)
    case faultCleared
    case shutdown

    public var description: String {
        switch self {
        case .startup: return "init"
        case .addressOwner: return "address owner"
        case .masterDownTimerExpired: return "master down timer expired"
        case .higherPriorityAdvert(let a, let p): return "advert from \(a) with priority \(p)"
        case .fault(let r): return r.description
        case .faultCleared: return "fault cleared"
        case .shutdown: return "shutdown"
        }
    }
}

public struct StateChange: Hashable, Sendable {
    public var instance: String
    public var from: InstanceState
    public var to: InstanceState
    public var reason: TransitionReason
    /// Effective priority at the change.
    public var priority: UInt8
    public init(instance: String, from: InstanceState, to: InstanceState, reason: TransitionReason, priority: UInt8) {
        self.instance = instance
        self.from = from
        self.to = to
        self.reason = reason
        self.priority = priority
    }
}

public enum LogLevel: Int, Hashable, Sendable, Comparable {
    case debug, info, notice, warning, error
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

public struct LogEntry: Hashable, Sendable, CustomStringConvertible {
    public var level: LogLevel
    public var message: String
    public init(_ level: LogLevel, _ message: String) {
        self.level = level
        self.message = message
    }
    public var description: String { message }
}

public enum Event: Sendable {
    /// Begin running; `localAddress` is the source address adverts use.
    case start(localAddress: IPAddress?)
    case timerFired(TimerKind)
    case packet(ParsedPacket)
    case faultRaised(FaultReason)
    case faultCleared(FaultReason)
    /// Sum of the tracking weights (track_* with a weight): effective priority input.
    case trackingWeightChanged(Int)
    /// The interface's source address appeared, changed or went (nil).
    case localAddressChanged(IPAddress?)
    /// Stop: a priority-0 advert if master, then addresses removed unless kept.
    case shutdown(releaseAddresses: Bool)
    /// Reload with new settings of the same identity (VRID, family, interface, version).
    case reconfigure(InstanceSettings)
}

public enum Action: Hashable, Sendable {
    /// Send one advert with this priority to every destination (group or each peer).
    case sendAdvertisement(priority: UInt8)
    case armTimer(TimerKind, at: Instant)
    case cancelTimer(TimerKind)
    case addAddresses([AddressEntry])
    case removeAddresses([AddressEntry])
    /// `rounds` gratuitous ARPs / unsolicited NAs for every address, interleaved per address.
    case sendGratuitous(rounds: Int)
    case stateChanged(StateChange)
    case log(LogEntry)
}

public struct InstanceCounters: Hashable, Sendable {
    /// Adverts that passed validation.
    public var advertsReceived: UInt64 = 0
    public var advertsSent: UInt64 = 0
    public var becameMaster: UInt64 = 0
    public var releasedMaster: UInt64 = 0
    public var priorityZeroReceived: UInt64 = 0
    public var priorityZeroSent: UInt64 = 0
    /// Lower-priority adverts a preempting backup discarded.
    public var lowerPriorityDiscarded: UInt64 = 0
    public var rejected = ReasonCounters<RejectReason>()
    public init() {}
}
