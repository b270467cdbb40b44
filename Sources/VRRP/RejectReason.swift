// Why a received packet was dropped. Each reason has its own counter; the
// instance-level ones follow keepalived's validation order (reference §4.3).

/// Drops decided before an instance is found (per receiving socket).
public enum DropReason: Int, Error, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Shorter than an IP header plus a VRRP header (and AH when present).
    case truncated
    /// Not an IPv4 header, or the header length field is impossible.
    case malformedIPHeader
    /// An IP protocol other than VRRP (112) or AH (51).
    case notVRRP
    /// AH whose next header is not VRRP: keepalived drops these silently.
    case ahNextHeaderNotVRRP
    /// No instance on this interface and family has the packet's VRID.
    case unknownVRID
    /// IPv6 without the source, destination or hop limit the kernel reports.
    case missingMetadata

    public var description: String {
        switch self {
        case .truncated: return "truncated packet"
        case .malformedIPHeader: return "malformed IP header"
        case .notVRRP: return "not a VRRP packet"
        case .ahNextHeaderNotVRRP: return "AH next header is not VRRP"
        case .unknownVRID: return "no instance for this VRID"
        case .missingMetadata: return "missing packet metadata"
        }
    }

    /// A short stable name for status output and tests.
    public var name: String {
        switch self {
        case .truncated: return "truncated"
        case .malformedIPHeader: return "malformedIPHeader"
        case .notVRRP: return "notVRRP"
        case .ahNextHeaderNotVRRP: return "ahNextHeaderNotVRRP"
        case .unknownVRID: return "unknownVRID"
        case .missingMetadata: return "missingMetadata"
        }
    }
}

/// Drops decided by an instance, in the order it checks them.
public enum RejectReason: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case unexpectedAH
    case missingAH
    case lengthMismatch
    case wrongTTL
    case wrongVersion
    case invalidAuthType
    case authTypeMismatch
    case authFailure
    case ahICVMismatch
    case ahSPIMismatch
    case ahReplay
    case advertIntervalMismatch
    case wrongType
    case addressCountMismatch
    case ipLengthMismatch
    case badChecksum
    case destinationMismatch
    case addressListMismatch
    case unknownUnicastPeer
    case unicastTTLOutOfRange

    /// Wording close to keepalived's log lines, so operators recognise them.
    public var description: String {
        switch self {
        case .unexpectedAH: return "received AH header but auth type is not AH"
        case .missingAH: return "no AH header but auth type is AH"
        case .lengthMismatch: return "packet length does not match its address count"
        case .wrongTTL: return "invalid TTL/HL (multicast adverts must arrive with 255)"
        case .wrongVersion: return "wrong VRRP version"
        case .invalidAuthType: return "invalid authentication type"
        case .authTypeMismatch: return "authentication type mismatch"
        case .authFailure: return "authentication failure (password mismatch)"
        case .ahICVMismatch: return "invalid IPSEC HMAC-MD5 value"
        case .ahSPIMismatch: return "IPSEC AH SPI is not the source address"
        case .ahReplay: return "IPSEC AH sequence number already processed"
        case .advertIntervalMismatch: return "advertisement interval mismatch"
        case .wrongType: return "invalid VRRP packet type"
        case .addressCountMismatch: return "received an unexpected ip number count"
        case .ipLengthMismatch: return "IP total length does not match the packet"
        case .badChecksum: return "invalid VRRP checksum"
        case .destinationMismatch: return "multicast/unicast destination does not match the instance"
        case .addressListMismatch: return "a virtual address is not present in the MASTER advert"
        case .unknownUnicastPeer: return "unicast advert from an address that is not a configured peer"
        case .unicastTTLOutOfRange: return "unicast advert TTL outside the peer's min_ttl/max_ttl"
        }
    }

    /// A short stable name for status output and tests.
    public var name: String {
        switch self {
        case .unexpectedAH: return "unexpectedAH"
        case .missingAH: return "missingAH"
        case .lengthMismatch: return "lengthMismatch"
        case .wrongTTL: return "wrongTTL"
        case .wrongVersion: return "wrongVersion"
        case .invalidAuthType: return "invalidAuthType"
        case .authTypeMismatch: return "authTypeMismatch"
        case .authFailure: return "authFailure"
        case .ahICVMismatch: return "ahICVMismatch"
        case .ahSPIMismatch: return "ahSPIMismatch"
        case .ahReplay: return "ahReplay"
        case .advertIntervalMismatch: return "advertIntervalMismatch"
        case .wrongType: return "wrongType"
        case .addressCountMismatch: return "addressCountMismatch"
        case .ipLengthMismatch: return "ipLengthMismatch"
        case .badChecksum: return "badChecksum"
        case .destinationMismatch: return "destinationMismatch"
        case .addressListMismatch: return "addressListMismatch"
        case .unknownUnicastPeer: return "unknownUnicastPeer"
        case .unicastTTLOutOfRange: return "unicastTTLOutOfRange"
        }
    }
}

/// Counters indexed by a CaseIterable Int enum; fixed storage, no per-packet allocation.
public struct ReasonCounters<Reason: CaseIterable & RawRepresentable & Hashable>: Hashable, Sendable
where Reason.RawValue == Int {
    private var counts: [UInt64]

    public init() { counts = [UInt64](repeating: 0, count: Reason.allCases.count) }

    public subscript(_ r: Reason) -> UInt64 {
        get { counts[r.rawValue] }
        set { counts[r.rawValue] = newValue }
    }

    public mutating func increment(_ r: Reason) { counts[r.rawValue] &+= 1 }

    public var total: UInt64 { counts.reduce(0, &+) }

    /// Non-zero counters, in declaration order.
    public var nonZero: [(Reason, UInt64)] {
        Reason.allCases.compactMap { r in counts[r.rawValue] == 0 ? nil : (r, counts[r.rawValue]) }
    }
}
