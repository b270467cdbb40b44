// A supervisor under test: its own directory with copies of `keepalived`
// and of the test-only `ka-testchild` installed as vrrpd, checkd and
// ipvs-applier (so the supervisor, which finds its daemons next to itself,
// starts them), a control FIFO and an events file per child, a compiled
// configuration, and its log.
import Codec
import ConfigModel
import Foundation
import TestSupport
import Testing

final class Harness: @unchecked Sendable {
    let dir: TempDirectory
    let bin: String
    var process: Spawned?
    let configPath: String
    static let roles = ["vrrpd", "checkd", "ipvs-applier"]

    init(_ tag: String, config: CompiledConfig) throws {
        dir = try TempDirectory("ka-sup-\(tag)")
        bin = dir.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        chmod(bin, 0o755)
        // A directory scripts (as other users) may write their findings to.
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        chmod(dir.file("out"), 0o777)
        try Harness.copy(TestEnvironment.binary("keepalived"), to: "\(bin)/keepalived")
        try Harness.copy(TestEnvironment.binary("ka-script-host"), to: "\(bin)/ka-script-host")
        for r in Harness.roles {
            try Harness.copy(TestEnvironment.binary("ka-testchild"), to: "\(bin)/\(r)")
            guard mkfifo("\(bin)/\(r).ctl", 0o666) == 0 else { throw TestFailure("mkfifo failed") }
            chmod("\(bin)/\(r).ctl", 0o666)
            _ = FileManager.default.createFile(atPath: "\(bin)/\(r).events", contents: nil)
            chmod("\(bin)/\(r).events", 0o666)
        }
        configPath = dir.file("keepalived.kacf")
        try Harness.writeCompiled(config, to: configPath)
        if FileManager.default.isExecutableFile(atPath: TestEnvironment.binary("kaconf")) {
            try Harness.copy(TestEnvironment.binary("kaconf"), to: "\(bin)/kaconf")
        }
    }

    /// A harness running a keepalived.conf text (compiled by kaconf) from a
    /// root-only directory, in a namespace with an eth0 for it to name.
    convenience init(_ tag: String, text: String) throws {
        try self.init(tag, config: Fixtures.vrrpOnly())
        let conf = dir.file("private/keepalived.conf")
        try FileManager.default.createDirectory(atPath: dir.file("private"), withIntermediateDirectories: true)
        chmod(dir.file("private"), 0o700)
        try text.write(toFile: conf, atomically: false, encoding: .utf8)
        chmod(conf, 0o600)
        textConfig = conf
        netns = try Netns("katx")
        try netns!.sh("ip link add eth0 type veth peer name peer0 && ip link set eth0 up && ip link set peer0 up")
    }

    var textConfig: String?
    var netns: Netns?

    func writeText(_ text: String) throws {
        guard let textConfig else { return }
        try text.write(toFile: textConfig, atomically: false, encoding: .utf8)
    }

    static func copy(_ from: String, to: String) throws {
        try copyExecutable(from: from, to: to)
    }

    /// The compiled file, as `kaconf compile` writes it.
    static func writeCompiled(_ c: CompiledConfig, to path: String) throws {
        try Data(try c.serialized()).write(to: URL(fileURLWithPath: path))
    }

    var pidFile: String { dir.file("keepalived.pid") }
    var vrrpPidFile: String { dir.file("vrrp.pid") }
    var checkersPidFile: String { dir.file("checkers.pid") }

    /// Starts the supervisor in the foreground, logging to the console (our log file).
    func start(_ extra: [String] = [], watchdog: Double = 1) throws {
        let ns = netns.map { ["-s", $0.name] } ?? []
        let argv = ["\(bin)/keepalived", "-n", "-l", "-G", "-D", "-f", textConfig ?? configPath, "-p", pidFile, "-r", vrrpPidFile,
                    "-c", checkersPidFile, "--watchdog-period", "\(watchdog)",
                    "--policy-dir", TestEnvironment.packageRoot.appendingPathComponent("policies").path] + ns + extra
        process = try Spawned(argv, outputFile: dir.file("keepalived.log"))
    }

