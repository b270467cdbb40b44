// keepalived's checker timing, as a table of cases taken from the reference
// (§5.2–5.4), run on a virtual clock. Each row: a configuration, how the real
// servers behave over time, and what must happen when.
import Testing
import Checkers
import ConfigModel

/// One expected row of the IPVS table: at time `at`, real server `rs` of
/// virtual server 0 gets `weight` (nil: removed). rs -1 is the sorry server.
struct Row: Equatable, CustomStringConvertible {
    var at: Double
    var rs: Int
    var weight: Int64?
    var description: String { "\(at)s \(rs < 0 ? "sorry" : "rs\(rs)")=\(weight.map(String.init) ?? "out")" }
}

struct TimingCase: CustomStringConvertible, Sendable {
    var name: String
    var plan: HealthPlan
    /// Health per (rs label suffix e.g. ".1", keyword, url, t).
    var health: @Sendable (String, String, Int, Double) -> Verdict
    var until: Double
    var random: [UInt64] = [0]
    var latency: Double = 0
    /// Expected attempts (time, rs suffix, url, passed); nil: not checked.
    var attempts: [(Double, String, Int, Bool)]?
    var table: [Row]
    /// Expected scripts run (time, script index); nil: not checked.
    var scripts: [(Double, Int)]?
    /// Log lines that must appear, in order.
    var logs: [String] = []
    var description: String { name }
}

func rsSuffix(_ label: String) -> String {
    // "[192.168.0.3]:tcp:80" -> ".3"
    guard let dot = label.lastIndex(of: "."), let close = label.firstIndex(of: "]") else { return label }
    return String(label[dot..<close])
}

