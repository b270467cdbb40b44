// Deriving InstanceSettings from the compiled model. kaconf has validated the
// config already; what remains here are keepalived's resolution rules
// (defaults from global_defs, options it clears with a warning), reported as
// notes so the daemon logs them once at start.
import ConfigModel

public struct SettingsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var instance: String
    public var message: String
    public var description: String { "vrrp_instance \(instance): \(message)" }
}

extension InstanceSettings {
    /// Resolves one vrrp_instance; `notes` collects keepalived's warnings.
    public static func derive(from c: VRRPInstance, global g: GlobalDefinitions, garpGroups: [GarpGroup] = [],
                              notes: inout [String]) throws(SettingsError) -> InstanceSettings {
        func note(_ s: String) { notes.append("vrrp_instance \(c.name): \(s)") }
        guard let vrid = c.virtualRouterId, vrid >= 1 else {
            throw SettingsError(instance: c.name, message: "the virtual router id must be set")
        }

        // The family follows the VIPs, else the configured peers/source.
        let family: AddressFamily = c.virtualIpaddress.isEmpty && c.unicastPeer.isEmpty && c.sourceIp == nil
            && c.nativeIpv6 ? .inet6 : c.family

        var version: VRRPVersion = c.effectiveVersion(g) == 3 ? .v3 : .v2
        if family == .inet6 && version == .v2 {
            note("VRRPv2 does not support IPv6, using version 3")
            version = .v3
        }

        let strict = c.effectiveStrictMode(g)
        let priority = c.priority == 0 ? 100 : c.priority
        var initialMaster = c.state == .master

        var auth = Authentication.none
        if let a = c.authentication, let t = a.authType {
            let pass = Array((a.authPass ?? "").utf8)
            if pass.count > 8 { note("auth_pass longer than 8 characters, truncated") }
            var key = Array(pass.prefix(8))
            key += [UInt8](repeating: 0, count: 8 - key.count)
            if version == .v3 || family == .inet6 {
                note("authentication is VRRPv2 IPv4 only, ignored")
            } else if strict {
                note("strict mode forbids authentication, ignored")
            } else {
                switch t {
                case .pass: auth = .password(key)
                case .ah:
                    auth = .ipsecAH(key: key)
                    if initialMaster {
                        note("Initial state master is incompatible with AH authentication - clearing")
                        initialMaster = false
                    }
                }
            }
        }

        var nopreempt = c.nopreempt
        var preemptDelay = c.preemptDelay.duration
        if nopreempt && (initialMaster || priority == 255) {
            note("nopreempt is incompatible with state MASTER or priority 255 - clearing")
            nopreempt = false
        }
        if preemptDelay > .zero && (initialMaster || priority == 255 || nopreempt || strict) {
            note("preempt_delay is incompatible with state MASTER, priority 255, nopreempt or strict mode - clearing")
            preemptDelay = .zero
        }

        let configured = c.advertInt.duration
        let interval: Duration
        switch version {
        case .v2:
            let field = VRRPTiming.intervalField(configured, version: .v2)
            interval = .seconds(Int64(field))
            if interval != configured { note("advert_int \(c.advertInt) rounded to \(field) s for VRRPv2") }
        case .v3:
            let field = VRRPTiming.intervalField(configured, version: .v3)
            interval = .milliseconds(Int64(field) * 10)
            if interval != configured { note("advert_int \(c.advertInt) rounded to \(field) cs for VRRPv3") }
        }

        let garp = c.effectiveGarp(g, garpGroups: garpGroups)
        var g2 = GratuitousSettings()
        // vrrp_min_garp: one packet, no second burst, unless the instance says otherwise.
        g2.masterDelay = .seconds(Int64(garp.minGarp && c.garpMasterDelay == nil ? 0 : garp.masterDelay))
        g2.masterRepeat = max(1, garp.minGarp && c.garpMasterRepeat == nil ? 1 : garp.masterRepeat)
        g2.masterRefresh = .seconds(Int64(garp.masterRefresh))
        g2.masterRefreshRepeat = max(1, garp.masterRefreshRepeat)
        g2.lowerPriorityDelay = .seconds(Int64(garp.minGarp && c.garpLowerPrioDelay == nil
            && g.vrrpGarpLowerPrioDelay == nil ? Int(g2.masterDelay.components.seconds) : garp.lowerPrioDelay))
        g2.lowerPriorityRepeat = garp.minGarp && c.garpLowerPrioRepeat == nil && g.vrrpGarpLowerPrioRepeat == nil
            ? g2.masterRepeat : garp.lowerPrioRepeat
        g2.arpSpacing = garp.interval.duration
        g2.naSpacing = garp.gnaInterval.duration

        var vips: [AddressEntry] = []
        var excluded = c.virtualIpaddressExcluded
        for a in c.virtualIpaddress {
            if a.prefix.address.family == family { vips.append(a) } else {
                note("\(a.prefix.address) is not of the instance's family, added but not advertised")
                excluded.append(a)
            }
        }
        if vips.count > 255 {
            note("more than 255 virtual addresses; only the first 255 are advertised")
            excluded = Array(vips[255...]) + excluded
            vips = Array(vips.prefix(255))
        }

        let group: IPAddress = c.mcastDstIp ?? (family == .inet ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6)
        let peers = c.unicastPeer.filter { $0.address.family == family }

        return InstanceSettings(
            name: c.name, vrid: vrid, version: version, family: family, interface: c.interface,
            priority: priority, advertInterval: interval, authentication: auth, multicastGroup: group,
            unicastPeers: peers, sourceAddress: c.unicastSrcIp ?? c.mcastSrcIp, unicastTTL: c.unicastTtl,
            unicastChecksum: c.oldUnicastChecksum == nil ? .detect : c.oldUnicastChecksum == "never" ? .never : .old,
            oldChecksumGroup: g.vrrpMcastGroup4,
            initialStateMaster: initialMaster, nopreempt: nopreempt, preemptDelay: preemptDelay,
            downTimerAdverts: strict ? 3 : c.effectiveDownTimerAdverts(g), gratuitous: g2,
            lowerPriorityNoAdvert: c.effectiveLowerPrioNoAdvert(g),
            higherPrioritySendAdvert: strict ? false : c.effectiveHigherPrioSendAdvert(g),
            checkUnicastSource: c.effectiveCheckUnicastSrc(g),
            skipCheckAdvertAddresses: c.effectiveSkipCheckAdvAddr(g), strict: strict,
            accept: c.effectiveAccept(g), dontTrackPrimary: c.dontTrackPrimary,
            virtualAddresses: vips, excludedAddresses: excluded)
    }

    /// Every instance of a configuration; an instance that cannot be derived
    /// is reported and left out, the others still run.
    public static func deriveAll(_ config: KeepalivedConfiguration)
        -> (settings: [InstanceSettings], notes: [String], errors: [SettingsError]) {
        var out: [InstanceSettings] = []
        var notes: [String] = []
        var errors: [SettingsError] = []
        for c in config.vrrpInstances {
            do {
                out.append(try derive(from: c, global: config.global, garpGroups: config.garpGroups, notes: &notes))
            } catch {
                errors.append(error)
            }
        }
        return (out, notes, errors)
    }
}
