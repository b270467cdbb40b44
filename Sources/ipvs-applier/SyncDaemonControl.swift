// The kernel's IPVS connection sync daemon (`lvs_sync_daemon`), following
// the VRRP instance it names: master while the instance is MASTER, backup
// otherwise (as keepalived does), stopped when the applier stops.
import IPVS
import IPVSNetlink
import Logging
import Wire

final class SyncDaemonControl {
    private(set) var plan: SyncDaemonPlan?
    private var running: SyncDaemonSettings.State?
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func configure(_ p: SyncDaemonPlan?, client: IPVSNetlinkClient) {
        if p != plan, running != nil { stop(client: client) }
        plan = p
        if let p, p.instance == nil {
            logger.warning("lvs_sync_daemon on \(p.interface) names no vrrp_instance to follow: not started")
        }
    }

    func follow(_ change: VRRPStateChange, client: IPVSNetlinkClient) {
        guard let p = plan, let instance = p.instance, change.instance == instance else { return }
        let want: SyncDaemonSettings.State?
        switch change.state {
        case .master: want = .master
        case .backup, .fault, .initial: want = .backup
        case .stopped: want = nil
        }
        guard want != running else { return }
        if running != nil { stop(client: client) }
        guard let want else { return }
        do {
            try client.startSyncDaemon(SyncDaemonSettings(state: want, interface: p.interface, syncID: p.syncID,
                                                          maxLength: p.maxLength, group: p.group, port: p.port, ttl: p.ttl))
            running = want
            logger.info("IPVS sync daemon started as \(want) on \(p.interface), syncid \(p.syncID) (\(instance) is \(change.state.rawValue))")
        } catch {
            logger.error("cannot start the IPVS sync daemon as \(want) on \(p.interface): \(error)")
        }
    }

    func stop(client: IPVSNetlinkClient) {
        guard let r = running else { return }
        do {
            try client.stopSyncDaemon(r)
            logger.info("IPVS sync daemon (\(r)) stopped")
        } catch {
            logger.error("cannot stop the IPVS sync daemon (\(r)): \(error)")
        }
        running = nil
    }

    var state: SyncDaemonSettings.State? { running }
}
