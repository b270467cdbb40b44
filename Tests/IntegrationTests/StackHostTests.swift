// The real supervisor with the real daemons on this host, which has no
// IPVS: `keepalived` without -P or -C on a configuration with a
// vrrp_instance and a virtual_server starts vrrpd, checkd and ipvs-applier;
// ipvs-applier finds no IPVS and exits with status 69. The supervisor says
// so once, does not respawn it, and keeps vrrpd (master, same process) and
// checkd (still checking a real server in the namespace, its verdicts in
// the log) running; a reload tries the applier again, once; SIGTERM stops
// everything cleanly. (keepalived's checker process exits when IPVS cannot
// be initialised, and keepalived keeps VRRP.)
import Foundation
import Testing
import TestSupport

@Suite(.serialized, .enabled(if: TestEnvironment.isRoot, "needs root: a network namespace, the daemons' users"))
struct StackOnAHostWithoutIPVS {
    static let config = """
        global_defs {
            router_id host-without-ipvs
        }

        vrrp_instance VI_HOST {
            state BACKUP
            interface eth0
            virtual_router_id 61
            priority 150
            version 3
            advert_int 0.1
            virtual_ipaddress {
                10.61.0.100/24
            }
        }

        virtual_server 10.61.0.100 80 {
            delay_loop 1
            lb_algo rr
            lb_kind NAT
            protocol TCP
            real_server 127.0.0.2 8080 {
                TCP_CHECK {
                    connect_timeout 1
                    retry 1
                    delay_before_retry 1
                }
            }
        }

        """

    static func pid(in file: String) -> Int32? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    @Test func withoutIPVSTheSupervisorKeepsVRRPAndTheCheckerRunningAndSaysSoOnce() throws {
        let ns = try Netns("kanoipvs")
        defer { ns.remove() }
        try ns.sh("ip link add eth0 type veth peer name peer0 && ip link set eth0 up && ip link set peer0 up && ip addr add 10.61.0.1/24 dev eth0")
        let dir = try TempDirectory("ka-noipvs")
        defer { dir.remove() }
        chmod(dir.path, 0o755)
        let conf = try dir.write("keepalived.conf", Self.config)
        // The real server: a TCP listener on the namespace's loopback.
        let listener = "import socket,sys\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
            + "s.bind(('127.0.0.2',8080))\ns.listen(8)\nwhile True:\n  c,_=s.accept(); c.close()\n"
        var server: Spawned? = try ns.spawn(["/usr/bin/python3", "-c", listener], outputFile: dir.file("server.log"))
        defer { server?.stop() }

        let k = try ns.spawn([TestEnvironment.binary("keepalived"), "-n", "-l", "-G", "-f", conf,
                              "-p", dir.file("k.pid"), "-r", dir.file("vrrp.pid"), "-c", dir.file("checkers.pid"),
                              "--policy-dir", TestEnvironment.packageRoot.appendingPathComponent("policies").path],
                             outputFile: dir.file("keepalived.log"))
        defer { k.stop(grace: 15) }
        func count(_ s: String) -> Int { k.output.components(separatedBy: s).count - 1 }

        #expect(k.waitForOutput(timeout: 30) { $0.contains("IPVS is not available on this host") }, "\(k.output)")
        #expect(k.waitForOutput(timeout: 15) { $0.contains("(VI_HOST) Entering MASTER STATE") }, "vrrpd became master")
        #expect(k.waitForOutput(timeout: 15) { $0.contains("checkd runs configuration") })
        let vrrpd = Self.pid(in: dir.file("vrrp.pid"))
        let checkd = Self.pid(in: dir.file("checkers.pid"))
        #expect(vrrpd != nil && checkd != nil)

        // No respawn loop: a while later the applier was started once, the
        // others are the same processes, and the supervisor still runs.
        Thread.sleep(forTimeInterval: 4)
        #expect(count("Starting ipvs-applier child process") == 1, "\(k.output)")
        #expect(count("IPVS is not available on this host") == 1)
        #expect(k.output.contains("exited with status 69: what it needs is not available on this host; not respawned"))
        #expect(!k.output.contains("respawning ipvs-applier"))
        #expect(Self.pid(in: dir.file("vrrp.pid")) == vrrpd)
        #expect(Self.pid(in: dir.file("checkers.pid")) == checkd)
        #expect(k.isRunning)
        #expect(try ns.sh("ip -br addr show dev eth0").contains("10.61.0.100/24"), "vrrpd holds its address")

        // checkd keeps checking: the real server stops, checkd says so.
        server?.stop()
        server = nil
        #expect(k.waitForOutput(timeout: 15) { $0.split(separator: "\n").contains { $0.contains("Removing service") && $0.contains("127.0.0.2") } },
                "checkd's verdict is logged: \(k.output.suffix(1500))")

        // A reload tries the applier again, once; VRRP is not disturbed.
        k.signal(SIGHUP)
        #expect(k.waitForOutput(timeout: 30) { _ in count("IPVS is not available on this host") == 2 })
        Thread.sleep(forTimeInterval: 2)
        #expect(count("Starting ipvs-applier child process") == 2)
        #expect(Self.pid(in: dir.file("vrrp.pid")) == vrrpd)
        #expect(count("Entering MASTER STATE") == 1, "no VRRP transition from the reload")

        k.stop(grace: 15)
        #expect(k.process.terminationReason == .exit && k.process.terminationStatus == 0, "\(k.output.suffix(1500))")
        #expect(!(try ns.sh("ip -br addr show dev eth0").contains("10.61.0.100/24")), "vrrpd released its address on stop")
    }
}
