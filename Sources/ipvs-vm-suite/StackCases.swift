// The whole stack as an operator runs it, inside the guest: the real
// `keepalived` supervisor compiling a text keepalived.conf with kaconf and
// spawning checkd and ipvs-applier (each sandboxed as its own user) against
// real servers the case starts on the guest's loopback addresses (Python's
// http.server and a TCP listener). The kernel's table is read with ipvsadm
// after every step: the healthy real servers at start, a stopped server
// removed (or weighted 0 with inhibit_on_failure), back when restarted, the
// sorry server when the quorum is lost, no flap while checkd is killed and
// respawned, a reload touching only the changed virtual server, the table
// emptied on SIGTERM. A second case runs all three daemons (vrrpd too) on a
// veth: the IPVS sync daemon follows vrrpd's MASTER state through the
// supervisor's relay, and -I leaves the table on stop.
import Foundation
import IPVSNetlink
import Netlink
import TestSupport

// MARK: Processes

/// `keepalived` from the build directory, in the foreground, logging to a file.
final class SupervisorUnderTest {
    let dir: String
    let process: Spawned
    var checkersPidFile: String { "\(dir)/checkers.pid" }
    var vrrpPidFile: String { "\(dir)/vrrp.pid" }

    init(config: String, dir: String, arguments: [String]) throws {
        self.dir = dir
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o755)
        let conf = "\(dir)/keepalived.conf"
        try config.write(toFile: conf, atomically: true, encoding: .utf8)
        chmod(conf, 0o644)
        process = try Spawned(["\(DaemonUnderTest.binDirectory)/keepalived", "-n", "-l", "-G", "-f", conf,
                               "-p", "\(dir)/keepalived.pid", "-r", "\(dir)/vrrp.pid", "-c", "\(dir)/checkers.pid",
                               "--policy-dir", DaemonUnderTest.policyDirectory,
                               // The guest is emulated (TCG): a reload under a loaded host once kept
                               // ipvs-applier from answering two 5-second hellos in time.
                               "--watchdog-period", "15"] + arguments,
                              outputFile: "\(dir)/keepalived.log")
    }

    var log: String { process.output }
    var confPath: String { "\(dir)/keepalived.conf" }

    func tail(_ n: Int = 15) -> String { log.split(separator: "\n").suffix(n).joined(separator: " | ") }

    static func pid(in file: String) -> Int32? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The pid the supervisor last logged for `program` ("Starting P child process, pid=N").
    func childPid(_ program: String) -> Int32? {
        let marker = "Starting \(program) child process, pid="
        guard let line = log.split(separator: "\n").last(where: { $0.contains(marker) }),
              let range = line.range(of: marker) else { return nil }
        return Int32(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// How many times the log holds `text`.
    func count(_ text: String) -> Int { log.components(separatedBy: text).count - 1 }

    /// Rewrites the configuration and sends SIGHUP; waits until every child runs the new generation.
    func reload(_ config: String, children: Int, timeout: Double = 60) throws {
        let before = count("runs configuration")
        try config.write(toFile: confPath, atomically: true, encoding: .utf8)
        chmod(confPath, 0o644)
        process.signal(SIGHUP)
        guard waitUntil(timeout: timeout, { self.count("runs configuration") >= before + children }) else {
            throw TestFailure("reload not applied by every child: \(tail())")
        }
    }

    /// SIGTERM; how it ended ("exit 0" when well).
    @discardableResult
    func stop() -> String {
        process.stop(grace: 30)
        let p = process.process
        return p.terminationReason == .uncaughtSignal ? "killed by signal \(p.terminationStatus)" : "exit \(p.terminationStatus)"
    }
}

/// Real servers on the guest's loopback addresses: Python's http.server, or
/// a bare TCP listener that accepts and closes.
final class LoopbackServer {
    let address: String
    let port: UInt16
    let http: Bool
    let dir: String
    private(set) var process: Spawned?

    init(_ address: String, _ port: UInt16, http: Bool, dir: String) {
        self.address = address
        self.port = port
        self.http = http
        self.dir = dir
    }

    static let listener = """
        import socket, sys
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], int(sys.argv[2])))
        s.listen(64)
        print("listening", flush=True)
        while True:
            c, _ = s.accept()
            c.close()
        """

    func start() throws {
        let argv = http
            ? ["/usr/bin/python3", "-u", "-m", "http.server", "\(port)", "--bind", address, "--directory", dir]
            : ["/usr/bin/python3", "-u", "-c", Self.listener, address, "\(port)"]
        process = try Spawned(argv, outputFile: "\(dir)/server-\(address)-\(port).log")
    }

    /// Until it accepts connections.
    func waitListening(timeout: Double = 30) -> Bool {
        waitUntil(timeout: timeout) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            inet_pton(AF_INET, address, &sa.sin_addr)
            return withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }
    }

    func stop() {
        process?.stop(grace: 5)
        process = nil
    }
}

