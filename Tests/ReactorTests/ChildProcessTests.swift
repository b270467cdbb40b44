import Foundation
import Posix
import Testing
@testable import Reactor

private func capture(_ argv: [String], env: [String] = [], extraFD: Int32? = nil,
                     timeout: Duration? = nil, group: Bool = false,
                     identity: SpawnSpec.Identity? = nil) throws -> (ChildExit, String) {
    let r = try Reactor()
    let pipe = try makePipe()
    let reader = pipe.first, writer = pipe.second
    var fds: [Int32] = [-1, writer.rawValue, writer.rawValue]
    if let extraFD { fds.append(extraFD) }
    let child = try ChildProcess.spawn(SpawnSpec(path: argv[0], arguments: argv, environment: env, descriptors: fds,
                                                 identity: identity, newProcessGroup: group))
    try writer.close()
    var exit: ChildExit?
    try r.watch(child: child, timeout: timeout) { e in exit = e; r.stop() }
    try r.run()
    var text = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 4096)
    while let n = try buf.withUnsafeMutableBytes({ try reader.read(into: $0) }), n > 0 { text += buf[0..<n] }
    return (exit!, String(decoding: text, as: UTF8.self))
}

@Suite struct ChildProcesses {
    @Test func exitStatusIsReportedThroughThePidfd() throws {
        let (e, _) = try capture(["/bin/sh", "-c", "exit 3"])
        #expect(e.status == .exited(3))
        #expect(!e.timedOut)
    }

    @Test func deathBySignalIsNamed() throws {
        let (e, _) = try capture(["/bin/sh", "-c", "kill -TERM $$"])
        #expect(e.status == .signaled(SIGTERM, coreDumped: false))
        #expect(e.status.description == "killed by SIGTERM")
    }

    @Test func theEnvironmentIsOnlyWhatWeGive() throws {
        let (_, out) = try capture(["/usr/bin/env"], env: ["A=1", "PATH=/bin"])
        #expect(out == "A=1\nPATH=/bin\n")
    }

    @Test func descriptorsAboveTheListAreClosed() throws {
        let p = try makePipe()  // an open descriptor the child must not see
        _ = p
        let (_, out) = try capture(["/bin/sh", "-c", "ls /proc/$$/fd"])
        #expect(out.split(separator: "\n").sorted() == ["0", "1", "2"])
    }

    @Test func aGivenDescriptorAppearsAtItsNumber() throws {
        let p = try makePipe()
        let reader = p.first, writer = p.second
        let (_, out) = try capture(["/bin/sh", "-c", "echo hi >&3; ls /proc/$$/fd"], extraFD: writer.rawValue)
        #expect(out.split(separator: "\n").sorted() == ["0", "1", "2", "3"])
        try writer.close()
        var b = [UInt8](repeating: 0, count: 16)
        let n = try b.withUnsafeMutableBytes { try reader.read(into: $0) } ?? 0
        #expect(String(decoding: b[0..<n], as: UTF8.self) == "hi\n")
    }

    @Test func anOverrunningChildIsKilledWithItsGroup() throws {
        let dir = NSTemporaryDirectory() + "ka-reactor-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (e, _) = try capture(["/bin/sh", "-c", "sleep 30 & echo $! > \(dir)/bg; sleep 30"],
                                 timeout: .milliseconds(300), group: true)
        #expect(e.timedOut)
        #expect(e.status == .signaled(SIGKILL, coreDumped: false))
        let bg = Int32(try String(contentsOfFile: "\(dir)/bg", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        // The background sleep was in the group: it is gone (or a zombie awaiting init).
        var gone = false
        for _ in 0..<200 {
            let stat = (try? String(contentsOfFile: "/proc/\(bg)/stat", encoding: .utf8)) ?? ""
            if stat.isEmpty || stat.contains(") Z ") { gone = true; break }
            usleep(10_000)
        }
        #expect(gone)
    }

    @Test func aMissingProgramIsASpawnErrorNamingExec() throws {
        #expect {
            _ = try ChildProcess.spawn(SpawnSpec(path: "/nonexistent/prog", arguments: ["prog"]))
        } throws: { e in
            guard let e = e as? SpawnError else { return false }
            return e.stage == "execve" && e.errno == .noEntry
        }
    }

    @Test(.enabled(if: getuid() == 0, "needs root: changes user and capabilities"))
    func aChildRunsAsTheGivenUserWithNoCapabilities() throws {
        let (e, out) = try capture(["/bin/sh", "-c", "id -u; id -g; grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/self/status"],
                                   identity: .init(uid: 65534, gid: 65534, groups: [65534]))
        #expect(e.status == .exited(0))
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["65534", "65534"])
        for l in lines.dropFirst(2) { #expect(l.hasSuffix("0000000000000000"), "\(l)") }
    }

    @Test(.enabled(if: getuid() == 0, "needs root: keeps capabilities across a user change"))
    func aChildKeepsExactlyItsCapabilitiesAcrossExec() throws {
        let r = try Reactor()
        let pipe = try makePipe()
        let reader = pipe.first, writer = pipe.second
        let caps: CapabilitySet = [.netRaw, .netAdmin]
        let child = try ChildProcess.spawn(SpawnSpec(
            path: "/bin/grep", arguments: ["grep", "-E", "^Cap(Eff|Prm|Bnd|Amb)", "/proc/self/status"],
            descriptors: [-1, writer.rawValue, writer.rawValue],
            identity: .init(uid: 65534, gid: 65534, groups: []), capabilities: caps))
        try writer.close()
        var exit: ChildExit?
        try r.watch(child: child) { exit = $0; r.stop() }
        try r.run()
        #expect(exit?.status == .exited(0))
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = try buf.withUnsafeMutableBytes { try reader.read(into: $0) } ?? 0
        let text = String(decoding: buf[0..<n], as: UTF8.self)
        for l in text.split(separator: "\n") { #expect(l.hasSuffix(caps.procStatusHex), "\(l)") }
    }
}
