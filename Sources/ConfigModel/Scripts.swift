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
        func visit(_ s: inout Script?, _ kind: ScriptUse.Kind, _ owner: String, _ p: Program?) {
            guard var v = s else { return }
            body(&v, ScriptUse(kind: kind, owner: owner, program: p))
            s = v
        }
        visit(&global.startupScript, .startup, "startup_script", nil)
        visit(&global.shutdownScript, .shutdown, "shutdown_script", nil)
        visit(&global.notifyFifoScript, .fifoScript, "notify_fifo_script", nil)
        visit(&global.vrrpNotifyFifoScript, .fifoScript, "vrrp_notify_fifo_script", .vrrpd)
        visit(&global.lvsNotifyFifoScript, .fifoScript, "lvs_notify_fifo_script", .checkd)
        for i in vrrpScripts.indices {
            visit(&vrrpScripts[i].script, .trackScript, "script of vrrp_script \(vrrpScripts[i].name)", .vrrpd)
        }
        for i in vrrpSyncGroups.indices {
            let o = "of vrrp_sync_group \(vrrpSyncGroups[i].name)"
            visit(&vrrpSyncGroups[i].notifyMaster, .notify, "notify_master \(o)", .vrrpd)
            visit(&vrrpSyncGroups[i].notifyBackup, .notify, "notify_backup \(o)", .vrrpd)
            visit(&vrrpSyncGroups[i].notifyFault, .notify, "notify_fault \(o)", .vrrpd)
            visit(&vrrpSyncGroups[i].notifyStop, .notify, "notify_stop \(o)", .vrrpd)
            visit(&vrrpSyncGroups[i].notify, .notify, "notify \(o)", .vrrpd)
        }
        for i in vrrpInstances.indices {
            let o = "of vrrp_instance \(vrrpInstances[i].name)"
            visit(&vrrpInstances[i].notifyMaster, .notify, "notify_master \(o)", .vrrpd)
            visit(&vrrpInstances[i].notifyBackup, .notify, "notify_backup \(o)", .vrrpd)
            visit(&vrrpInstances[i].notifyFault, .notify, "notify_fault \(o)", .vrrpd)
            visit(&vrrpInstances[i].notifyStop, .notify, "notify_stop \(o)", .vrrpd)
            visit(&vrrpInstances[i].notifyDeleted, .notify, "notify_deleted \(o)", .vrrpd)
            visit(&vrrpInstances[i].notify, .notify, "notify \(o)", .vrrpd)
            visit(&vrrpInstances[i].notifyMasterRxLowerPri, .notify, "notify_master_rx_lower_pri \(o)", .vrrpd)
        }
        for v in virtualServers.indices {
            let vsName = "virtual_server \(virtualServers[v].address)"
            visit(&virtualServers[v].quorumUp, .quorum, "quorum_up of \(vsName)", .checkd)
            visit(&virtualServers[v].quorumDown, .quorum, "quorum_down of \(vsName)", .checkd)
            for r in virtualServers[v].realServers.indices {
                let rsName = "real_server \(virtualServers[v].realServers[r].address) of \(vsName)"
                visit(&virtualServers[v].realServers[r].notifyUp, .realServerNotify, "notify_up of \(rsName)", .checkd)
                visit(&virtualServers[v].realServers[r].notifyDown, .realServerNotify, "notify_down of \(rsName)", .checkd)
                for c in virtualServers[v].realServers[r].checkers.indices {
                    guard case .misc(var m) = virtualServers[v].realServers[r].checkers[c] else { continue }
                    visit(&m.miscPath, .miscCheck, "misc_path of MISC_CHECK of \(rsName)", .checkd)
                    virtualServers[v].realServers[r].checkers[c] = .misc(m)
                }
            }
        }
    }

    /// Every script with where it is used, in visiting order.
    public var allScripts: [(Script, ScriptUse)] {
        var copy = self
        var out: [(Script, ScriptUse)] = []
        copy.visitScripts { s, use in out.append((s, use)) }
        return out
    }
}
