// The man page, unit and policy that ship with checkd stay in step with it.
import Foundation
import Testing
import TestSupport

@Suite struct CheckdShippedFiles {
    let root = TestEnvironment.packageRoot

    @Test func unitExposureIsAtMostOnePointThree() throws {
        guard (try? which("systemd-analyze")) != nil else { return }
        let r = try run(["systemd-analyze", "security", "--offline=yes", root.appendingPathComponent("units/checkd.service").path])
        let line = (r.stdout + r.stderr).split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        print("checkd.service: \(line)")
        let value = line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
        #expect(value != nil && value! <= 1.3, "\(line)")
    }

    @Test func everyFlagOfTheHelpIsInTheManPage() throws {
        let help = try run([TestEnvironment.binary("checkd"), "--help"])
        let man = try String(contentsOf: root.appendingPathComponent("man/checkd.8"), encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
        let flags = Set(help.stdout.split(whereSeparator: { " ,\n[]".contains($0) })
            .filter { $0.hasPrefix("-") && $0.count > 1 && !$0.hasPrefix("--help") && $0 != "-h"
                && $0.allSatisfy { $0 == "-" || $0.isLetter } && $0.dropFirst().contains { $0.isLetter } }
            .map { String($0.split(separator: "=").first ?? $0) })
        #expect(!flags.isEmpty)
        for f in flags { #expect(man.contains(f), "\(f) missing from man/checkd.8") }
    }

    @Test func thePolicyParsesAndAllowsTheReactorsCalls() throws {
        let text = try String(contentsOf: root.appendingPathComponent("policies/checkd.policy"), encoding: .utf8)
        let calls = Set(text.split(separator: "\n").map { $0.split(separator: "#").first?.trimmingCharacters(in: .whitespaces) ?? "" }.filter { !$0.isEmpty })
        for c in ["epoll_wait", "timerfd_settime", "signalfd4", "socket", "connect", "inotify_add_watch"] { #expect(calls.contains(c)) }
        for c in ["execve", "ptrace", "mount", "setuid", "setresuid", "prctl"] { #expect(!calls.contains(c), "\(c) must not be allowed") }
        // capset is there to drop CAP_NET_ADMIN when a reload removes the last
        // checker fwmark: with no_new_privs, permitted = effective and no
        // CAP_SETPCAP, it can only lower what is held.
    }
}
