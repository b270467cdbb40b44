// Host checks through a fake host: interfaces, and script security as
// keepalived 2.2.7's -t judges it (reference §2.2, §3.2).
import Testing
@testable import KeepalivedConfig
import ConfigModel

private func instance(_ body: String, interface: String = "eth0") -> String {
    "vrrp_instance VI_1 {\n interface \(interface)\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1/24\n }\n\(body)\n}\n"
}

private let secure = "global_defs {\n enable_script_security\n script_user root\n}\n"

private func lint(_ text: String, _ host: ModelTestHost = ModelTestHost()) -> CompileResult {
    compileText(text, host: host, offline: false)
}

@Suite struct ModelHostChecks {
    @Test func aMissingInterfaceIsAnError() {
        let r = lint(instance("", interface: "eth9"))
        #expect(r.diagnostics.all.contains { $0.severity == .error && $0.message.contains("interface eth9 for vrrp_instance VI_1 does not exist") })
        #expect(r.diagnostics.configTestExitStatus == 5)
    }

    @Test func missingInterfacesAnywhereAreFound() {
        let text = "static_ipaddress {\n 10.9.0.1/24 dev eth8\n}\n"
            + instance(" track_interface {\n  eth7\n }\n virtual_routes {\n  10.9.0.0/16 dev eth6\n }")
        let messages = lint(text).diagnostics.all.map(\.message)
        for ifname in ["eth8", "eth7", "eth6"] {
            #expect(messages.contains { $0.contains("interface \(ifname)") }, "\(ifname): \(messages)")
        }
    }

    @Test func dynamicInterfacesSkipTheInterfaceCheck() {
        #expect(lint("global_defs {\n dynamic_interfaces\n}\n" + instance("", interface: "eth9")).diagnostics.all.isEmpty)
    }

    @Test func aConfigurationForAnotherNamespaceSkipsHostChecks() {
        let h = ModelTestHost()
        h.addScript("/usr/bin/s.sh")
        let text = "net_namespace blue\nvrrp_script chk {\n script /usr/local/bin/nosuch\n}\n"
            + instance(" notify /usr/bin/s.sh\n track_script {\n  chk\n }", interface: "eth9")
        #expect(lint(text, h).diagnostics.all.isEmpty)
    }

    @Test func offlineSkipsHostChecks() {
        #expect(compileText(instance("", interface: "eth9"), offline: true).diagnostics.all.isEmpty)
    }

    @Test func scriptsWithoutScriptSecurityAreAScriptSecurityViolation() {
        let h = ModelTestHost()
        h.addScript("/usr/bin/notify.sh")
        let r = lint(instance(" notify_master /usr/bin/notify.sh"), h)
        #expect(r.diagnostics.all.contains { $0.severity == .scriptSecurity })
        #expect(r.diagnostics.configTestExitStatus == 6)
        #expect(!r.isValid)
    }

    @Test func scriptsThatDoNotExistDoNotCountAsRun() {
        let r = lint(instance(" notify_master /usr/local/bin/nosuch.sh"))
        #expect(r.diagnostics.all.isEmpty)
    }

    @Test func aMissingTrackScriptIsAWarning() {
        let r = lint("vrrp_script chk {\n script /usr/local/bin/nosuch\n}\n" + instance(" track_script {\n  chk\n }"))
        #expect(r.diagnostics.all.map(\.severity) == [.warning])
        #expect(r.diagnostics.all[0].message.contains("not found or not executable"))
    }

    @Test func commandsArePathSearched() {
        let h = ModelTestHost()
        h.addScript("/usr/bin/killall")
        let r = lint("vrrp_script chk {\n script \"killall -0 sshd\"\n}\n" + instance(" track_script {\n  chk\n }"), h)
        #expect(r.diagnostics.configTestExitStatus == 6)
    }

    @Test func shellRedirectionsAreNotLookedFor() {
        let r = lint("vrrp_script chk {\n script \"</dev/tcp/127.0.0.1/80\"\n}\n" + instance(" track_script {\n  chk\n }"))
        #expect(r.diagnostics.all.isEmpty)
    }

    @Test func secureScriptsWithScriptSecurityAreClean() {
        let h = ModelTestHost()
        h.addScript("/usr/bin/notify.sh")
        #expect(lint(secure + instance(" notify_master /usr/bin/notify.sh"), h).diagnostics.all.isEmpty)
    }

    enum Insecurity: String, CaseIterable, Sendable {
        case worldWritableScript, scriptOwnedByAnotherUser, groupWritableByAnotherGroup, worldWritableDirectory

