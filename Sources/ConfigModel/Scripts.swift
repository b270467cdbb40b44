// Every script of a configuration, in one fixed order: the compiler numbers
// them (ScriptID) and checks them, `slice(for:)` keeps the ones a program
// references, and the supervisor runs them by number.

/// Where a script is configured and which program asks for it to be run.
public struct ScriptUse: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case notify, trackScript, miscCheck, realServerNotify, quorum, fifoScript, startup, shutdown
    }
    public var kind: Kind
    /// e.g. "notify_master of vrrp_instance VI_1".
    public var owner: String
    /// The program that runs it; nil for the supervisor's own scripts.
    public var program: Program?
}

extension KeepalivedConfiguration {
    /// Calls `body` for every script, in a fixed order, letting it change each one.
    public mutating func visitScripts(_ body: (inout Script, ScriptUse) -> Void) {
        // Owner names are built only for scripts that exist: a configuration
        // may have 100,000 real servers and a handful of scripts.
        func visit(_ s: inout Script?, _ kind: ScriptUse.Kind, _ owner: @autoclosure () -> String, _ p: Program?) {
            guard s != nil else { return }
            body(&s!, ScriptUse(kind: kind, owner: owner(), program: p))
        }
        visit(&global.startupScript, .startup, "startup_script", nil)
        visit(&global.shutdownScript, .shutdown, "shutdown_script", nil)
        visit(&global.notifyFifoScript, .fifoScript, "notify_fifo_script", nil)
        visit(&global.vrrpNotifyFifoScript, .fifoScript, "vrrp_notify_fifo_script", .vrrpd)
        visit(&global.lvsNotifyFifoScript, .fifoScript, "lvs_notify_fifo_script", .checkd)
        for i in vrrpScripts.indices where vrrpScripts[i].script != nil {
            let name = vrrpScripts[i].name
            visit(&vrrpScripts[i].script, .trackScript, "script of vrrp_script \(name)", .vrrpd)
        }
        for i in vrrpSyncGroups.indices {
            let name = vrrpSyncGroups[i].name
            visit(&vrrpSyncGroups[i].notifyMaster, .notify, "notify_master of vrrp_sync_group \(name)", .vrrpd)
            visit(&vrrpSyncGroups[i].notifyBackup, .notify, "notify_backup of vrrp_sync_group \(name)", .vrrpd)
            visit(&vrrpSyncGroups[i].notifyFault, .notify, "notify_fault of vrrp_sync_group \(name)", .vrrpd)
            visit(&vrrpSyncGroups[i].notifyStop, .notify, "notify_stop of vrrp_sync_group \(name)", .vrrpd)
            visit(&vrrpSyncGroups[i].notify, .notify, "notify of vrrp_sync_group \(name)", .vrrpd)
        }
        for i in vrrpInstances.indices {
            let vi = vrrpInstances[i]
            guard vi.notifyMaster != nil || vi.notifyBackup != nil || vi.notifyFault != nil || vi.notifyStop != nil
                || vi.notifyDeleted != nil || vi.notify != nil || vi.notifyMasterRxLowerPri != nil else { continue }
            let name = vi.name
            visit(&vrrpInstances[i].notifyMaster, .notify, "notify_master of vrrp_instance \(name)", .vrrpd)
            visit(&vrrpInstances[i].notifyBackup, .notify, "notify_backup of vrrp_instance \(name)", .vrrpd)
            visit(&vrrpInstances[i].notifyFault, .notify, "notify_fault of vrrp_instance \(name)", .vrrpd)
            visit(&vrrpInstances[i].notifyStop, .notify, "notify_stop of vrrp_instance \(name)", .vrrpd)
            visit(&vrrpInstances[i].notifyDeleted, .notify, "notify_deleted of vrrp_instance \(name)", .vrrpd)
            visit(&vrrpInstances[i].notify, .notify, "notify of vrrp_instance \(name)", .vrrpd)
            visit(&vrrpInstances[i].notifyMasterRxLowerPri, .notify, "notify_master_rx_lower_pri of vrrp_instance \(name)", .vrrpd)
        }
        // Read before written: an inout access to a real server's scripts
        // would write each of 100,000 real servers back, and names are made
        // only for the scripts found.
        for v in virtualServers.indices {
            let vsAddress = virtualServers[v].address
            if virtualServers[v].quorumUp != nil {
                visit(&virtualServers[v].quorumUp, .quorum, "quorum_up of virtual_server \(vsAddress)", .checkd)
            }
            if virtualServers[v].quorumDown != nil {
                visit(&virtualServers[v].quorumDown, .quorum, "quorum_down of virtual_server \(vsAddress)", .checkd)
            }
            for r in virtualServers[v].realServers.indices {
                let rsAddress = virtualServers[v].realServers[r].address
                if virtualServers[v].realServers[r].notifyUp != nil {
                    visit(&virtualServers[v].realServers[r].notifyUp, .realServerNotify, "notify_up of real_server \(rsAddress) of virtual_server \(vsAddress)", .checkd)
                }
                if virtualServers[v].realServers[r].notifyDown != nil {
                    visit(&virtualServers[v].realServers[r].notifyDown, .realServerNotify, "notify_down of real_server \(rsAddress) of virtual_server \(vsAddress)", .checkd)
                }
                for c in virtualServers[v].realServers[r].checkers.indices {
                    guard case .misc(var m) = virtualServers[v].realServers[r].checkers[c], m.miscPath != nil else { continue }
                    visit(&m.miscPath, .miscCheck, "misc_path of MISC_CHECK of real_server \(rsAddress) of virtual_server \(vsAddress)", .checkd)
                    virtualServers[v].realServers[r].checkers[c] = .misc(m)
                }
            }
        }
    }