    var log: String { process?.output ?? "" }

    /// Daemons started alone, each by itself.
    var alone: [String: Spawned] = [:]
    var runtimeDirectory: String { dir.file("run") }

    /// `relativeConfig`: started in the configuration's directory and given
    /// its name alone, as an operator types `-f keepalived.conf`.
    func startAlone(_ role: String, _ extra: [String] = [], relativeConfig: Bool = false) throws {
        let config = relativeConfig ? String(configPath.split(separator: "/").last!) : configPath
        let argv = ["\(bin)/\(role)", "-l", "-G", "-D", "--config", config, "--runtime-dir", runtimeDirectory,
                    "--policy-dir", TestEnvironment.packageRoot.appendingPathComponent("policies").path] + extra
        alone[role] = try Spawned(argv, directory: relativeConfig ? dir.path : nil, outputFile: dir.file("\(role).log"))
    }

    func events(_ role: String) -> [String] {
        ((try? String(contentsOfFile: "\(bin)/\(role).events", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// The pid of the latest instance of `role` that reported `started`.
    func pid(_ role: String) -> Int32? {
        events(role).last { $0.hasSuffix(" started pid \($0.split(separator: " ").first ?? "")") }
            .flatMap { Int32($0.split(separator: " ").first ?? "") }
    }

    @discardableResult
    func waitForEvent(_ role: String, timeout: Double = 10, _ match: (String) -> Bool) -> String? {
        var found: String?
        _ = waitUntil(timeout: timeout) {
            found = events(role).first(where: match)
            return found != nil
        }
        return found
    }

    func waitForLog(timeout: Double = 10, _ text: String) -> Bool {
        waitUntil(timeout: timeout) { self.log.contains(text) }
    }

    /// Sends a command line to one child's control FIFO.
    func command(_ role: String, _ line: String) throws {
        let fd = open("\(bin)/\(role).ctl", O_WRONLY | O_NONBLOCK)
        guard fd >= 0 else { throw TestFailure("cannot open \(role).ctl") }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw TestFailure("short write to \(role).ctl") }
    }

    /// The status fields the sandbox tests compare.
    static func procStatus(_ pid: Int32) -> [String: String] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return out
    }

    func stop() {
        process?.stop(grace: 15)
        for (_, p) in alone { p.stop(grace: 5) }
        netns?.remove()
        // KA_KEEP_TEST_DIRS=1 keeps the directories (logs, events) for a look.
        if ProcessInfo.processInfo.environment["KA_KEEP_TEST_DIRS"] == nil { dir.remove() }
    }
}

/// Every test here that starts real processes, one at a time: they are
/// timed against watchdog periods and share the two CPUs with the rest.
@Suite(.serialized) struct RunsProcesses {}

/// Configurations for the tests.
enum Fixtures {
    static func script(_ id: Int, _ argv: [String], user: String? = nil, timeout: Int64? = nil) -> Script {
        Script(id: ScriptID(id), argv: argv, user: user, timeout: timeout.map { .seconds($0) })
    }

    /// One VRRP instance and one virtual server: all three daemons run.
    static func both(scripts: [Script] = []) -> CompiledConfig {
        var c = CompiledConfig()
        var vi = VRRPInstance(name: "VI_1")
        vi.notifyMaster = scripts.first
        c.config.vrrpInstances = [vi]
        c.config.virtualServers = [VirtualServer(address: .ip(.v4(IPv4Address(10, 0, 0, 1)), port: 80))]
        c.scripts = scripts
        return c
    }

    static func vrrpOnly(scripts: [Script] = []) -> CompiledConfig {
        var c = both(scripts: scripts)
        c.config.virtualServers = []
        return c
    }
}