let timingCases: [TimingCase] = [
    TimingCase(
        name: "first failure without alpha marks the server down at once",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 3, dbr: 2)])])]),
        health: { _, _, _, _ in .fail(.refused) },
        until: 25,
        attempts: [(1, ".1", 0, false), (11, ".1", 0, false), (21, ".1", 0, false)],
        table: [Row(at: 0, rs: 0, weight: 1), Row(at: 1, rs: 0, weight: nil)],
        logs: ["TCP_CHECK on service [192.168.0.1]:tcp:80 of VS [10.0.0.1]:tcp:80 failed: connection refused",
               "Removing service [192.168.0.1]:tcp:80 from VS [10.0.0.1]:tcp:80"]),
    TimingCase(
        name: "first failure with alpha keeps the server out and runs notify_down once",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 3, dbr: 2, alpha: true)]) {
            $0.notifyDown = Conf.script(7); $0.notifyUp = Conf.script(8)
        }])]),
        health: { _, _, _, t in t < 15 ? .fail(.timeout) : .pass(.connected) },
        until: 25,
        attempts: [(1, ".1", 0, false), (11, ".1", 0, false), (21, ".1", 0, true)],
        table: [Row(at: 0, rs: 0, weight: nil), Row(at: 21, rs: 0, weight: 1)],
        scripts: [(1, 7), (21, 8)]),
    TimingCase(
        name: "a server seen up goes down after the first failure and retry retries spaced by delay_before_retry",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 3, dbr: 2)])])]),
        health: { _, _, _, t in (20..<40).contains(t) ? .fail(.timeout) : .pass(.connected) },
        until: 50,
        attempts: [(1, ".1", 0, true), (11, ".1", 0, true), (21, ".1", 0, false), (23, ".1", 0, false),
                   (25, ".1", 0, false), (27, ".1", 0, false), (37, ".1", 0, false), (47, ".1", 0, true)],
        table: [Row(at: 0, rs: 0, weight: 1), Row(at: 27, rs: 0, weight: nil), Row(at: 47, rs: 0, weight: 1)],
        logs: ["TCP_CHECK on service [192.168.0.1]:tcp:80 of VS [10.0.0.1]:tcp:80 failed after 3 retries: timeout"]),
    TimingCase(
        name: "a pass during the retries keeps the server in",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 2, dbr: 2)])])]),
        health: { _, _, _, t in (20..<22).contains(t) ? .fail(.timeout) : .pass(.connected) },
        until: 35,
        attempts: [(1, ".1", 0, true), (11, ".1", 0, true), (21, ".1", 0, false), (23, ".1", 0, true), (33, ".1", 0, true)],
        table: [Row(at: 0, rs: 0, weight: 1)]),
    TimingCase(
        name: "several url blocks are fetched one per round and a failed url is re-tested until all pass again",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.http(["/a", "/b", "/c"], retry: 1, dbr: 3)])])]),
        health: { _, _, url, t in url == 1 && (30..<50).contains(t) ? .fail(.statusCode(500, url: "/b")) : .pass(.httpOK(url: "", detail: "HTTP status code")) },
        until: 90,
        attempts: [(1, ".1", 0, true), (11, ".1", 1, true), (21, ".1", 2, true), (31, ".1", 0, true), (41, ".1", 1, false),
                   (44, ".1", 1, false), (54, ".1", 1, true), (64, ".1", 0, true), (74, ".1", 1, true), (84, ".1", 2, true)],
        table: [Row(at: 0, rs: 0, weight: 1), Row(at: 44, rs: 0, weight: nil), Row(at: 84, rs: 0, weight: 1)]),
    TimingCase(
        name: "fast_recovery fetches the urls back to back while starting",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.http(["/a", "/b", "/c"], fastRecovery: true)]) { $0.alpha = true }])]),
        health: { _, _, _, _ in .pass(.httpOK(url: "", detail: "HTTP status code")) },
        until: 12, latency: 0.1,
        attempts: [(1, ".1", 0, true), (1.1, ".1", 1, true), (1.2, ".1", 2, true), (11.3, ".1", 0, true)],
        table: [Row(at: 0, rs: 0, weight: nil), Row(at: 1.3, rs: 0, weight: 1)]),
    TimingCase(
        name: "without fast_recovery each url waits a delay_loop",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.http(["/a", "/b", "/c"])]) { $0.alpha = true }])]),
        health: { _, _, _, _ in .pass(.httpOK(url: "", detail: "HTTP status code")) },
        until: 25, latency: 0.1,
        attempts: [(1, ".1", 0, true), (11.1, ".1", 1, true), (21.2, ".1", 2, true)],
        table: [Row(at: 0, rs: 0, weight: nil), Row(at: 21.3, rs: 0, weight: 1)]),
    TimingCase(
        name: "a real server with several checkers is up only when all pass",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 0), Conf.http(["/a"], retry: 0)])])]),
        health: { _, kw, _, t in
            if kw == "TCP_CHECK" { return (15..<40).contains(t) ? .fail(.refused) : .pass(.connected) }
            return (30..<60).contains(t) ? .fail(.statusCode(503, url: "/a")) : .pass(.httpOK(url: "/a", detail: "HTTP status code"))
        },
        until: 75,
        table: [Row(at: 0, rs: 0, weight: 1), Row(at: 21, rs: 0, weight: nil), Row(at: 71, rs: 0, weight: 1)]),
    TimingCase(
        name: "inhibit_on_failure keeps a failed server at weight 0",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 0)]) { $0.weight = 3; $0.inhibitOnFailure = true }])]),
        health: { _, _, _, t in (5..<15).contains(t) ? .fail(.refused) : .pass(.connected) },
        until: 25,
        table: [Row(at: 0, rs: 0, weight: 3), Row(at: 11, rs: 0, weight: 0), Row(at: 21, rs: 0, weight: 3)],
        logs: ["Disabling service [192.168.0.1]:tcp:80 of VS [10.0.0.1]:tcp:80",
               "Enabling service [192.168.0.1]:tcp:80 of VS [10.0.0.1]:tcp:80"]),
    TimingCase(
        name: "without inhibit_on_failure a failed server is removed",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 0)]) { $0.weight = 3 }])]),
        health: { _, _, _, t in (5..<15).contains(t) ? .fail(.refused) : .pass(.connected) },
        until: 25,
        table: [Row(at: 0, rs: 0, weight: 3), Row(at: 11, rs: 0, weight: nil), Row(at: 21, rs: 0, weight: 3)]),
    TimingCase(
        name: "quorum with hysteresis holds at the threshold edges and the sorry server comes in on loss",
        plan: Conf.plan([Conf.vs((1...4).map { Conf.rs($0, [Conf.tcp(retry: 0)]) }) {
            $0.quorum = 3; $0.hysteresis = 1
            $0.sorryServer = SorryServer(address: IPAddress("192.168.9.9")!, port: 8080)
            $0.quorumUp = Conf.script(1); $0.quorumDown = Conf.script(2)
        }]),
        health: { rs, _, _, t in
            switch rs {
            case ".2": return (10..<100).contains(t) ? .fail(.refused) : .pass(.connected)
            case ".3": return (20..<100).contains(t) ? .fail(.refused) : .pass(.connected)
            case ".4": return (30..<80).contains(t) ? .fail(.refused) : .pass(.connected)
            default: return .pass(.connected)
            }
        },
        until: 105,
        table: [Row(at: 0, rs: 0, weight: 1), Row(at: 0, rs: 1, weight: 1), Row(at: 0, rs: 2, weight: 1),
                Row(at: 0, rs: 3, weight: 1), Row(at: 0, rs: -1, weight: nil),
                Row(at: 11, rs: 1, weight: nil), Row(at: 21, rs: 2, weight: nil),
                Row(at: 31, rs: 0, weight: nil), Row(at: 31, rs: 3, weight: nil), Row(at: 31, rs: -1, weight: 1),
                Row(at: 101, rs: 0, weight: 1), Row(at: 101, rs: 1, weight: 1), Row(at: 101, rs: 2, weight: 1),
                Row(at: 101, rs: 3, weight: 1), Row(at: 101, rs: -1, weight: nil)],
        scripts: [(0, 1), (31, 2), (101, 1)],
        logs: ["Gained quorum 3+1=4 <= 4 for VS [10.0.0.1]:tcp:80",
               "Lost quorum 3-1=2 > 1 for VS [10.0.0.1]:tcp:80",
               "Adding sorry server [192.168.9.9]:tcp:8080 to VS [10.0.0.1]:tcp:80",
               "Gained quorum 3+1=4 <= 4 for VS [10.0.0.1]:tcp:80",
               "Removing sorry server [192.168.9.9]:tcp:8080 from VS [10.0.0.1]:tcp:80"]),
    TimingCase(
        name: "starting below quorum brings the sorry server in at once",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 0, alpha: true)])]) {
            $0.quorum = 1; $0.sorryServer = SorryServer(address: IPAddress("192.168.9.9")!)
        }]),
        health: { _, _, _, _ in .pass(.connected) },
        until: 5,
        table: [Row(at: 0, rs: 0, weight: nil), Row(at: 0, rs: -1, weight: 1), Row(at: 1, rs: 0, weight: 1),
                Row(at: 1, rs: -1, weight: nil)],
        logs: ["Starting with quorum down 1-0=1 > 0 for VS [10.0.0.1]:tcp:80", "Gained quorum 1+0=1 <= 1 for VS [10.0.0.1]:tcp:80"]),
    TimingCase(
        name: "sorry_server_inhibit keeps the sorry server at weight 0 while unused",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 0)])]) {
            $0.sorryServer = SorryServer(address: IPAddress("192.168.9.9")!); $0.sorryServerInhibit = true
        }]),
        health: { _, _, _, t in t < 10 ? .fail(.refused) : .pass(.connected) },
        until: 12,
        table: [Row(at: 0, rs: 0, weight: 1), Row(at: 0, rs: -1, weight: 0), Row(at: 1, rs: 0, weight: nil),
                Row(at: 1, rs: -1, weight: 1), Row(at: 11, rs: 0, weight: 1), Row(at: 11, rs: -1, weight: 0)]),
    TimingCase(
        name: "warmup of 0 starts every checker one second after start",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(warmup: 0)])])]),
        health: { _, _, _, _ in .pass(.connected) }, until: 2, random: [9_000_000],
        attempts: [(1, ".1", 0, true)], table: [Row(at: 0, rs: 0, weight: 1)]),
    TimingCase(
        name: "warmup spreads the first run over one second plus a random share of warmup",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(warmup: 5)])])]),
        health: { _, _, _, _ in .pass(.connected) }, until: 4, random: [2_500_000],
        attempts: [(3.5, ".1", 0, true)], table: [Row(at: 0, rs: 0, weight: 1)]),
    TimingCase(
        name: "warmup defaults to delay_loop",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(warmup: nil)])])]),
        health: { _, _, _, _ in .pass(.connected) }, until: 15, random: [7_000_000],
        attempts: [(8, ".1", 0, true)], table: [Row(at: 0, rs: 0, weight: 1)]),
    TimingCase(
        name: "a misc check is timed from the start of its last run",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [{ var m = MiscCheck(); m.miscPath = Conf.script(3); m.common.warmup = .zero; return Checker.misc(m) }()])])]),
        health: { _, _, _, _ in .pass(.exited(0)) }, until: 25, latency: 0.5,
        attempts: [(1, ".1", 0, true), (11, ".1", 0, true), (21, ".1", 0, true)], table: [Row(at: 0, rs: 0, weight: 1)]),
    TimingCase(
        name: "a connection check is timed from the end of its last attempt",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp()])])]),
        health: { _, _, _, _ in .pass(.connected) }, until: 25, latency: 0.5,
        attempts: [(1, ".1", 0, true), (11.5, ".1", 0, true), (22, ".1", 0, true)], table: [Row(at: 0, rs: 0, weight: 1)]),
    TimingCase(
        name: "misc_dynamic sets the weight to the exit status minus two",
        plan: Conf.plan([Conf.vs([Conf.rs(1, [{ var m = MiscCheck(); m.miscPath = Conf.script(3); m.miscDynamic = true; m.common.warmup = .zero; return Checker.misc(m) }()])])]),
        health: { _, _, _, t in Verdict(up: true, reason: .exited(t < 5 ? 7 : 2), dynamicWeight: t < 5 ? 5 : 0) },
        until: 15,
        table: [Row(at: 0, rs: 0, weight: 1), Row(at: 1, rs: 0, weight: 5), Row(at: 11, rs: 0, weight: 0)]),
]

