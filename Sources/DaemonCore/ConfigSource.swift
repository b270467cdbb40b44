// Where a daemon started alone gets its configuration: a compiled file
// (`--compiled`, or `-f` naming a file kaconf already compiled), or a
// keepalived.conf compiled by running kaconf as its own unprivileged user
// holding only CAP_DAC_READ_SEARCH (`-f`). The daemon itself never contains
// the parser. Used by vrrpd and ipvs-applier; load before the sandbox.
import ConfigModel
import Glibc
import Posix
import Reactor

public struct ConfigError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

public enum ConfigSource: Sendable {
    case compiled(String)
    case text(String, configID: String?)

    public var path: String {
        switch self {
        case .compiled(let p), .text(let p, _): return p
        }
    }

    /// The slice of the configuration `program` runs.
    public func load(for program: Program) throws(ConfigError) -> CompiledConfig {
        switch self {
        case .compiled(let path):
            return try ConfigSource.readCompiled(path).slice(for: program)
        case .text(let path, let configID):
            if let head = try? openDescriptor(path, flags: O_RDONLY).readAll(limit: 4), CompiledConfig.looksCompiled(head) {
                return try ConfigSource.readCompiled(path).slice(for: program)
            }
            return try KaconfRunner(configID: configID).compile(path, for: program).slice(for: program)
        }
    }

    static func readCompiled(_ path: String) throws(ConfigError) -> CompiledConfig {
        let bytes: [UInt8]
        do { bytes = try readFile(path, limit: 1 << 30) } catch {
            throw ConfigError(description: "cannot read \(path): \(error)")
        }
        do { return try CompiledConfig.load(from: bytes) } catch {
            throw ConfigError(description: "\(path): \(error)")
        }
    }
}

/// Runs `kaconf compile` into a private directory and reads the result.
public struct KaconfRunner {
    public var configID: String?
    public static let timeout: Duration = .seconds(120)

    public init(configID: String?) { self.configID = configID }

    /// kaconf installed next to the running program, else in the usual places, else on PATH.
    public static var kaconfPath: String {
        let dir = PolicyDirectory.executableDirectory()
        if access(dir + "/kaconf", X_OK) == 0 { return dir + "/kaconf" }
        for dir in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin"] where access(dir + "/kaconf", X_OK) == 0 {
            return dir + "/kaconf"
        }
        return "kaconf"
    }

    public func compile(_ path: String, for program: Program) throws(ConfigError) -> CompiledConfig {
        // As root: kaconf's own user with only CAP_DAC_READ_SEARCH. Otherwise: ourselves, no capabilities.
        var identity: SpawnSpec.Identity?
        if geteuid() == 0, let kaconf = try? UserDirectory.resolve(user: ProgramProfile.compilerUser) {
            identity = SpawnSpec.Identity(uid: kaconf.uid, gid: kaconf.gid, groups: [])
        }
        var template = Array("/tmp/\(program.rawValue)-kaconf.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ConfigError(description: "cannot create a directory for kaconf: \(Errno.current)")
        }
        let dir = String(cString: made)
        let output = "\(dir)/\(program.rawValue).kacf"
        defer {
            unlink(output)
            rmdir(dir)
        }
        if let id = identity { chown(dir, id.uid, id.gid) }
        var args = [KaconfRunner.kaconfPath, "compile", path, "-o", output]
        if let configID { args += ["--config-id", configID] }
        let errPipe: DescriptorPair
        do { errPipe = try makePipe(nonBlocking: true) } catch {
            throw ConfigError(description: "cannot run kaconf: \(error)")
        }
        let spec = SpawnSpec(path: args[0], arguments: args, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                             descriptors: [-1, -1, errPipe.second.rawValue], identity: identity,
                             capabilities: identity == nil ? .none : ProgramProfile.compilerCapabilities,
                             limitBoundingSet: identity != nil)
        let child: ChildProcess
        do { child = try ChildProcess.spawn(spec) } catch {
            throw ConfigError(description: "cannot run kaconf: \(error)")
        }
        let clock = MonotonicClock()
        let deadline = clock.now + KaconfRunner.timeout
        var stderr: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 8192)
        let errFD = errPipe.first.rawValue
        var status: ExitStatus?
        while status == nil {
            var p = [pollfd(fd: errFD, events: Int16(POLLIN), revents: 0),
                     pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&p, 2, 200)
            while true {
                let n = buf.withUnsafeMutableBytes { read(errFD, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                stderr += buf[0..<n]
            }
            status = child.tryReap()
            if status == nil && clock.now > deadline {
                child.kill(SIGKILL)
                throw ConfigError(description: "kaconf did not finish compiling \(path) within \(KaconfRunner.timeout)")
            }
        }
        let diagnostics = String(decoding: stderr, as: UTF8.self)
        guard let status, status == .exited(0) else {
            throw ConfigError(description: "kaconf could not compile \(path) (\(status.map { "\($0)" } ?? "no status")):\n\(diagnostics)")
        }
        do {
            return try CompiledConfig.load(from: try readFile(output, limit: 1 << 30))
        } catch {
            throw ConfigError(description: "kaconf's output for \(path) is unreadable: \(error)")
        }
    }
}
