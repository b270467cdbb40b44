// vrrpd and checkd each started alone, as their systemd units start them:
// no supervisor, each sandboxed as its own user, sharing one runtime
// directory, in a network namespace. vrrpd reaches checkd on
// <runtime>/checkd/checkd.sock (PeerSockets) and tells it every VRRP state
// change, and every instance's state whenever checkd (re)connects, so
// checkd's ha_suspend follows VRRP without the supervisor relaying.
//
// What is observed is checkd's own log: with -D it logs each VRRP state it
// receives ("VRRP instance I is STATE"), which nothing but a message from
// vrrpd produces; and PeerSockets logs "vrrpd connected".
import Foundation
import Testing
import TestSupport

@Suite(.serialized, .enabled(if: TestEnvironment.isRoot, "needs root: a network namespace, the daemons' users"))
struct VRRPAloneTellsCheckd {
    static let vrrpConfig = """
        vrrp_instance VI_ALONE {
            state BACKUP
            interface eth0
            virtual_router_id 62
            priority 150
            version 3
            advert_int 0.1
            virtual_ipaddress {
                10.62.0.100/24
            }
        }

        """

    /// checkd's side: a virtual server on the VIP, checked only while the
    /// VIP is here (ha_suspend); its real server listens on loopback.
    static let checkdConfig = """
        global_defs {
            router_id vrrpd-alone
        }

        virtual_server 10.62.0.100 80 {
            delay_loop 1
            lb_algo rr
            lb_kind NAT
            protocol TCP
            ha_suspend
            real_server 127.0.0.2 8080 {
                TCP_CHECK {
                    connect_timeout 1
                    retry 0
                    delay_before_retry 1
                }
            }
        }

        """

    /// A namespace with eth0 (a veth whose peer stays in it), a runtime
    /// directory both users can reach, and the two configurations.
    final class Host {
        let ns: Netns
        let dir: TempDirectory
        let runtime: String
        let vrrpConf: String
        let checkdConf: String
        var vrrpd: Spawned?
        var checkd: Spawned?
        var checkdRuns = 0

        init(_ tag: String) throws {
            ns = try Netns(tag)
            dir = try TempDirectory("ka-vrrp-alone")
            chmod(dir.path, 0o755)
            try ns.sh("ip link add eth0 type veth peer name peer0 && ip link set eth0 up && ip link set peer0 up && ip addr add 10.62.0.1/24 dev eth0")
            runtime = dir.file("run")
            vrrpConf = try dir.write("vrrp.conf", VRRPAloneTellsCheckd.vrrpConfig)
            let text = try dir.write("checkd.conf", VRRPAloneTellsCheckd.checkdConfig)
            checkdConf = dir.file("checkd.kacf")
            let r = try run([TestEnvironment.binary("kaconf"), "compile", "--offline", text, "-o", checkdConf])
            guard r.status == 0 else { throw TestFailure("kaconf compile: \(r.stderr)") }
            chmod(checkdConf, 0o644)
        }

        func startVrrpd() throws {
            vrrpd = try ns.spawn([TestEnvironment.binary("vrrpd"), "-f", vrrpConf, "-l", "-D", "-G", "--runtime-dir", runtime],
                                 outputFile: dir.file("vrrpd.log"))
        }

        func startCheckd() throws {
            checkdRuns += 1
            checkd = try ns.spawn([TestEnvironment.binary("checkd"), "-f", checkdConf, "--runtime-dir", runtime, "-l", "-D", "-G"],
                                  outputFile: dir.file("checkd-\(checkdRuns).log"))
        }

        var vrrpdLog: String { vrrpd?.output ?? "" }
        var checkdLog: String { checkd?.output ?? "" }

        func close() {
            checkd?.stop(grace: 10)
            vrrpd?.stop(grace: 10)
            ns.remove()
            dir.remove()
        }
    }

    /// The uid and seccomp mode of a running process.
    static func confinement(_ pid: Int32) -> (uid: String, seccomp: String) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
        }
        return (field("Uid").split(separator: "\t").first.map(String.init) ?? "?", field("Seccomp"))
    }

    static func uid(of user: String) -> String { (try? sh("id -u \(user)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? "?" }

    static let masterReceived = "VRRP instance VI_ALONE is MASTER"

    @Test func aVrrpdAloneTellsACheckdAloneThatItBecameMaster() throws {
        let h = try Host("kavrrpalone1")
        defer { h.close() }
        try h.startCheckd()
        #expect(h.checkd!.waitForOutput(timeout: 20) { $0.contains("checkd:") && $0.contains("virtual servers") }, "\(h.checkdLog)")
        try h.startVrrpd()

        #expect(h.vrrpd!.waitForOutput(timeout: 20) { $0.contains("(VI_ALONE) Entering MASTER STATE") }, "\(h.vrrpdLog)")
        #expect(h.checkd!.waitForOutput(timeout: 10) { $0.contains(Self.masterReceived) },
                "checkd learned the state from vrrpd: \(h.checkdLog.suffix(2000))\nvrrpd: \(h.vrrpdLog.suffix(2000))")
        #expect(h.checkdLog.contains("vrrpd connected"))
        #expect(h.vrrpdLog.contains("checkd connected"))
        // ha_suspend: with the VIP present, the checks of its virtual server run.
        #expect(h.checkd!.waitForOutput(timeout: 10) { $0.contains("Activating healthchecker for service") }, "\(h.checkdLog.suffix(1500))")

        // Both confined, as their own users, while they talk.
        let v = Self.confinement(h.vrrpd!.pid), c = Self.confinement(h.checkd!.pid)
        #expect(v.uid == Self.uid(of: "keepalived-vrrpd") && v.seccomp == "2", "vrrpd: \(v)")
        #expect(c.uid == Self.uid(of: "keepalived-checkd") && c.seccomp == "2", "checkd: \(c)")
        #expect(h.vrrpd!.isRunning && h.checkd!.isRunning, "nothing was killed by its seccomp filter")
    }

    @Test func aCheckdStartedOrRestartedAfterVrrpdIsMasterLearnsTheStateOnConnecting() throws {
        let h = try Host("kavrrpalone2")
        defer { h.close() }
        try h.startVrrpd()
        #expect(h.vrrpd!.waitForOutput(timeout: 20) { $0.contains("(VI_ALONE) Entering MASTER STATE") }, "\(h.vrrpdLog)")
        // vrrpd has been trying to reach checkd; the state change itself went nowhere.
        try h.startCheckd()
        #expect(h.checkd!.waitForOutput(timeout: 15) { $0.contains(Self.masterReceived) },
                "checkd was told the present state on connecting: \(h.checkdLog.suffix(2000))\nvrrpd: \(h.vrrpdLog.suffix(2000))")

        // checkd restarts: vrrpd sees it go, reconnects to the new one and tells it again.
        h.checkd!.stop(grace: 10)
        #expect(h.vrrpd!.waitForOutput(timeout: 10) { $0.contains("checkd disconnected") }, "\(h.vrrpdLog.suffix(1500))")
        try h.startCheckd()
        #expect(h.checkd!.waitForOutput(timeout: 15) { $0.contains(Self.masterReceived) },
                "the restarted checkd learned the state: \(h.checkdLog.suffix(2000))")
        #expect(h.vrrpdLog.components(separatedBy: "checkd connected").count - 1 == 2, "\(h.vrrpdLog.suffix(2000))")
        #expect(h.vrrpdLog.components(separatedBy: "Entering MASTER STATE").count - 1 == 1, "VRRP undisturbed")
        #expect(h.vrrpd!.isRunning)
    }
}
