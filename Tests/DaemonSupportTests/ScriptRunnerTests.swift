import ConfigModel
@testable import DaemonCore
import Foundation
import Logging
import Reactor
import TestSupport
import Testing
import Wire

@Suite(.serialized) struct ScriptRunning {
    func run(_ job: ScriptJob) throws -> ScriptOutcome {
        let reactor = try Reactor()
        let runner = ScriptRunner(reactor: reactor, logger: Logger(label: "test"), limitBoundingSet: getuid() == 0)
        var outcome: ScriptOutcome?
        runner.run(job) { outcome = $0; reactor.stop() }
        if outcome == nil { try reactor.run() }
        return outcome!
    }

    func me() throws -> ResolvedUser { try UserDirectory.resolve(user: String(cString: getpwuid(getuid())!.pointee.pw_name)) }

    @Test func exitStatusComesBack() throws {
        #expect(try run(ScriptJob(argv: ["/bin/sh", "-c", "exit 7"], user: me(), timeout: .seconds(10))) == .exited(7))
    }

    @Test func aMissingProgramFailsToStart() throws {
        let r = try run(ScriptJob(argv: ["/nonexistent/script"], user: me(), timeout: .seconds(10)))
        guard case .failedToStart(let why) = r else { Issue.record("got \(r)"); return }
        #expect(why.contains("ENOENT"))
    }

    @Test func aScriptPastItsTimeoutIsKilled() throws {
        #expect(try run(ScriptJob(argv: ["/bin/sleep", "30"], user: me(), timeout: .milliseconds(200))) == .timedOut)
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: runs the script as another user"))
    func aScriptSeesOnlyItsUserNoCapabilitiesACleanEnvironmentAndThreeDescriptors() throws {
        let dir = try TempDirectory("ka-script")
        defer { dir.remove() }
        chmod(dir.path, 0o777)
        let out = dir.file("seen")
        // `exec >>` once, so the shell keeps no saved descriptor of its own.
        let job = ScriptJob(argv: ["/bin/sh", "-c", "exec >> \(out); id -u; grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/$$/status; ls /proc/$$/fd; env"],
                            user: try UserDirectory.resolve(user: "nobody"), timeout: .seconds(10))
        #expect(try run(job) == .exited(0))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "65534")
        for l in lines where l.hasPrefix("Cap") { #expect(l.hasSuffix("0000000000000000"), "\(l)") }
        #expect(lines.filter { Int($0) != nil && $0 != "65534" } == ["0", "1", "2"])
        let env = lines.filter { $0.contains("=") }
        #expect(Set(env).isSubset(of: Set(ScriptRules.environment + ["PWD=/"])), "\(env)")
    }
}
