// vrrpd and ipvs-applier each started alone, as their systemd units start
// them (no supervisor, each sandboxed as its own user), sharing one runtime
// directory: vrrpd connects to <runtime>/ipvs-applier/ipvs-applier.sock and
// tells it its states, so lvs_sync_daemon follows VRRP without a relay; an
// applier restarted while vrrpd is MASTER is told the state on connecting.
import ConfigModel
import Foundation
import TestSupport

func aloneVrrpdTellsApplier(_ s: Suite, _ r: inout CaseResult) throws {
    try addSyncVeth(address: "192.168.79.1/24")
    defer { removeSyncVeth() }
    let dir = s.scratch("alone-vrrp")
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    chmod(dir, 0o755)

    // ipvs-applier's configuration: a virtual server and the sync daemon on VI_SYNC (VRID 42, the sync id).
    let config = syncDaemonConfiguration("10.172.0.1", "10.173.0.1")
    // vrrpd's: the same instance, master by priority.
    let vrrpConf = "\(dir)/vrrp.conf"
    try """
        vrrp_instance VI_SYNC {
            state BACKUP
            interface kasync0
            virtual_router_id 42
            priority 150
            version 3
            advert_int 0.1
            virtual_ipaddress {
                10.172.0.100/24
            }
        }

        """.write(toFile: vrrpConf, atomically: true, encoding: .utf8)
    chmod(vrrpConf, 0o644)

    func daemons() -> String {
        ((try? run(["/usr/sbin/ipvsadm", "-L", "--daemon"]).stdout) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let masterPrefix = "master sync daemon (mcast=kasync0, syncid=42,"
    var ok = true

    var applier = try DaemonUnderTest(config: config, dir: "\(dir)/run")
    try applier.waitStarted()
    let vrrpd = try Spawned(["\(DaemonUnderTest.binDirectory)/vrrpd", "-f", vrrpConf, "-l", "-G", "--runtime-dir", "\(dir)/run",
                             "--policy-dir", DaemonUnderTest.policyDirectory], outputFile: "\(dir)/vrrpd.log")
    defer { vrrpd.stop(grace: 10) }
    func vrrpdTail() -> String { vrrpd.output.split(separator: "\n").suffix(15).joined(separator: " | ") }

    let master = vrrpd.waitForOutput(timeout: 30) { $0.contains("(VI_SYNC) Entering MASTER STATE") }
    let followed = waitUntil(timeout: 20) { daemons().hasPrefix(masterPrefix) }
    let first = daemons()
    r.details.append("vrrpd MASTER: \(master), sync daemon: '\(first)'")
    if !master { ok = false; r.details.append("vrrpd did not become master: \(vrrpdTail())") }
    if !followed { ok = false; r.details.append("the sync daemon did not follow vrrpd's MASTER over the named socket") }
    let problems = sandboxProblems(pid: vrrpd.pid, user: "keepalived-vrrpd", capabilities: "0000000000003000")
    r.details.append("vrrpd sandbox: \(problems.isEmpty ? "as its profile says" : problems.joined(separator: "; "))")
    if !problems.isEmpty { ok = false }

    // The applier restarts (its sync daemon stops with it); the new one is
    // told VI_SYNC's state when vrrpd reconnects, with no VRRP transition.
    let ended = applier.stop()
    let between = daemons()
    if ended != "exit 0" || !between.isEmpty { ok = false; r.details.append("applier stop: \(ended), sync daemon after: '\(between)'") }
    applier = try DaemonUnderTest(config: config, dir: "\(dir)/run")
    try applier.waitStarted()
    let again = waitUntil(timeout: 20) { daemons().hasPrefix(masterPrefix) }
    let second = daemons()
    r.details.append("after the applier's restart, sync daemon: '\(second)'")
    if !again { ok = false; r.details.append("the restarted applier was not told vrrpd's MASTER state: \(vrrpdTail())") }
    let transitions = vrrpd.output.components(separatedBy: "Entering MASTER STATE").count - 1
    if transitions != 1 { ok = false; r.details.append("vrrpd entered MASTER \(transitions) times") }
    if !vrrpd.isRunning { ok = false; r.details.append("vrrpd died: \(vrrpdTail())") }
    r.ours = [[first], [between], [second]]
    _ = applier.stop()
    r.passed = ok
    if !ok { r.details.append("ipvs-applier log tail: " + applier.log.split(separator: "\n").suffix(20).joined(separator: " | ")) }
}
