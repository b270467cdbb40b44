// A virtual-clock driver for HealthEngine: real servers are functions of
// time, checks take `latency`, and everything the engine does is recorded.
import Checkers
import ConfigModel

struct Attempt: Equatable, CustomStringConvertible {
    var at: Double
    var rs: String
    var keyword: String
    var url: Int
    var up: Bool
    var description: String { "\(at)s \(keyword) \(rs)\(url > 0 ? " url\(url)" : "") \(up ? "ok" : "FAIL")" }
}

struct Simulation {
    var engine: HealthEngine
    var now = Moment.zero
    var random: FixedRandom
    /// Whether a check of `rs` (keepalived label) for `url` passes at time t (seconds).
    var health: (_ rs: String, _ keyword: String, _ url: Int, _ t: Double) -> Verdict
    var latency = Interval.zero
    var attempts: [Attempt] = []
    var actions: [(at: Double, action: HealthAction)] = []
    private var inFlight: [(done: Moment, request: CheckRequest)] = []

    init(_ plan: HealthPlan, random: [UInt64] = [0], trackFiles: [Int64] = [],
         health: @escaping (_ rs: String, _ keyword: String, _ url: Int, _ t: Double) -> Verdict) {
        engine = HealthEngine(plan: plan)
        self.random = FixedRandom(random)
        self.health = health
        let start = engine.start(now: now, random: &self.random, trackFileValues: trackFiles)
        actions += start.map { (0, $0) }
    }

    var seconds: Double { Double(now.microseconds) / 1_000_000 }

    mutating func record(_ a: [HealthAction]) { actions += a.map { (seconds, $0) } }

    /// Runs every event up to and including `t` seconds.
    mutating func run(until t: Double) {
        let end = Moment.seconds(t)
        while true {
            let nextCheck = engine.nextDeadline
            let nextDone = inFlight.map(\.done).min()
            guard let next = [nextCheck, nextDone].compactMap({ $0 }).min(), next <= end else { break }
            now = next
            // Completions first, then starts (a check that ends now may be re-armed for now).
            while let i = inFlight.firstIndex(where: { $0.done <= now }) {
                let req = inFlight.remove(at: i).request
                let rs = rsLabel(req)
                let v = health(rs, req.spec.keyword, req.urlIndex, Double(req.startedAt.microseconds) / 1_000_000)
                attempts.append(Attempt(at: Double(req.startedAt.microseconds) / 1_000_000, rs: rs,
                                        keyword: req.spec.keyword, url: req.urlIndex, up: v.up))
                record(engine.finished(req.id, v, now: now))
            }
            for req in engine.due(now) { inFlight.append((now + latency, req)) }
        }
        now = end
    }

    func rsLabel(_ req: CheckRequest) -> String {
        for vs in engine.plan.virtualServers {
            for rs in vs.realServers where rs.checkers.contains(where: { $0 == req.spec }) { return rs.label }
        }
        return req.spec.label
    }

    // MARK: What happened

    var ipvs: [(at: Double, update: IPVSUpdate)] {
        actions.compactMap { if case .ipvs(let u) = $0.action { return ($0.at, u) }; return nil }
    }
    var scripts: [(at: Double, id: Int)] {
        actions.compactMap { if case .runScript(let s, _) = $0.action { return ($0.at, s.index) }; return nil }
    }
    var fifo: [String] { actions.compactMap { if case .fifo(let l) = $0.action { return l }; return nil } }
    var logs: [String] { actions.compactMap { if case .log(let l) = $0.action { return l }; return nil } }

    /// The last weight sent for (vs, rs): nil = out of the table.
    func tableWeight(vs: Int = 0, rs: Int) -> Int64?? {
        ipvs.last { $0.update.virtualServer == vs && $0.update.destination == .realServer(rs) }.map { $0.update.weight }
    }
    func sorryWeight(vs: Int = 0) -> Int64?? {
        ipvs.last { $0.update.virtualServer == vs && $0.update.destination == .sorryServer }.map { $0.update.weight }
    }
    func failTimes(_ rs: String? = nil) -> [Double] { attempts.filter { !$0.up && (rs == nil || $0.rs == rs) }.map(\.at) }
    func attemptTimes(_ rs: String? = nil) -> [Double] { attempts.filter { rs == nil || $0.rs == rs }.map(\.at) }
}

// MARK: Building configurations

enum Conf {
    static func vs(_ reals: [RealServer], port: UInt16 = 80, delayLoop: Int64 = 10, configure: (inout VirtualServer) -> Void = { _ in }) -> VirtualServer {
        var v = VirtualServer(address: .ip(IPAddress("10.0.0.1")!, port: port))
        v.protocol = .tcp
        v.delayLoop = .seconds(delayLoop)
        v.realServers = reals
        configure(&v)
        return v
    }

    static func rs(_ last: UInt8, _ checkers: [Checker], configure: (inout RealServer) -> Void = { _ in }) -> RealServer {
        var r = RealServer(address: .v4(IPv4Address(192, 168, 0, last)), port: 80)
        r.checkers = checkers
        configure(&r)
        return r
    }

    static func tcp(retry: Int? = nil, dbr: Int64? = nil, warmup: Int64? = 0, alpha: Bool? = nil, delayLoop: Int64? = nil) -> Checker {
        var c = CheckerCommon()
        c.retry = retry
        c.delayBeforeRetry = dbr.map { .seconds($0) }
        c.warmup = warmup.map { .seconds($0) }
        c.alpha = alpha
        c.delayLoop = delayLoop.map { .seconds($0) }
        return .tcp(c)
    }

    static func http(_ paths: [String], retry: Int? = nil, dbr: Int64? = nil, fastRecovery: Bool = false) -> Checker {
        var h = HTTPCheck()
        h.common.retry = retry
        h.common.delayBeforeRetry = dbr.map { .seconds($0) }
        h.common.warmup = .zero
        h.fastRecovery = fastRecovery
        h.urls = paths.map { var u = HTTPURL(); u.path = $0; return u }
        return .http(h)
    }

    static func plan(_ servers: [VirtualServer], configure: (inout KeepalivedConfiguration) -> Void = { _ in }) -> HealthPlan {
        var c = KeepalivedConfiguration()
        c.virtualServers = servers
        configure(&c)
        return PlanBuilder.build(c)
    }

    static func script(_ i: Int) -> Script { Script(id: ScriptID(i), argv: ["/bin/true", "\(i)"]) }
}

/// A server that is healthy except during the given half-open windows of seconds.
func downDuring(_ windows: [Range<Double>]) -> (Double) -> Verdict {
    { t in windows.contains { $0.contains(t) } ? .fail(.refused) : .pass(.connected) }
}
