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
    public static func derive(from c: VRRPInstance, global g: GlobalDefinitions,
                              notes: inout [String]) throws(SettingsError) -> InstanceSettings {
        func note(_ s: String) { notes.append("vrrp_instance \(c.name): \(s)") }
        guard let vrid = c.virtualRouterId, vrid >= 1 else {
            throw SettingsError(instance: c.name, message: "the virtual router id must be set")
        }

        // The family follows the VIPs, else the configured source/peers.
        let family: AddressFamily = c.virtualIpaddress.first?.prefix.address.family
            ?? c.unicastSrcIp?.family ?? c.mcastSrcIp?.family ?? c.unicastPeer.first?.address.family
            ?? (c.nativeIpv6 ? .inet6 : .inet)

        var version: VRRPVersion = (c.version ?? g.vrrpVersion) == 3 ? .v3 : .v2
        if family == .inet6 && version == .v2 {
            note("VRRPv2 does not support IPv6, using version 3")
            version = .v3
        }

        let strict = c.strictMode ?? g.vrrpStrict
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

        var g2 = GratuitousSettings()
        let minGarp = g.vrrpMinGarp
        let gMasterDelay = minGarp ? 0 : g.vrrpGarpMasterDelay
        let gMasterRepeat = minGarp ? 1 : g.vrrpGarpMasterRepeat
        g2.masterDelay = .seconds(Int64(c.garpMasterDelay ?? gMasterDelay))
        g2.masterRepeat = max(1, c.garpMasterRepeat ?? gMasterRepeat)
        g2.masterRefresh = .seconds(Int64(c.garpMasterRefresh ?? g.vrrpGarpMasterRefresh))
        g2.masterRefreshRepeat = max(1, c.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat)
        g2.lowerPriorityDelay = .seconds(Int64(c.garpLowerPrioDelay ?? g.vrrpGarpLowerPrioDelay
            ?? c.garpMasterDelay ?? gMasterDelay))
        g2.lowerPriorityRepeat = c.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat ?? g2.masterRepeat
        g2.arpSpacing = g.vrrpGarpInterval.duration
        g2.naSpacing = g.vrrpGnaInterval.duration

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
        let ttlLimits = peers.contains { $0.minTtl != nil || $0.maxTtl != nil }

        return InstanceSettings(
            name: c.name, vrid: vrid, version: version, family: family, interface: c.interface,
            priority: priority, advertInterval: interval, authentication: auth, multicastGroup: group,
            unicastPeers: peers, sourceAddress: c.unicastSrcIp ?? c.mcastSrcIp, unicastTTL: c.unicastTtl,
            initialStateMaster: initialMaster, nopreempt: nopreempt, preemptDelay: preemptDelay,
            downTimerAdverts: strict ? 3 : (c.downTimerAdverts ?? g.vrrpDownTimerAdverts), gratuitous: g2,
            lowerPriorityNoAdvert: c.lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert ?? strict,
            higherPrioritySendAdvert: strict ? false : (c.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert ?? false),
            checkUnicastSource: (c.checkUnicastSrc ?? g.vrrpCheckUnicastSrc) || ttlLimits,
            skipCheckAdvertAddresses: c.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr, strict: strict,
            accept: c.accept ?? !(strict && priority != 255), dontTrackPrimary: c.dontTrackPrimary,
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
            do { out.append(try derive(from: c, global: config.global, notes: &notes)) } catch { errors.append(error) }
        }
        return (out, notes, errors)
    }
}
