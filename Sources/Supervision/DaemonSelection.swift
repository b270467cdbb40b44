// Which daemons a configuration needs: vrrpd for VRRP, checkd with
// ipvs-applier for virtual servers; -P and -C narrow it as in keepalived,
// --all starts them even without configuration for them.
import ConfigModel
import Wire

public struct DaemonSelection: Sendable, Equatable {
    public var vrrpOnly = false
    public var checkOnly = false
    public var all = false
    public init(vrrpOnly: Bool = false, checkOnly: Bool = false, all: Bool = false) {
        self.vrrpOnly = vrrpOnly
        self.checkOnly = checkOnly
        self.all = all
    }

    public func programs(for config: KeepalivedConfiguration) -> [ProgramName] {
        let wantVRRP = !checkOnly || vrrpOnly
        let wantCheck = !vrrpOnly || checkOnly
        let hasVRRP = !config.vrrpInstances.isEmpty || !config.vrrpSyncGroups.isEmpty
            || !config.staticIpaddress.isEmpty || !config.staticRoutes.isEmpty || !config.staticRules.isEmpty
        let hasCheck = !config.virtualServers.isEmpty
        var out: [ProgramName] = []
        if wantVRRP && (hasVRRP || all) { out.append(.vrrpd) }
        if wantCheck && (hasCheck || all) { out += [.checkd, .ipvsApplier] }
        return out
    }
}
