// The compiled file: what `kaconf compile` writes and every daemon loads.
//
//     "KACF"  u32 little-endian format version  Codec document (CompiledConfig)
//
// The version comes before the document so a loader can refuse a file from
// another kaconf without trying to decode it.

import Codec

public enum CompiledConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    case notCompiledConfig
    case unsupportedVersion(found: UInt32, supported: UInt32)
    case corrupt(CodecError)

    public var description: String {
        switch self {
        case .notCompiledConfig:
            return "not a compiled keepalived configuration (no KACF header): compile it with 'kaconf compile'"
        case .unsupportedVersion(let found, let supported):
            return "compiled configuration has format version \(found), this program reads version \(supported): "
                + "recompile it with the kaconf installed with this program"
        case .corrupt(let e):
            return "compiled configuration is damaged: \(e)"
        }
    }
}

extension CompiledConfig {
    public static let headerSize = 8

    /// Whether `bytes` starts with the compiled file's magic.
    public static func looksCompiled(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count >= 4 && bytes.prefix(4).elementsEqual(magic)
    }

    /// The file's bytes: header, then the encoded document.
    public func serialized() throws(CodecError) -> [UInt8] {
        var out: [UInt8] = []
        for part in try serializedParts() { out += part }
        return out
    }

    /// The file's bytes in parts (the header with the document's key table,
    /// then the document's body in chunks), so a large file can be written
    /// without first copying it into one buffer.
    public func serializedParts() throws(CodecError) -> [[UInt8]] {
        let (keyTable, body) = try Codec.encodeParts(self)
        var header = CompiledConfig.magic
        let v = CompiledConfig.formatVersion
        for shift in stride(from: 0, to: 32, by: 8) { header.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
        header += keyTable
        return [header] + body
    }

    /// Reads a compiled file, refusing other format versions and damaged files.
    public static func load(from bytes: [UInt8]) throws(CompiledConfigError) -> CompiledConfig {
        guard bytes.count >= headerSize, looksCompiled(bytes) else { throw .notCompiledConfig }
        var version: UInt32 = 0
        for i in 0..<4 { version |= UInt32(bytes[4 + i]) << UInt32(8 * i) }
        guard version == formatVersion else { throw .unsupportedVersion(found: version, supported: formatVersion) }
        let config: CompiledConfig
        do {
            config = try Codec.decode(CompiledConfig.self, from: Array(bytes[headerSize...]))
        } catch {
            throw .corrupt(error)
        }
        guard config.formatVersion == formatVersion else {
            throw .unsupportedVersion(found: config.formatVersion, supported: formatVersion)
        }
        return config
    }

    /// The script with this id, or nil when this (sliced) table lacks it.
    /// The table is kept sorted by id, so a slice can drop scripts and keep ids.
    public func script(_ id: ScriptID) -> Script? {
        var lo = 0, hi = scripts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if scripts[mid].id < id { lo = mid + 1 } else { hi = mid }
        }
        return lo < scripts.count && scripts[lo].id == id ? scripts[lo] : nil
    }
}
