import ConfigModel
@testable import DaemonCore
import Posix
import Foundation
import Glibc
import TestSupport
import Testing

@Suite struct LogFacilities {
    @Test(arguments: [
        ("daemon", LOG_DAEMON), ("user", LOG_USER), ("0", LOG_LOCAL0), ("7", LOG_LOCAL7),
        ("local3", LOG_LOCAL3), ("LOCAL5", LOG_LOCAL5),
    ])
    func keepalivedFacilityNames(_ name: String, _ value: Int32) {
        #expect(LogSettings.facility(named: name) == value)
    }

    @Test(arguments: ["8", "local8", "kern", "", "-1"])
    func otherFacilitiesAreRefused(_ name: String) {
        #expect(LogSettings.facility(named: name) == nil)
    }

    @Test func consoleTimestampLooksLikeCtime() {
        let t = KeepalivedLogHandler.timestamp()
        // "Wed Nov 25 18:08:20 2026"
        #expect(t.count == 24)
        #expect(t.split(separator: " ", omittingEmptySubsequences: true).count == 5)
    }
}

@Suite struct PidFiles {
    @Test func writtenAsKeepalivedDoesAndRemovedOnlyByItsOwner() throws {
        let dir = try TempDirectory("ka-pid")
        defer { dir.remove() }
        let f = PidFile(path: dir.file("k.pid"))
        try f.write(pid: 4242)
        #expect(try String(contentsOfFile: f.path, encoding: .utf8) == "4242\n")
        #expect(f.read() == 4242)
        let attrs = try FileManager.default.attributesOfItem(atPath: f.path)
        #expect((attrs[.posixPermissions] as? Int) == 0o644)
        f.remove(ifOwnedBy: 1)
        #expect(FileManager.default.fileExists(atPath: f.path))
        f.remove(ifOwnedBy: 4242)
        #expect(!FileManager.default.fileExists(atPath: f.path))
    }

    @Test func aFileWithoutAPidReadsAsNone() throws {
        let dir = try TempDirectory("ka-pid")
        defer { dir.remove() }
        try dir.write("x.pid", "hello\n")
        #expect(PidFile(path: dir.file("x.pid")).read() == nil)
        #expect(PidFile(path: dir.file("missing.pid")).read() == nil)
    }
}

@Suite struct ScriptUserRules {
    func script(user: String? = nil, group: String? = nil) -> Script { Script(id: ScriptID(0), argv: ["/bin/true"], user: user, group: group) }

    @Test func theScriptsOwnUserComesFirst() {
        var g = GlobalDefinitions()
        g.scriptUser = "daemon"
        #expect(ScriptRules.userAndGroup(of: script(user: "nobody", group: "nogroup"), global: g) == ("nobody", "nogroup"))
    }

    @Test func thenScriptUser() {
        var g = GlobalDefinitions()
        g.scriptUser = "daemon"
        g.scriptGroup = "adm"
        #expect(ScriptRules.userAndGroup(of: script(), global: g) == ("daemon", "adm"))
    }

    @Test func thenKeepalivedScriptIfItExistsElseRoot() {
        let expected = UserDirectory.exists(user: "keepalived_script") ? "keepalived_script" : "root"
        #expect(ScriptRules.userAndGroup(of: script(), global: GlobalDefinitions()).user == expected)
    }

