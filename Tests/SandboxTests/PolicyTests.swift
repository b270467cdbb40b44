import Foundation
import Testing
import TestSupport
@testable import Sandbox

@Suite struct SeccompPolicyFiles {
    @Test func namesAndCommentsParse() throws {
        let p = try SyscallPolicy.parse("""
        # a comment
        read   # trailing comment
          write
        read

        exit_group
        """, path: "t.policy")
        #expect(p.syscalls.map(\.name) == ["read", "write", "exit_group"])
        #expect(p.syscalls.allSatisfy { $0.number >= 0 })
    }

    @Test func anUnknownNameIsAnErrorWithItsLine() {
        #expect {
            try SyscallPolicy.parse("read\nwrtie\n", path: "t.policy")
        } throws: { e in
            guard case SandboxError.policySyntax(let path, let line, let why) = e else { return false }
            return path == "t.policy" && line == 2 && why.contains("wrtie")
        }
    }

    @Test func somethingThatIsNotANameIsAnError() {
        #expect(throws: SandboxError.self) { try SyscallPolicy.parse("read write\n", path: "t") }
        #expect(throws: SandboxError.self) { try SyscallPolicy.parse("read;\n", path: "t") }
    }

    @Test func aPolicyAllowingNothingIsRefused() {
        #expect(throws: SandboxError.self) { try SyscallPolicy.parse("# nothing\n\n", path: "t") }
    }

    @Test func aMissingPolicyFileSaysWhereItLooked() {
        #expect {
            _ = try Sandbox.loadPolicy("/nonexistent/x.policy")
        } throws: { e in
            "\(e)".contains("/nonexistent/x.policy") && "\(e)".contains("ENOENT")
        }
    }

    @Test func everyShippedPolicyParses() throws {
        let dir = TestEnvironment.packageRoot.appendingPathComponent("policies").path
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".policy") }
        #expect(files.contains("keepalived.policy"))
        for f in files {
            let p = try Sandbox.loadPolicy("\(dir)/\(f)")
            #expect(!p.syscalls.isEmpty, "\(f)")
        }
    }

    @Test func theSupervisorsPolicyRefusesTheDangerousCalls() throws {
        let dir = TestEnvironment.packageRoot.appendingPathComponent("policies").path
        let names = Set(try Sandbox.loadPolicy("\(dir)/keepalived.policy").syscalls.map(\.name))
        for n in ["kexec_load", "init_module", "finit_module", "mount", "ptrace", "bpf", "open_by_handle_at",
                  "keyctl", "io_uring_setup", "reboot", "settimeofday"] {
            #expect(!names.contains(n), "\(n)")
        }
        for n in ["execve", "clone", "seccomp", "prctl", "setresuid", "capset", "pidfd_open", "waitid"] {
            #expect(names.contains(n), "\(n)")
        }
    }
}
