// Getting a compiled configuration: a file kaconf already compiled is read
// as it is; a text file is compiled by running kaconf as its own
// unprivileged user holding only CAP_DAC_READ_SEARCH (so a root-only
// keepalived.conf and its includes are readable, and nothing else is
// granted). The supervisor itself never contains the parser.
import Codec
import ConfigModel
import DaemonSupport
import Glibc
import Posix
import Reactor

struct CompileFailure: Error, CustomStringConvertible {
    var summary: String
    /// kaconf's diagnostics, one per line, as it printed them.
    var diagnostics: [String]
    var description: String { summary }
}

struct ConfigCompiler {
    var kaconfPath: String
    var configID: String?
    static let timeout: Duration = .seconds(120)

    /// The compiled configuration of `path`.
    func compile(_ path: String) throws(CompileFailure) -> CompiledConfig {
        if let head = try? openDescriptor(path, flags: O_RDONLY).readAll(limit: 4), CompiledConfig.looksCompiledFile(head) {
            do {
                return try CompiledConfig.loadFile(from: readFile(path, limit: 1 << 30))
            } catch {
                throw CompileFailure(summary: "\(path): \(error)", diagnostics: [])
            }
        }
        var args = [kaconfPath, "compile", path, "-o", "/dev/stdout"]
        if let configID { args += ["--config-id", configID] }
        let r = try run(args)
        let diagnostics = lines(r.stderr)
        guard r.status == .exited(0), !r.timedOut else {
            let why = r.timedOut ? "timed out" : r.status.description
            throw CompileFailure(summary: "compiling \(path) failed (kaconf \(why))", diagnostics: diagnostics)
        }
        do {
            return try CompiledConfig.loadFile(from: r.stdout)
        } catch {
            throw CompileFailure(summary: "kaconf produced an unreadable compiled configuration: \(error)",
                                 diagnostics: diagnostics)
        }
    }

    /// Runs kaconf as its user with only CAP_DAC_READ_SEARCH.
    func run(_ argv: [String]) throws(CompileFailure) -> Collected {
        let user: ResolvedUser
        do { user = try UserDirectory.resolve(user: ProgramProfile.compilerUser) } catch {
            throw CompileFailure(summary: "cannot run kaconf: \(error) (scripts/setup.sh creates it)", diagnostics: [])
        }
        let spec = SpawnSpec(path: kaconfPath, arguments: argv, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"],
                             identity: user.identity, capabilities: ProgramProfile.compilerCapabilities,
                             limitBoundingSet: true, newProcessGroup: true)
        do {
            return try runCollecting(spec, timeout: ConfigCompiler.timeout)
        } catch {
            throw CompileFailure(summary: "cannot run \(kaconfPath): \(error)", diagnostics: [])
        }
    }

    func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

extension CompiledConfig {
    /// The compiled file layout: "KACF", u32 little-endian format version, a Codec document.
    static func looksCompiledFile(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && Array(bytes.prefix(4)) == CompiledConfig.magic
    }

    static func loadFile(from bytes: [UInt8]) throws -> CompiledConfig {
        guard bytes.count >= 8, looksCompiledFile(bytes) else { throw CodecError.invalidValue("not a compiled configuration (no KACF header)") }
        var version: UInt32 = 0
        for i in 0..<4 { version |= UInt32(bytes[4 + i]) << UInt32(8 * i) }
        guard version == CompiledConfig.formatVersion else {
            throw CodecError.invalidValue("compiled configuration format \(version), this keepalived reads \(CompiledConfig.formatVersion)")
        }
        return try Codec.decode(CompiledConfig.self, from: Array(bytes[8...]))
    }

    func fileBytes() throws -> [UInt8] {
        var out = CompiledConfig.magic
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: CompiledConfig.formatVersion >> UInt32(shift))) }
        return out + (try Codec.encode(self))
    }
}