    @Test func aMissingUserIsARefusal() {
        #expect(throws: ScriptRules.Refusal.user(.noSuchUser("no-such-user-x"))) {
            try ScriptRules.job(for: script(user: "no-such-user-x"), arguments: [], global: GlobalDefinitions())
        }
    }

    @Test func notifyWordsAreAppendedAndACommandIsFoundInPath() throws {
        let s = Script(id: ScriptID(3), argv: ["true", "a b"], user: "nobody", timeout: .seconds(4))
        let job = try ScriptRules.job(for: s, arguments: ["INSTANCE", "VI_1", "MASTER", "100"], global: GlobalDefinitions())
        #expect(job.argv == ["/usr/bin/true", "a b", "INSTANCE", "VI_1", "MASTER", "100"])
        #expect(job.user.uid == 65534)
        #expect(job.timeout == .seconds(4))
    }

    @Test func aDaemonsRequestedTimeoutWinsWithinBounds() throws {
        let s = Script(id: ScriptID(3), argv: ["true"], user: "nobody", timeout: .seconds(4))
        // MISC_CHECK asks for misc_timeout (or delay_loop) and gets it.
        #expect(try ScriptRules.job(for: s, arguments: [], global: GlobalDefinitions(), requestedTimeout: .seconds(1)).timeout == .seconds(1))
        #expect(try ScriptRules.job(for: s, arguments: [], global: GlobalDefinitions()).timeout == .seconds(4))
        #expect(try ScriptRules.timeout(requested: nil, configured: nil) == ScriptRules.defaultTimeout)
        #expect(try ScriptRules.timeout(requested: .milliseconds(1500), configured: .seconds(4)) == .milliseconds(1500))
        // Nothing at or below zero, nothing past a day.
        for bad: Duration in [.zero, .seconds(-1), ScriptRules.maximumRequestedTimeout + .seconds(1)] {
            #expect(throws: ScriptRules.Refusal.timeout(bad)) { try ScriptRules.timeout(requested: bad, configured: nil) }
        }
    }

    @Test func checkdHoldsCapNetAdminOnlyWhenACheckerSetsFwmark() {
        var c = KeepalivedConfiguration()
        var vs = VirtualServer(address: .ip(IPAddress("10.0.0.1")!, port: 80))
        var rs = RealServer(address: IPAddress("10.0.0.2")!, port: 80)
        rs.checkers = [.tcp(CheckerCommon())]
        vs.realServers = [rs]
        c.virtualServers = [vs]
        #expect(ProgramProfile.of(.checkd, for: c).capabilities == .none)
        #expect(ProgramProfile.conditionalCapabilities(.checkd, for: c).isEmpty)
        var marked = CheckerCommon()
        marked.fwmark = 7
        var smtp = SMTPCheck()
        smtp.hosts = [marked]  // the deprecated host{} block's fwmark counts too
        for checker: Checker in [.tcp(marked), .smtp(smtp)] {
            c.virtualServers[0].realServers[0].checkers = [.tcp(CheckerCommon()), checker]
            #expect(ProgramProfile.of(.checkd, for: c).capabilities == [.netAdmin])
            #expect(ProgramProfile.conditionalCapabilities(.checkd, for: c).map(\.1) == ["a checker sets fwmark (SO_MARK)"])
            // Only checkd: the others' profiles do not move with it.
            #expect(ProgramProfile.of(.vrrpd, for: c).capabilities == ProgramProfile.of(.vrrpd).capabilities)
        }
        #expect(ProgramProfile.optionalCapabilities(.checkd) == [.netAdmin])
        #expect(ProgramProfile.optionalCapabilities(.ipvsApplier) == .none)
    }

    @Test func scriptSecurityRefusesARootScriptOthersCanChange() throws {
        let dir = try TempDirectory("ka-sec")
        defer { dir.remove() }
        chmod(dir.path, 0o777)
        let path = try dir.write("notify.sh", "#!/bin/sh\n", mode: 0o755)
        var g = GlobalDefinitions()
        g.enableScriptSecurity = true
        let s = Script(id: ScriptID(0), argv: [path], user: "root")
        #expect(throws: ScriptRules.Refusal.self) { try ScriptRules.job(for: s, arguments: [], global: g) }
        // The same script as an ordinary user is not a root script: allowed.
        _ = try ScriptRules.job(for: Script(id: ScriptID(0), argv: [path], user: "nobody"), arguments: [], global: g)
        // A root-owned path nobody else can write is fine.
        _ = try ScriptRules.job(for: Script(id: ScriptID(0), argv: ["/bin/true"], user: "root"), arguments: [], global: g)
    }
}
