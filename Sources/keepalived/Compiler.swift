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
    /// Where kaconf writes the compiled file (a fresh directory each time).
    var workDirectory = "/run/keepalived"
    static let timeout: Duration = .seconds(120)

    /// The compiled configuration of `path`.
    func compile(_ path: String) throws(CompileFailure) -> CompiledConfig {
        if let head = try? openDescriptor(path, flags: O_RDONLY).readAll(limit: 4), CompiledFile.looksCompiled(head) {
            do {
                return try CompiledFile.load(path)
            } catch {
                throw CompileFailure(summary: "\(path): \(error)", diagnostics: [])
            }
        }
        // kaconf writes its output beside the target and renames it into
        // place, so it gets a directory of its own: root's, group-writable
        // for kaconf's group only. We read the result with
        // CAP_DAC_READ_SEARCH and remove it as the directory's owner.
        let dir = try compileDirectory()
        defer {
            _ = unlink("\(dir)/compiled.kacf")
            _ = rmdir(dir)
        }
        let output = "\(dir)/compiled.kacf"
        var args = [kaconfPath, "compile", path, "-o", output]
        if let configID { args += ["--config-id", configID] }
        let r = try run(args)
        let diagnostics = lines(r.stderr)
        guard r.status == .exited(0), !r.timedOut else {
            let why = r.timedOut ? "timed out" : r.status.description
            throw CompileFailure(summary: "compiling \(path) failed (kaconf \(why))", diagnostics: diagnostics)
        }
        do {
            return try CompiledFile.load(output)
        } catch {
            throw CompileFailure(summary: "kaconf produced an unreadable compiled configuration: \(error)",
                                 diagnostics: diagnostics)
        }
    }

    func compileDirectory() throws(CompileFailure) -> String {
        let user: ResolvedUser
        do { user = try UserDirectory.resolve(user: ProgramProfile.compilerUser) } catch {
            throw CompileFailure(summary: "cannot run kaconf: \(error) (scripts/setup.sh creates it)", diagnostics: [])
        }
        _ = mkdir(workDirectory, 0o755)
        var template = Array("\(workDirectory)/compile.XXXXXX".utf8CString)
        // Created with kaconf's group as our effective group (CAP_SETGID),
        // since changing a file's group afterwards would need CAP_CHOWN.
        guard setegid(user.gid) == 0 else {
            throw CompileFailure(summary: "cannot take kaconf's group \(user.gid): \(Errno.current)", diagnostics: [])
        }
        let made = mkdtemp(&template)
        let e = Errno.current
        _ = setegid(0)
        guard made != nil else {
            throw CompileFailure(summary: "cannot create a directory in \(workDirectory): \(e)", diagnostics: [])
        }
        let dir = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard chmod(dir, 0o770) == 0 else {
            let e = Errno.current
            _ = rmdir(dir)
            throw CompileFailure(summary: "cannot prepare \(dir) for kaconf: \(e)", diagnostics: [])
        }
        return dir
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