        func apply(to h: ModelTestHost) {
            switch self {
            case .worldWritableScript: h.addScript("/usr/bin/s.sh", mode: 0o757)
            case .scriptOwnedByAnotherUser: h.addScript("/usr/bin/s.sh", uid: 65534)
            case .groupWritableByAnotherGroup: h.addScript("/usr/bin/s.sh", mode: 0o775, gid: 65534)
            case .worldWritableDirectory:
                h.addScript("/usr/bin/s.sh")
                h.files["/usr/bin"]?.mode = 0o777
            }
        }
    }

    @Test(arguments: Insecurity.allCases)
    func insecureTrackScriptsAreWarnedAbout(_ kind: Insecurity) {
        let h = ModelTestHost()
        kind.apply(to: h)
        let r = lint(secure + "vrrp_script chk {\n script /usr/bin/s.sh\n}\n" + instance(" track_script {\n  chk\n }"), h)
        #expect(r.diagnostics.all.contains { $0.severity == .warning && $0.message.contains("writable by users other than root") },
                "\(kind): \(r.diagnostics.all.map(\.description))")
    }

    @Test func aStickyWorldWritableDirectoryIsAllowed() {
        let h = ModelTestHost()
        h.addScript("/tmp/s.sh")
        #expect(lint(secure + "vrrp_script chk {\n script /tmp/s.sh\n}\n" + instance(" track_script {\n  chk\n }"), h)
            .diagnostics.all.isEmpty)
    }

    @Test func insecureScriptsWithoutScriptSecurityStillViolate() {
        let h = ModelTestHost()
        h.addScript("/usr/bin/s.sh", mode: 0o777)
        let r = lint(instance(" notify /usr/bin/s.sh"), h)
        let d = r.diagnostics.all.first { $0.severity == .scriptSecurity }
        #expect(d?.notes.contains { $0.contains("writable by other users") } == true)
    }

    @Test func scriptSecurityWithoutAScriptUserNeedsKeepalivedScript() {
        let h = ModelTestHost()
        h.addScript("/usr/bin/s.sh")
        let text = "global_defs {\n enable_script_security\n}\n" + instance(" notify /usr/bin/s.sh")
        #expect(lint(text, h).diagnostics.all.contains { $0.message.contains("keepalived_script does not exist") })
        h.users["keepalived_script"] = HostUser(name: "keepalived_script", uid: 998, gid: 998)
        #expect(lint(text, h).diagnostics.all.isEmpty)
    }

    @Test func anUnknownScriptUserIsAnError() {
        let h = ModelTestHost()
        h.addScript("/usr/bin/s.sh")
        #expect(lint("global_defs {\n script_user nosuch\n}\n" + instance(" notify /usr/bin/s.sh"), h)
            .diagnostics.all.contains { $0.severity == .error && $0.message.contains("script_user nosuch does not exist") })
        #expect(lint(secure + instance(" notify \"/usr/bin/s.sh\" nosuch"), h)
            .diagnostics.all.contains { $0.severity == .error && $0.message.contains("user nosuch") })
    }

    @Test func checkerScriptsCountOnlyWithVirtualServers() {
        let h = ModelTestHost()
        h.addScript("/usr/bin/s.sh")
        #expect(lint("global_defs {\n lvs_notify_fifo /run/f\n lvs_notify_fifo_script /usr/bin/s.sh\n}\n", h).diagnostics.all.isEmpty)
    }
}

/// The corpus with keepalived's verdicts (EXPECTED.tsv), through a fake host
/// shaped like the namespace those verdicts were made in: eth0..eth3 up, no
/// eth0.1, killall installed, the sample script paths absent.
@Suite struct ModelCorpusVerdicts {
    static let corpus = "/work/shared/corpus/keepalived-samples"

    static func expected() -> [(String, Int32)] {
        guard let text = try? String(contentsOfFile: corpus + "/EXPECTED.tsv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), !line.hasPrefix("file\t") else { return nil }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 2, let code = Int32(f[1]) else { return nil }
            return (String(f[0]), code)
        }
    }

    @Test(.enabled(if: !expected().isEmpty, "the shared corpus is not next to the checkout"),
          arguments: expected().map(\.0))
    func theCorpusGetsKeepalivedsExitStatus(_ file: String) throws {
        let exp = try #require(Self.expected().first { $0.0 == file }?.1)
        let text = try String(contentsOfFile: Self.corpus + "/" + file, encoding: .utf8)
        let h = ModelTestHost()
        h.addScript("/usr/bin/killall")
        h.cwd = "/etc/keepalived"
        let r = compileText(text, host: h, offline: false, configID: "lb1")
        #expect(r.diagnostics.configTestExitStatus == exp,
                "\(file): keepalived -t exits \(exp), ours \(r.diagnostics.configTestExitStatus): \(r.diagnostics.all.map(\.description))")
    }
}
