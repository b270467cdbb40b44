// Who speaks on a channel. Under the supervisor a peer is known by the
// inherited descriptor it speaks on (a socketpair reports its creator's
// credentials, so SO_PEERCRED proves nothing there); on a named socket by
// SO_PEERCRED against the uid expected for that program.

public enum ProgramName: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case supervisor = "keepalived"
    case vrrpd
    case checkd
    case ipvsApplier = "ipvs-applier"
    public var description: String { rawValue }
}
