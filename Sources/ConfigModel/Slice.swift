// Each daemon loads only the sections it acts on, plus the scripts those
// sections reference. Script ids stay those of the whole configuration, so a
// request "run script N" means the same script to the supervisor.

extension CompiledConfig {
    /// The part of this configuration `program` needs.
    public func slice(for program: Program) -> CompiledConfig {
        var out = self
        var c = KeepalivedConfiguration()
        c.topLevel = config.topLevel
        c.global = config.global
        switch program {
        case .vrrpd:
            c.staticIpaddress = config.staticIpaddress
            c.staticRoutes = config.staticRoutes
            c.staticRules = config.staticRules
            c.trackGroups = config.trackGroups
            c.garpGroups = config.garpGroups
            c.linkbeatInterfaces = config.linkbeatInterfaces
            c.interfaceUpDownDelays = config.interfaceUpDownDelays
            c.vrrpScripts = config.vrrpScripts
            c.vrrpTrackProcesses = config.vrrpTrackProcesses
            c.trackFiles = config.trackFiles
            c.vrrpSyncGroups = config.vrrpSyncGroups
            c.vrrpInstances = config.vrrpInstances
            c.bfdInstances = config.bfdInstances
        case .checkd:
            c.trackFiles = config.trackFiles
            c.ssl = config.ssl
            c.virtualServerGroups = config.virtualServerGroups
            c.virtualServers = config.virtualServers
            c.bfdInstances = config.bfdInstances
        case .ipvsApplier:
            c.virtualServerGroups = config.virtualServerGroups
            // The applier needs the services and their real servers, not what
            // runs when they change. It keeps the checkers' settings (not their
            // scripts): whether a server is checked at all (unchecked servers
            // are always up), its `alpha`, and whether a checker may change its
            // weight (misc_dynamic, a weighted FILE_CHECK and its track_file)
            // bound what checkd's verdicts may ask for.
            c.trackFiles = config.trackFiles
            // The sync daemon's id defaults to its VRRP instance's VRID; the
            // instances themselves stay out of this slice, so resolve it here.
            if var sd = c.global.lvsSyncDaemon, sd.syncid == nil, let name = sd.instance,
               let vrid = config.vrrpInstances.first(where: { $0.name == name })?.virtualRouterId {
                sd.syncid = Int(vrid)
                c.global.lvsSyncDaemon = sd
            }
            c.virtualServers = config.virtualServers.map { vs in
                var vs = vs
                vs.quorumUp = nil
                vs.quorumDown = nil
                vs.realServers = vs.realServers.map { rs in
                    var rs = rs
                    rs.checkers = rs.checkers.map { ch in
                        guard case .misc(var m) = ch else { return ch }
                        m.miscPath = nil
                        return .misc(m)
                    }
                    rs.notifyUp = nil
                    rs.notifyDown = nil
                    return rs
                }
                return vs
            }
        }
        // Scripts of other programs (and the supervisor's own) leave the slice.
        c.global.startupScript = nil
        c.global.shutdownScript = nil
        c.global.notifyFifoScript = nil
        if program != .vrrpd { c.global.vrrpNotifyFifoScript = nil }
        if program != .checkd { c.global.lvsNotifyFifoScript = nil }
        var keep = Set<ScriptID>()
        c.forEachScript { s, _ in keep.insert(s.id) }
        out.config = c
        out.scripts = scripts.filter { keep.contains($0.id) }
        return out
    }
}
