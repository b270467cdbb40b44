// Reading the compiled configuration kaconf writes (ConfigModel's file
// layout and loader), and the slice of it each program is handed.
import Codec
import ConfigModel
import Posix
import Wire

public enum CompiledFile {
    public static func looksCompiled(_ bytes: [UInt8]) -> Bool { CompiledConfig.looksCompiled(bytes) }

    public static func decode(_ bytes: [UInt8]) throws(CompiledConfigError) -> CompiledConfig {
        try CompiledConfig.load(from: bytes)
    }

    public static func encode(_ c: CompiledConfig) throws(CodecError) -> [UInt8] { try c.serialized() }

    public static func load(_ path: String) throws -> CompiledConfig {
        try decode(try readFile(path, limit: 1 << 30))
    }

    /// The program's slice of the configuration (its sections and only the
    /// scripts they reference, script numbers kept).
    public static func sliceConfig(_ c: CompiledConfig, for program: ProgramName) -> CompiledConfig {
        guard let p = Program(rawValue: program.rawValue) else { return c }
        return c.slice(for: p)
    }

    /// The bytes `program` is handed: its slice, in the compiled file's layout.
    public static func slice(_ c: CompiledConfig, for program: ProgramName) throws(CodecError) -> [UInt8] {
        try sliceConfig(c, for: program).serialized()
    }
}