@Suite struct SchedulerTable {
    @Test(arguments: timingCases)
    func timingFollowsKeepalived(_ c: TimingCase) {
        var sim = Simulation(c.plan, random: c.random) { rs, kw, url, t in c.health(rsSuffix(rs), kw, url, t) }
        sim.latency = Interval(microseconds: Int64((c.latency * 1_000_000).rounded()))
        sim.run(until: c.until)

        if let expected = c.attempts {
            let got = sim.attempts.map { "\($0.at) \(rsSuffix($0.rs)) url\($0.url) \($0.up)" }
            let want = expected.map { "\($0.0) \($0.1) url\($0.2) \($0.3)" }
            #expect(got == want, "attempts")
        }
        let gotRows = sim.ipvs.map { a -> Row in
            let rs: Int
            switch a.update.destination {
            case .realServer(let i): rs = i
            case .sorryServer: rs = -1
            }
            return Row(at: (a.at * 1000).rounded() / 1000, rs: rs, weight: a.update.weight)
        }
        #expect(gotRows == c.table, "IPVS rows")
        if let scripts = c.scripts {
            #expect(sim.scripts.map { "\($0.at):\($0.id)" } == scripts.map { "\($0.0):\($0.1)" }, "scripts")
        }
        var logs = sim.logs[...]
        for line in c.logs {
            guard let i = logs.firstIndex(of: line) else {
                Issue.record("missing log line (in order): \(line)\nlogs: \(sim.logs.joined(separator: "\n"))")
                break
            }
            logs = logs[(i + 1)...]
        }
    }
}
