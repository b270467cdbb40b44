// Where ipvs-applier's configuration comes from when it runs alone: a compiled
// file (`--compiled`), or a keepalived.conf compiled by running kaconf as
// its own unprivileged user holding only CAP_DAC_READ_SEARCH (`-f`).
// ipvs-applier itself never contains the parser. (The same as vrrpd's
// ConfigSource; the two belong in DaemonSupport once both are merged.)
import ConfigModel
import Glibc
import Posix
import Reactor

struct ConfigError: Error, CustomStringConvertible {
    var description: String
}

enum ConfigSource {
    case compiled(String)
    case text(String, configID: String?)

    var path: String {
        switch self {
        case .compiled(let p), .text(let p, _): return p
        }
    }

    func load() throws(ConfigError) -> CompiledConfig {
        switch self {
        case .compiled(let path):
            let bytes: [UInt8]
            do { bytes = try readWholeFile(path) } catch {
                throw ConfigError(description: "cannot read \(path): \(error)")
            }
            do { return try CompiledConfig.load(from: bytes).slice(for: .ipvsApplier) } catch {
                throw ConfigError(description: "\(path): \(error)")
            }
        case .text(let path, let configID):
            return try KaconfRunner(configID: configID).compile(path).slice(for: .ipvsApplier)
        }
    }
}

/// Runs `kaconf compile` into a private directory and reads the result.
struct KaconfRunner {
    var configID: String?
    static let user = "keepalived-kaconf"
    static let timeout: Duration = .seconds(120)

    /// kaconf installed next to ipvs-applier, else on PATH.
    static var kaconfPath: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        if n > 0 {
            let exe = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let dir = exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            if access(dir + "/kaconf", X_OK) == 0 { return dir + "/kaconf" }
        }
        for dir in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin"] where access(dir + "/kaconf", X_OK) == 0 {
            return dir + "/kaconf"
        }
        return "kaconf"
    }

    func compile(_ path: String) throws(ConfigError) -> CompiledConfig {
        // As root: kaconf's own user with only CAP_DAC_READ_SEARCH. Otherwise: ourselves, no capabilities.
        var identity: SpawnSpec.Identity?
        if geteuid() == 0, let pw = getpwnam(KaconfRunner.user) {
            identity = SpawnSpec.Identity(uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid, groups: [])
        }
        var template = Array("/tmp/ipvs-applier-kaconf.XXXXXX".utf8CString)
        guard let dirp = mkdtemp(&template) else {
            throw ConfigError(description: "cannot create a directory for kaconf: \(Errno.current)")
        }
        let dir = String(cString: dirp)
        defer {
            unlink(dir + "/ipvs-applier.kacf")
            rmdir(dir)
        }
        if let id = identity { chown(dir, id.uid, id.gid) }
        var args = [KaconfRunner.kaconfPath, "compile", path, "-o", dir + "/ipvs-applier.kacf"]
        if let configID { args += ["--config-id", configID] }
        let errPipe: DescriptorPair
        do { errPipe = try makePipe(nonBlocking: true) } catch {
            throw ConfigError(description: "cannot run kaconf: \(error)")
        }
        let spec = SpawnSpec(path: args[0], arguments: args, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                             descriptors: [-1, -1, errPipe.second.rawValue], identity: identity,
                             capabilities: identity == nil ? .none : CapabilitySet([.dacReadSearch]),
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
        guard status == .exited(0) else {
            throw ConfigError(description: "kaconf could not compile \(path) (\(status!)):\n\(diagnostics)")
        }
        do {
            return try CompiledConfig.load(from: try readWholeFile(dir + "/ipvs-applier.kacf"))
        } catch {
            throw ConfigError(description: "kaconf's output for \(path) is unreadable: \(error)")
        }
    }
}

/// A file's bytes (compiled configurations are at most a few MB).
func readWholeFile(_ path: String) throws(SysError) -> [UInt8] {
    let d = try openDescriptor(path, flags: O_RDONLY)
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let fd = d.rawValue
        let n = try sys("read(\(path))") { buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
        if n == 0 { return out }
        out += buf[0..<n]
    }
}
