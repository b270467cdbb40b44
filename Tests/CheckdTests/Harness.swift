// Runs the real checkd against real servers: a compiled configuration
// written by the test, a stand-in ipvs-applier on checkd's named socket that
// records every verdict with its arrival time, and the servers from
// Tests/peers/checkd_peers.py.
import Foundation
import Testing
import ConfigModel
import Posix
import TestSupport
import Wire

/// Records what checkd tells ipvs-applier.
final class FakeApplier: @unchecked Sendable {
    struct Received: CustomStringConvertible {
        var at: Date
        var message: Message
        var description: String {
            switch message {
            case .realServerVerdict(let v): return "\(v.realServer) \(v.up ? "UP w=\(v.weight)" : "DOWN") (\(v.reason))"
            case .virtualServerState(let s): return "\(s.virtualServer) quorum=\(s.quorumUp) sorry=\(s.sorryServerActive)"
            case .realServerFullState(let f): return "full state part \(f.part): \(f.verdicts.count) rs"
            default: return "\(message.type)"
            }
        }
    }
    private let lock = NSLock()
    private var _received: [Received] = []
    private var stopFlag = false
    private var thread: Thread?
    let path: String

    init(path: String) throws {
        self.path = path
        let listener = try SeqPacket.listen(at: path, mode: 0o666)
        let lfd = listener.release()
        let t = Thread { [self] in
            var conns: [Channel] = []
            while !self.isStopped {
                var fds = [pollfd(fd: lfd, events: Int16(POLLIN), revents: 0)] + conns.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
                _ = poll(&fds, nfds_t(fds.count), 50)
                if fds[0].revents != 0, let s = try? SeqPacket.accept(on: lfd) { conns.append(Channel(peer: .checkd, socket: s)) }
                var keep: [Channel] = []
                for c in conns {
                    do {
                        while let m = try c.receive() { self.append(Received(at: Date(), message: m)) }
                        keep.append(c)
                    } catch { c.close() }
                }
                conns = keep
            }
            for c in conns { c.close() }
            close(lfd)
        }
        thread = t
        t.start()
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopFlag }
    private func append(_ r: Received) { lock.lock(); _received.append(r); lock.unlock() }
    var received: [Received] { lock.lock(); defer { lock.unlock() }; return _received }
    func stop() { lock.lock(); stopFlag = true; lock.unlock() }

    /// Verdicts for the real server on `port`, in order: incremental ones and
    /// those carried by full states (`full` true).
    func verdicts(port: UInt16, address: String? = nil) -> [(at: Date, up: Bool, reason: String, full: Bool)] {
        received.flatMap { r -> [(Date, Bool, String, Bool)] in
            func match(_ v: RealServerVerdict) -> Bool { v.realServer.port == port && (address == nil || v.realServer.address.description == address) }
            switch r.message {
            case .realServerVerdict(let v) where match(v): return [(r.at, v.up, v.reason, false)]
            case .realServerFullState(let f): return f.verdicts.filter(match).map { (r.at, $0.up, $0.reason, true) }
            default: return []
            }
        }
    }

    func lastState(port: UInt16, address: String? = nil) -> Bool? { verdicts(port: port, address: address).last?.up }

    /// The last sorry-server state of the (only) virtual server.
    func sorryActive() -> Bool? {
        var st: Bool?
        for r in received {
            switch r.message {
            case .virtualServerState(let s): st = s.sorryServerActive
            case .realServerFullState(let f): if let s = f.virtualServers.last { st = s.sorryServerActive }
            default: break
            }
        }
        return st
    }

    func waitFor(timeout: Double, _ cond: () -> Bool) -> Bool { waitUntil(timeout: timeout, cond) }
}

/// A checkd process with its runtime directory and configuration: the
/// test's keepalived.conf, compiled by the real kaconf as an operator would
/// (`kaconf compile keepalived.conf -o keepalived.kacf`, then `checkd -f`).
final class CheckdRun {
    let dir: TempDirectory
    let applier: FakeApplier
    var process: Spawned!
    let textPath: String
    let configPath: String
    var netns: Netns?

    init(conf: String, netns: Netns? = nil, extraArgs: [String] = []) throws {
        dir = try TempDirectory("ka-checkd")
        // checkd drops to its own user: it must create its socket here and read the config.
        chmod(dir.path, 0o1777)
        textPath = dir.file("keepalived.conf")
        configPath = dir.file("keepalived.kacf")
        self.netns = netns
        try CheckdRun.compile(conf, text: textPath, to: configPath)
        // Where DaemonSupport's PeerSockets look for ipvs-applier.
        try FileManager.default.createDirectory(atPath: dir.file("ipvs-applier"), withIntermediateDirectories: true)
        applier = try FakeApplier(path: dir.file("ipvs-applier/ipvs-applier.sock"))
        let argv = [TestEnvironment.binary("checkd"), "-f", configPath, "--runtime-dir", dir.path, "-l", "-D", "-G"] + extraArgs
        if let netns {
            process = try netns.spawn(argv, outputFile: dir.file("checkd.log"))
        } else {
            process = try Spawned(argv, outputFile: dir.file("checkd.log"))
        }
    }