/// Polls `ipvsadm -Sn` until it equals `expected`; returns the last table and the time it took.
func waitForTable(_ expected: [String], timeout: Double) -> (table: [String], seconds: Double, matched: Bool) {
    let t0 = Date()
    var last: [String] = []
    let ok = waitUntil(timeout: timeout) {
        last = (try? Ipvsadm.rules()) ?? []
        if last == expected { return true }
        usleep(150_000)
        return false
    }
    return (last, Date().timeIntervalSince(t0), ok)
}

/// What differs from the sandbox a daemon should be in: its user, exactly
/// `capabilities` (hex, as /proc shows them), no_new_privs, a seccomp filter.
func sandboxProblems(pid: Int32, user: String, capabilities: String) -> [String] {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
    }
    guard !fields.isEmpty else { return ["no /proc/\(pid)/status"] }
    var out: [String] = []
    for f in ["CapEff", "CapPrm", "CapBnd"] where fields[f] != capabilities { out.append("\(f) \(fields[f] ?? "?")") }
    if fields["CapAmb"] != "0000000000000000" { out.append("CapAmb \(fields["CapAmb"] ?? "?")") }
    if fields["NoNewPrivs"] != "1" { out.append("NoNewPrivs \(fields["NoNewPrivs"] ?? "?")") }
    if fields["Seccomp"] != "2" { out.append("Seccomp \(fields["Seccomp"] ?? "?")") }
    if let pw = getpwnam(user) {
        let uid = pw.pointee.pw_uid
        if fields["Uid"]?.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) != Array(repeating: "\(uid)", count: 4) {
            out.append("Uid \(fields["Uid"] ?? "?") is not \(user) (\(uid))")
        }
    } else {
        out.append("no user \(user)")
    }
    return out
}

// MARK: The configuration

/// The text an operator would write. `changed` is the reload's edit: the third
/// virtual server's scheduler, and a second real server for it.
func stackConfig(changed: Bool) -> String {
    func http(_ a: String, inhibit: Bool = false) -> String {
        """
            real_server \(a) 8080 {
                weight 1
        \(inhibit ? "        inhibit_on_failure\n" : "")        HTTP_GET {
                    url {
                        path /
                        status_code 200
                    }
                    connect_timeout 2
                    retry 1
                    delay_before_retry 1
                }
            }

        """
    }
    func tcp(_ a: String, _ port: UInt16) -> String {
        """
            real_server \(a) \(port) {
                weight 1
                TCP_CHECK {
                    connect_timeout 2
                    retry 1
                    delay_before_retry 1
                }
            }

        """
    }
    return """
        global_defs {
            router_id ipvs-guest
        }

        virtual_server 10.200.0.1 80 {
            delay_loop 1
            lb_algo rr
            lb_kind NAT
            protocol TCP
        \(http("127.0.0.2"))\(http("127.0.0.3", inhibit: true))\(http("127.0.0.6"))}

        virtual_server 10.200.0.2 9000 {
            delay_loop 1
            lb_algo rr
            lb_kind NAT
            protocol TCP
            quorum 1
            sorry_server 127.0.0.9 9000
        \(tcp("127.0.0.4", 9000))}

        virtual_server 10.200.0.3 80 {
            delay_loop 1
            lb_algo \(changed ? "wlc" : "rr")
            lb_kind NAT
            protocol TCP
        \(tcp("127.0.0.5", 8080))\(changed ? tcp("127.0.0.7", 8080) : "")}

        """
}

