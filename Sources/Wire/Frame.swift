// One message = one SOCK_SEQPACKET record = one frame:
//
//     offset 0  magic    4 bytes "KAWR"
//            4  version  u16 little endian (Frame.version)
//            6  type     u16 little endian (MessageType)
//            8  length   u32 little endian, payload bytes that follow
//           12  payload  a Codec document (the same encoding as the compiled config)
//
// The record must be exactly 12 + length bytes: shorter is truncated, longer
// is trailing bytes. A frame is at most `Frame.maxSize` bytes; a larger one is
// refused before any payload byte is looked at.
import Codec

public enum Frame {
    public static let magic: [UInt8] = Array("KAWR".utf8)
    /// Bumped on any incompatible change of the header or of a payload.
    public static let version: UInt16 = 1
    public static let headerSize = 12
    /// The whole frame, header included.
    public static let maxSize = 1 << 20
    public static let maxPayload = maxSize - headerSize

    /// The header for a payload of `length` bytes.
    static func header(type: MessageType, length: Int) -> [UInt8] {
        var h = magic
        h.reserveCapacity(headerSize + length)
        h.append(UInt8(truncatingIfNeeded: version))
        h.append(UInt8(truncatingIfNeeded: version >> 8))
        h.append(UInt8(truncatingIfNeeded: type.rawValue))
        h.append(UInt8(truncatingIfNeeded: type.rawValue >> 8))
        let n = UInt32(length)
        h.append(UInt8(truncatingIfNeeded: n))
        h.append(UInt8(truncatingIfNeeded: n >> 8))
        h.append(UInt8(truncatingIfNeeded: n >> 16))
        h.append(UInt8(truncatingIfNeeded: n >> 24))
        return h
    }

    /// Encodes a message into one frame.
    public static func encode(_ message: Message) throws(FrameError) -> [UInt8] {
        let payload: [UInt8]
        do {
            payload = try message.encodePayload()
        } catch {
            throw .unencodable(message.type, error)
        }
        guard payload.count <= maxPayload else { throw .oversize(length: headerSize + payload.count, limit: maxSize) }
        return header(type: message.type, length: payload.count) + payload
    }

    /// Decodes one received record. Never traps; every malformation is a `FrameError`.
    public static func decode(_ bytes: some Collection<UInt8>) throws(FrameError) -> Message {
        let bytes = Array(bytes)
        if bytes.count > maxSize { throw .oversize(length: bytes.count, limit: maxSize) }
        guard bytes.count >= headerSize else { throw .truncated(have: bytes.count, need: headerSize) }
        guard Array(bytes[0..<4]) == magic else {
            throw .badMagic(Array(bytes[0..<4]))
        }
        let version = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        guard version == Frame.version else { throw .unsupportedVersion(version) }
        let rawType = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
        let length = Int(UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24)
        guard length <= maxPayload else { throw .oversize(length: headerSize + length, limit: maxSize) }
        let have = bytes.count - headerSize
        if have < length { throw .truncated(have: bytes.count, need: headerSize + length) }
        if have > length { throw .trailingBytes(count: have - length) }
        guard let type = MessageType(rawValue: rawType) else { throw .unknownType(rawType) }
        let payload = Array(bytes[headerSize...])
        do {
            return try Message.decodePayload(type: type, payload)
        } catch {
            throw .badPayload(type, error)
        }
    }
}

/// Why a record is not a frame we accept. The peer that sent it is closed.
public enum FrameError: Error, Equatable, Sendable, CustomStringConvertible {
    case badMagic([UInt8])
    case unsupportedVersion(UInt16)
    case unknownType(UInt16)
    case oversize(length: Int, limit: Int)
    case truncated(have: Int, need: Int)
    case trailingBytes(count: Int)
    case badPayload(MessageType, CodecError)
    case unencodable(MessageType, CodecError)

    public var description: String {
        switch self {
        case .badMagic(let m): return "bad magic \(m.map { String($0, radix: 16) }.joined(separator: " ")), not a keepalived-swift frame"
        case .unsupportedVersion(let v): return "protocol version \(v), this program speaks \(Frame.version)"
        case .unknownType(let t): return "unknown message type \(t)"
        case .oversize(let n, let limit): return "frame of \(n) bytes exceeds the limit of \(limit)"
        case .truncated(let have, let need): return "truncated frame: \(have) of \(need) bytes"
        case .trailingBytes(let n): return "\(n) trailing byte(s) after the payload"
        case .badPayload(let t, let e): return "malformed \(t) payload: \(e)"
        case .unencodable(let t, let e): return "cannot encode \(t): \(e)"
        }
    }
}