    /// Writes `conf` to `text` and compiles it with kaconf into `path`
    /// (atomically: kaconf writes beside the target and renames).
    static func compile(_ conf: String, text: String, to path: String) throws {
        try conf.write(toFile: text, atomically: true, encoding: .utf8)
        let r = try run([TestEnvironment.binary("kaconf"), "compile", text, "-o", path])
        guard r.status == 0 else { throw TestFailure("kaconf compile failed (\(r.status)):\n\(r.stderr)\n\(conf)") }
        chmod(path, 0o644)
    }

    /// A new keepalived.conf, compiled, then SIGHUP (checkd's ka-script-host reloads the file).
    func reload(conf: String) throws {
        try CheckdRun.compile(conf, text: textPath, to: configPath)
        process.signal(SIGHUP)
    }

    var log: String { process.output }

    /// Log lines containing `text`.
    func logLines(containing text: String) -> [String] { log.split(separator: "\n").filter { $0.contains(text) }.map(String.init) }

    /// A field of /proc/PID/status (e.g. "CapEff").
    func status(_ name: String) -> String { procStatus(pid: process.pid, name) }

    func stop() {
        process.signal(SIGTERM)
        if !waitUntil(timeout: 15, { !self.process.isRunning }) { process.signal(SIGKILL) }
        process.process.waitUntilExit()
        applier.stop()
    }

    func cleanup() {
        dir.remove()
    }
}

/// A field of /proc/PID/status, its value trimmed ("?" when absent).
func procStatus(pid: Int32, _ name: String) -> String {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    return status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
        .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
}

/// The pieces of keepalived.conf the tests repeat; each test writes its own
/// virtual servers as text, as an operator would.
enum Conf {
    /// global_defs with a router_id, plus `extra` lines.
    static func global(_ extra: String = "") -> String {
        "global_defs {\n  router_id checkd-test\n\(extra)\n}\n"
    }

    /// A virtual server `address`:`port` (rr, NAT) around `body`.
    static func vs(at address: String = "10.9.9.9", port: UInt16 = 80, proto: String = "TCP", delayLoop: String = "1",
                   _ body: String) -> String {
        """
        virtual_server \(address) \(port) {
          delay_loop \(delayLoop)
          lb_algo rr
          lb_kind NAT
          protocol \(proto)
        \(body)
        }

        """
    }

    /// A real server with one checker block.
    static func rs(_ address: String, _ port: UInt16, _ checker: String, _ extra: String = "") -> String {
        "  real_server \(address) \(port) {\n\(extra)\n    \(checker)\n  }"
    }

    /// A real server on 127.0.0.1.
    static func rs(_ port: UInt16, _ checker: String) -> String { rs("127.0.0.1", port, checker) }

    /// A TCP_CHECK with the tests' usual short timings.
    static func tcp(retry: Int = 0, delayBeforeRetry: String = "0.5", connectTimeout: String = "1", _ extra: String = "") -> String {
        "TCP_CHECK {\n      connect_timeout \(connectTimeout)\n      retry \(retry)\n      delay_before_retry \(delayBeforeRetry)\n      warmup 0\n\(extra)\n    }"
    }
}

/// A test peer from Tests/peers/checkd_peers.py, stopped by `stop()`.
final class Peer {
    let process: Spawned
    let port: UInt16
    let log: TempDirectory

    init(_ kind: String, _ extra: [String] = [], netns: Netns? = nil) throws {
        let logDir = try TempDirectory("ka-peer")
        log = logDir
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/peers/checkd_peers.py").path
        let argv = ["/usr/bin/python3", script, kind] + extra
        let out = logDir.file("out")
        let p = try netns.map { try $0.spawn(argv, outputFile: out) } ?? Spawned(argv, outputFile: out)
        process = p
        var found: UInt16?
        _ = p.waitForOutput(timeout: 20) { out in
            for line in out.split(separator: "\n") where line.hasPrefix("PORT ") {
                found = UInt16(line.dropFirst(5))
                return true
            }
            return false
        }
        guard let found else {
            p.signal(SIGKILL)
            throw TestFailure("peer \(kind) did not start: \(p.output)")
        }
        port = found
    }

    var output: String { process.output }

    func stop() {
        // SIGKILL: children of the test runner may inherit a blocked SIGTERM.
        process.signal(SIGKILL)
        process.process.waitUntilExit()
    }
}