/// The table with the given real servers of the first virtual server up
/// (`inhibited` at weight 0), the second's server or its sorry server, the third's.
func stackTable(first: [String], inhibited: [String] = [], sorry: Bool = false, changed: Bool = false) -> [String] {
    var t = ["-A -t 10.200.0.1:80 -s rr", "-A -t 10.200.0.2:9000 -s rr", "-A -t 10.200.0.3:80 -s \(changed ? "wlc" : "rr")"]
    for a in first { t.append("-a -t 10.200.0.1:80 -r \(a):8080 -m -w 1") }
    for a in inhibited { t.append("-a -t 10.200.0.1:80 -r \(a):8080 -m -w 0") }
    t.append(sorry ? "-a -t 10.200.0.2:9000 -r 127.0.0.9:9000 -m -w 1" : "-a -t 10.200.0.2:9000 -r 127.0.0.4:9000 -m -w 1")
    t.append("-a -t 10.200.0.3:80 -r 127.0.0.5:8080 -m -w 1")
    if changed { t.append("-a -t 10.200.0.3:80 -r 127.0.0.7:8080 -m -w 1") }
    return t.sorted()
}

// MARK: The case

/// One step of the case: what was done, what the table should be, what it was.
struct StackStep: Codable {
    var step: String
    var expected: [String]
    var table: [String]
    var seconds: Double
    var matched: Bool
}