    /// Calls `body` for every script, in the same order as `visitScripts`,
    /// without changing (or copying) the configuration.
    public func forEachScript(_ body: (Script, ScriptUse) -> Void) {
        func visit(_ s: Script?, _ kind: ScriptUse.Kind, _ owner: @autoclosure () -> String, _ p: Program?) {
            guard let s else { return }
            body(s, ScriptUse(kind: kind, owner: owner(), program: p))
        }
        visit(global.startupScript, .startup, "startup_script", nil)
        visit(global.shutdownScript, .shutdown, "shutdown_script", nil)
        visit(global.notifyFifoScript, .fifoScript, "notify_fifo_script", nil)
        visit(global.vrrpNotifyFifoScript, .fifoScript, "vrrp_notify_fifo_script", .vrrpd)
        visit(global.lvsNotifyFifoScript, .fifoScript, "lvs_notify_fifo_script", .checkd)
        for s in vrrpScripts { visit(s.script, .trackScript, "script of vrrp_script \(s.name)", .vrrpd) }
        for g in vrrpSyncGroups {
            visit(g.notifyMaster, .notify, "notify_master of vrrp_sync_group \(g.name)", .vrrpd)
            visit(g.notifyBackup, .notify, "notify_backup of vrrp_sync_group \(g.name)", .vrrpd)
            visit(g.notifyFault, .notify, "notify_fault of vrrp_sync_group \(g.name)", .vrrpd)
            visit(g.notifyStop, .notify, "notify_stop of vrrp_sync_group \(g.name)", .vrrpd)
            visit(g.notify, .notify, "notify of vrrp_sync_group \(g.name)", .vrrpd)
        }
        for vi in vrrpInstances {
            visit(vi.notifyMaster, .notify, "notify_master of vrrp_instance \(vi.name)", .vrrpd)
            visit(vi.notifyBackup, .notify, "notify_backup of vrrp_instance \(vi.name)", .vrrpd)
            visit(vi.notifyFault, .notify, "notify_fault of vrrp_instance \(vi.name)", .vrrpd)
            visit(vi.notifyStop, .notify, "notify_stop of vrrp_instance \(vi.name)", .vrrpd)
            visit(vi.notifyDeleted, .notify, "notify_deleted of vrrp_instance \(vi.name)", .vrrpd)
            visit(vi.notify, .notify, "notify of vrrp_instance \(vi.name)", .vrrpd)
            visit(vi.notifyMasterRxLowerPri, .notify, "notify_master_rx_lower_pri of vrrp_instance \(vi.name)", .vrrpd)
        }
        for vs in virtualServers {
            visit(vs.quorumUp, .quorum, "quorum_up of virtual_server \(vs.address)", .checkd)
            visit(vs.quorumDown, .quorum, "quorum_down of virtual_server \(vs.address)", .checkd)
            for rs in vs.realServers {
                visit(rs.notifyUp, .realServerNotify, "notify_up of real_server \(rs.address) of virtual_server \(vs.address)", .checkd)
                visit(rs.notifyDown, .realServerNotify, "notify_down of real_server \(rs.address) of virtual_server \(vs.address)", .checkd)
                for c in rs.checkers {
                    guard case .misc(let m) = c else { continue }
                    visit(m.miscPath, .miscCheck, "misc_path of MISC_CHECK of real_server \(rs.address) of virtual_server \(vs.address)", .checkd)
                }
            }
        }
    }

    /// Every script with where it is used, in visiting order.
    public var allScripts: [(Script, ScriptUse)] {
        var out: [(Script, ScriptUse)] = []
        forEachScript { s, use in out.append((s, use)) }
        return out
    }
}
