// Reading the compiled configuration kaconf writes, and the slice of it a
// program loads. The layout is ConfigModel's (CompiledConfig.magic, a u32
// little-endian format version, then the Codec document).
import Codec
import ConfigModel
import Posix
import Wire

public enum CompiledFile {
    public static func looksCompiled(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && Array(bytes.prefix(4)) == CompiledConfig.magic
    }

    public static func decode(_ bytes: [UInt8]) throws(CodecError) -> CompiledConfig {
        guard bytes.count >= 8, looksCompiled(bytes) else { throw .invalidValue("not a compiled configuration (no KACF header): compile it with 'kaconf compile'") }
        var version: UInt32 = 0
        for i in 0..<4 { version |= UInt32(bytes[4 + i]) << UInt32(8 * i) }
        guard version == CompiledConfig.formatVersion else {
            throw .invalidValue("compiled configuration format \(version), this program reads \(CompiledConfig.formatVersion): recompile it with the kaconf installed with it")
        }
        return try Codec.decode(CompiledConfig.self, from: Array(bytes[8...]))
    }

    public static func encode(_ c: CompiledConfig) throws(CodecError) -> [UInt8] {
        var out = CompiledConfig.magic
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: CompiledConfig.formatVersion >> UInt32(shift))) }
        return out + (try Codec.encode(c))
    }

    public static func load(_ path: String) throws -> CompiledConfig {
        try decode(try readFile(path, limit: 1 << 30))
    }

    /// The bytes `program` is handed: its slice of the configuration, in the
    /// compiled file's layout.
    public static func slice(_ c: CompiledConfig, for program: ProgramName) throws(CodecError) -> [UInt8] {
        try encode(c)
    }
}