func stackCheckdAndApplier(_ s: Suite, _ r: inout CaseResult) throws {
    let dir = s.scratch("stack")
    let www = "\(dir)/www"
    try? FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
    try "hello from a real server\n".write(toFile: "\(www)/index.html", atomically: true, encoding: .utf8)
    let servers = [LoopbackServer("127.0.0.2", 8080, http: true, dir: www), LoopbackServer("127.0.0.3", 8080, http: true, dir: www),
                   LoopbackServer("127.0.0.4", 9000, http: false, dir: www), LoopbackServer("127.0.0.5", 8080, http: false, dir: www),
                   LoopbackServer("127.0.0.7", 8080, http: false, dir: www)]
    defer { for srv in servers { srv.stop() } }
    let byAddress = Dictionary(uniqueKeysWithValues: servers.map { ($0.address, $0) })
    for srv in servers { try srv.start() }
    for srv in servers where !srv.waitListening() { throw TestFailure("real server \(srv.address):\(srv.port) did not start") }

    // Clients reach the virtual addresses from a namespace (IPVS counts what arrives on an interface).
    let vips = ["10.200.0.1", "10.200.0.2", "10.200.0.3"]
    let client = try ClientNamespace()
    defer { client.remove() }
    for v in vips { _ = try run(["/sbin/ip", "addr", "add", "\(v)/32", "dev", "lo"]) }
    defer { for v in vips { _ = try? run(["/sbin/ip", "addr", "del", "\(v)/32", "dev", "lo"]) } }

    let k = try SupervisorUnderTest(config: stackConfig(changed: false), dir: "\(dir)/run", arguments: ["-C"])
    var steps: [StackStep] = []
    var ok = true
    func expect(_ what: String, _ expected: [String], within timeout: Double = 25) {
        let (table, seconds, matched) = waitForTable(expected, timeout: timeout)
        steps.append(StackStep(step: what, expected: expected, table: table, seconds: seconds, matched: matched))
        r.details.append(String(format: "%@: %@ after %.1f s", what, matched ? "as expected" : "NOT as expected", seconds))
        if !matched {
            ok = false
            r.details += differences(table, expected, label: what)
        }
    }
    defer {
        r.ours = steps.map { ["\($0.step) (\(String(format: "%.1f", $0.seconds)) s, \($0.matched ? "ok" : "differs"))"] + $0.table }
    }

    // 1. Start: the healthy servers; 127.0.0.6 has no server and goes once checked.
    guard k.process.waitForOutput(timeout: 60, { $0.contains("ipvs-applier runs configuration") && $0.contains("checkd runs configuration") }) else {
        throw TestFailure("the supervisor did not start its daemons: \(k.tail(25))")
    }
    expect("start: the healthy real servers", stackTable(first: ["127.0.0.2", "127.0.0.3"]))
    // Both daemons run sandboxed as their own users, with exactly their capabilities.
    for (program, user, caps) in [("checkd", "keepalived-checkd", "0000000000000000"), ("ipvs-applier", "keepalived-ipvs", "0000000000001000")] {
        guard let pid = k.childPid(program) else { ok = false; r.details.append("no pid logged for \(program)"); continue }
        let problems = sandboxProblems(pid: pid, user: user, capabilities: caps)
        r.details.append("\(program) (pid \(pid)) sandbox: \(problems.isEmpty ? "as its profile says" : problems.joined(separator: "; "))")
        if !problems.isEmpty { ok = false }
    }

    // 2-3. A real server stops, then comes back.
    byAddress["127.0.0.2"]!.stop()
    expect("127.0.0.2 stopped: removed", stackTable(first: ["127.0.0.3"]))
    try byAddress["127.0.0.2"]!.start()
    expect("127.0.0.2 restarted: back", stackTable(first: ["127.0.0.2", "127.0.0.3"]))

    // 4-5. inhibit_on_failure: weight 0 instead of removal, then back.
    byAddress["127.0.0.3"]!.stop()
    expect("127.0.0.3 (inhibit_on_failure) stopped: weight 0", stackTable(first: ["127.0.0.2"], inhibited: ["127.0.0.3"]))
    try byAddress["127.0.0.3"]!.start()
    expect("127.0.0.3 restarted: weight 1", stackTable(first: ["127.0.0.2", "127.0.0.3"]))

    // 6-7. The second virtual server's only server stops: quorum lost, the sorry server comes in.
    byAddress["127.0.0.4"]!.stop()
    expect("127.0.0.4 stopped: quorum lost, sorry server in", stackTable(first: ["127.0.0.2", "127.0.0.3"], sorry: true))
    try byAddress["127.0.0.4"]!.start()
    expect("127.0.0.4 restarted: quorum back, sorry server out", stackTable(first: ["127.0.0.2", "127.0.0.3"]))

    // 8. kill -9 of checkd: respawned, and the table never changes meanwhile
    // (127.0.0.6 is down: a respawned checkd must not bring it back).
    let steady = stackTable(first: ["127.0.0.2", "127.0.0.3"])
    guard let checkd = SupervisorUnderTest.pid(in: k.checkersPidFile) else { throw TestFailure("no checkd pid file: \(k.tail())") }
    let appliedBefore = k.count("checkd runs configuration")
    kill(checkd, SIGKILL)
    var samples: [[String]] = []
    let t0 = Date()
    var respawnedAfter: Double?
    // Sample the table while checkd is down, respawned (its start takes seconds
    // under emulation), and through its first checks (a delay_loop and a retry).
    while Date().timeIntervalSince(t0) < 40 {
        if let r = respawnedAfter, Date().timeIntervalSince(t0) > r + 3.5 { break }
        samples.append((try? Ipvsadm.rules()) ?? ["(ipvsadm failed)"])
        if respawnedAfter == nil, k.count("checkd runs configuration") > appliedBefore,
           let p = SupervisorUnderTest.pid(in: k.checkersPidFile), p != checkd {
            respawnedAfter = Date().timeIntervalSince(t0)
        }
        usleep(100_000)
    }
    let flaps = samples.filter { $0 != steady }
    r.details.append("kill -9 checkd (pid \(checkd)): respawned after \(respawnedAfter.map { String(format: "%.1f s", $0) } ?? "never"), \(samples.count) table samples, \(flaps.count) differing")
    if respawnedAfter == nil { ok = false; r.details.append("checkd was not respawned: \(k.tail())") }
    if let f = flaps.first { ok = false; r.details += differences(f, steady, label: "the table flapped while checkd was respawned") }
    if !k.log.contains("checkd (pid \(checkd)) killed by SIGKILL") { ok = false; r.details.append("the supervisor did not log the kill") }
    steps.append(StackStep(step: "kill -9 checkd: no flap", expected: steady, table: flaps.first ?? samples.last ?? [],
                           seconds: respawnedAfter ?? -1, matched: flaps.isEmpty && respawnedAfter != nil))

    // 9. SIGHUP with the third virtual server changed: the others keep their
    // entries and counters (traffic before and after the reload).
    let netlink = try IPVSNetlinkClient()
    for v in vips { client.connect(v, v == "10.200.0.2" ? 9000 : 80, times: 3) }
    usleep(2_500_000)  // the kernel folds its per-CPU counters into dumps every 2 s
    let before = try countersByService(netlink)
    let opsLine = "reloaded to"
    try k.reload(stackConfig(changed: true), children: 2)
    let changed = stackTable(first: ["127.0.0.2", "127.0.0.3"], changed: true)
    expect("SIGHUP, third virtual server changed", changed)
    for v in vips { client.connect(v, v == "10.200.0.2" ? 9000 : 80, times: 2) }
    var after = try countersByService(netlink)
    _ = waitUntil(timeout: 10) {
        after = (try? countersByService(netlink)) ?? after
        return after.allSatisfy { key, v in v.0.connections > (before[key]?.0.connections ?? 0) }
    }
    for (key, (sb, _)) in before where "\(key)".contains("10.200.0.1") || "\(key)".contains("10.200.0.2") {
        let sa = after[key]?.0
        r.details.append("\(key): \(sb.connections) connections before the reload, \(sa?.connections ?? 0) after")
        if sb.connections == 0 { ok = false; r.details.append("  no traffic counted before the reload") }
        if (sa?.connections ?? 0) <= sb.connections { ok = false; r.details.append("  counters reset by the reload") }
    }
    let reloadLine = k.log.split(separator: "\n").last { $0.contains(opsLine) }.map(String.init) ?? "(no reload line)"
    r.details.append("ipvs-applier: \(reloadLine)")
    // The scheduler edit and the added server: two operations, none for the others.
    if !reloadLine.contains("2 operation(s) sent") { ok = false; r.details.append("  expected exactly 2 operations for the reload") }

    // 10. SIGTERM: the table is emptied and everything stops in order.
    let ended = k.stop()
    let left = try Ipvsadm.rules()
    r.details.append("SIGTERM: keepalived \(ended), \(left.count) rule(s) left")
    if ended != "exit 0" { ok = false }
    if !left.isEmpty { ok = false; r.details += differences(left, [], label: "left after SIGTERM") }
    r.passed = ok
    if !ok { r.details.append("keepalived log tail: " + k.tail(40)) }
}

// MARK: All three daemons: vrrpd's MASTER state drives the sync daemon

func stackWithVRRP(_ s: Suite, _ r: inout CaseResult) throws {
    try addSyncVeth(address: "192.168.78.1/24")
    defer { removeSyncVeth() }
    let dir = s.scratch("stack-vrrp")
    let server = LoopbackServer("127.0.0.2", 8080, http: false, dir: dir)
    try server.start()
    defer { server.stop() }
    guard server.waitListening() else { throw TestFailure("the real server did not start") }
    let config = """
        global_defs {
            router_id ipvs-guest-full
            lvs_sync_daemon kasync0 VI_SYNC
        }

        vrrp_instance VI_SYNC {
            state BACKUP
            interface kasync0
            virtual_router_id 42
            priority 150
            version 3
            advert_int 0.1
            virtual_ipaddress {
                10.210.0.100/24
            }
        }

        virtual_server 10.210.0.100 80 {
            delay_loop 1
            lb_algo rr
            lb_kind NAT
            protocol TCP
            real_server 127.0.0.2 8080 {
                TCP_CHECK {
                    connect_timeout 2
                }
            }
        }

        """
    // No -P or -C: vrrpd, checkd and ipvs-applier; -I leaves the table on stop.
    let k = try SupervisorUnderTest(config: config, dir: "\(dir)/run", arguments: ["-I"])
    var ok = true
    func daemons() -> String {
        ((try? run(["/usr/sbin/ipvsadm", "-L", "--daemon"]).stdout) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
    func vipPresent() -> Bool {
        ((try? run(["/usr/bin/ip", "-br", "addr", "show", "dev", "kasync0"]).stdout) ?? "").contains("10.210.0.100/24")
    }
    let table = ["-A -t 10.210.0.100:80 -s rr", "-a -t 10.210.0.100:80 -r 127.0.0.2:8080 -m -w 1"]
    let started = k.process.waitForOutput(timeout: 60) { l in
        ["vrrpd", "checkd", "ipvs-applier"].allSatisfy { l.contains("\($0) runs configuration") }
    }
    if !started { throw TestFailure("the supervisor did not start its three daemons: \(k.tail(25))") }
    let master = k.process.waitForOutput(timeout: 20) { $0.contains("(VI_SYNC) Entering MASTER STATE") }
    let syncAsMaster = waitUntil(timeout: 20) { daemons().hasPrefix("master sync daemon (mcast=kasync0, syncid=42,") }
    let (running, _, tableOK) = waitForTable(table, timeout: 20)
    let vip = vipPresent()
    let sync = daemons()
    r.ours = [running, [sync]]
    r.details.append("vrrpd MASTER: \(master), VIP on kasync0: \(vip), sync daemon: \(sync)")
    if !master || !vip { ok = false; r.details.append("vrrpd did not become master with its address") }
    if !syncAsMaster { ok = false; r.details.append("the sync daemon did not follow vrrpd's MASTER state through the supervisor") }
    if !tableOK { ok = false; r.details += differences(running, table, label: "table with all three daemons") }
    for (program, user, caps) in [("vrrpd", "keepalived-vrrpd", "0000000000003000"), ("checkd", "keepalived-checkd", "0000000000000000"),
                                  ("ipvs-applier", "keepalived-ipvs", "0000000000001000")] {
        guard let pid = k.childPid(program) else { ok = false; r.details.append("no pid logged for \(program)"); continue }
        let problems = sandboxProblems(pid: pid, user: user, capabilities: caps)
        r.details.append("\(program) (pid \(pid)) sandbox: \(problems.isEmpty ? "as its profile says" : problems.joined(separator: "; "))")
        if !problems.isEmpty { ok = false }
    }

    // SIGTERM with -I: vrrpd releases its address, the table stays, the sync daemon stops.
    let ended = k.stop()
    let left = (try? Ipvsadm.rules()) ?? []
    let syncAfter = daemons()
    r.ours.append(left + [syncAfter])
    r.details.append("SIGTERM with -I: keepalived \(ended), VIP still there: \(vipPresent()), table kept: \(left == table), sync daemon: '\(syncAfter)'")
    if ended != "exit 0" { ok = false }
    if vipPresent() { ok = false; r.details.append("vrrpd left its address on stop") }
    if left != table { ok = false; r.details += differences(left, table, label: "table after SIGTERM with -I") }
    if !syncAfter.isEmpty { ok = false; r.details.append("the sync daemon still runs after stop") }
    r.passed = ok
    if !ok { r.details.append("keepalived log tail: " + k.tail(40)) }
}
