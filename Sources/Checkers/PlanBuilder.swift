// Compiled configuration -> HealthPlan: inheritance of checker settings from
// the real server and virtual server, checker-type defaults (reference §2.3,
// §5.1), Host headers and SNI names, and keepalived's labels.

import ConfigModel

public enum PlanBuilder {
    /// Builds the plan for `config`. Things checkd cannot act on (BFD_CHECK,
    /// a url without a path, a FILE_CHECK on an unknown track_file) are left
    /// out and listed in `notes`; kaconf has already reported them.
    public static func build(_ config: KeepalivedConfiguration) -> HealthPlan {
        var notes: [String] = []
        var trackFiles: [TrackFileSpec] = []
        var trackIndex: [String: Int] = [:]
        for tf in config.trackFiles {
            guard let path = tf.file else {
                notes.append("track_file \(tf.name) has no file; ignored")
                continue
            }
            trackIndex[tf.name] = trackFiles.count
            trackFiles.append(TrackFileSpec(name: tf.name, path: path, weight: Int64(tf.weight), reverse: tf.weightReverse,
                                            initFile: tf.initFile, initFileOverwrite: tf.initFileOverwrite))
        }

        let g = config.global
        var servers: [VirtualServerSpec] = []
        for (vsIndex, vs) in config.virtualServers.enumerated() {
            let proto = vs.protocol ?? .udp  // keepalived: missing protocol -> UDP
            let vsLabel = label(of: vs.address, protocol: proto)
            let vsPort: UInt16
            var vsAddress: IPAddress?
            switch vs.address {
            case .ip(let a, let p): vsPort = p; vsAddress = a
            case .fwmark, .group: vsPort = 0
            }
            let vsSMTP = vs.smtpAlert ?? g.smtpAlertChecker ?? g.smtpAlert ?? false
            var reals: [RealServerSpec] = []
            for (rsIndex, rs) in vs.realServers.enumerated() {
                let port = vs.effectivePort(of: rs)
                let rsLabel = trio(rs.address, proto, port)
                var checkers: [CheckerSpec] = []
                for c in rs.checkers {
                    if let spec = checkerSpec(c, vs: vs, rs: rs, rsPort: port, proto: proto, global: g,
                                              trackIndex: trackIndex, trackFiles: trackFiles, notes: &notes) {
                        checkers.append(spec)
                    }
                }
                reals.append(RealServerSpec(
                    address: rs.address, port: port, configIndex: rsIndex,
                    weight: Int64(vs.effectiveWeight(of: rs)),
                    inhibitOnFailure: vs.effectiveInhibitOnFailure(of: rs),
                    notifyUp: rs.notifyUp?.id, notifyDown: rs.notifyDown?.id,
                    smtpAlert: vs.effectiveSmtpAlert(of: rs, global: g),
                    checkers: checkers, label: rsLabel))
            }
            var sorry: SorryServerSpec?
            if let s = vs.sorryServer {
                let p = s.port ?? vsPort
                sorry = SorryServerSpec(address: s.address, port: p, inhibit: vs.sorryServerInhibit, weight: 1,
                                        label: trio(s.address, proto, p))
            }
            servers.append(VirtualServerSpec(
                key: .address(vs.address, vs.protocol), configIndex: vsIndex, label: vsLabel,
                quorum: Int64(vs.quorum), hysteresis: Int64(vs.hysteresis),
                quorumUp: vs.quorumUp?.id, quorumDown: vs.quorumDown?.id,
                omega: vs.omega, haSuspend: vs.haSuspend, address: vsAddress,
                smtpAlert: vsSMTP, sorryServer: sorry, realServers: reals))
        }
        return HealthPlan(virtualServers: servers, trackFiles: trackFiles, routerId: g.routerId ?? "",
                          smtpConfigured: g.smtpServer != nil && !g.notificationEmail.isEmpty,
                          noCheckerEmails: g.noCheckerEmails, rsInitNotifies: g.rsInitNotifies, notes: notes)
    }

    // MARK: Labels (keepalived's FMT_VS / FMT_RS)

    public static func protocolName(_ p: IPVSProtocol) -> String {
        switch p {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        }
    }

    public static func trio(_ a: IPAddress, _ p: IPVSProtocol, _ port: UInt16) -> String {
        "[\(a)]:\(protocolName(p)):\(port)"
    }

    public static func label(of address: VirtualServerAddress, protocol p: IPVSProtocol) -> String {
        switch address {
        case .ip(let a, let port): return trio(a, p, port)
        case .fwmark(let m): return "FWM \(m)"
        case .group(let name): return "[\(name)]:0"
        }
    }

    // MARK: Checkers

    /// Timing after inheritance (ConfigModel's effectiveChecking, reference §5.1).
    private static func timing(_ c: Checker, vs: VirtualServer, rs: RealServer, global: GlobalDefinitions) -> CheckerTiming {
        let e = vs.effectiveChecking(of: c, on: rs, global: global)
        return CheckerTiming(delayLoop: e.delayLoop, retry: max(e.retry, 0), delayBeforeRetry: e.delayBeforeRetry,
                             warmup: e.warmup, connectTimeout: e.connectTimeout, alpha: e.alpha,
                             logAllFailures: e.logAllFailures)
    }

    private static func endpoint(_ c: CheckerCommon, rs: RealServer, rsPort: UInt16) -> Endpoint {
        Endpoint(address: c.connectIp ?? rs.address, port: c.connectPort ?? rsPort, bindto: c.bindto,
                 bindPort: c.bindPort, bindIf: c.bindIf, fwmark: c.fwmark)
    }

    /// The checker with its timing fields cleared: what must match across a reload.
    private static func identity(_ c: Checker) -> Checker {
        func strip(_ x: CheckerCommon) -> CheckerCommon {
            var x = x
            x.retry = nil; x.delayBeforeRetry = nil; x.warmup = nil; x.delayLoop = nil
            x.connectTimeout = nil; x.alpha = nil; x.logAllFailures = nil
            return x
        }
        switch c {
        case .tcp(let x): return .tcp(strip(x))
        case .ping(let x): return .ping(strip(x))
        case .http(var h): h.common = strip(h.common); h.usedNbGetRetry = false; return .http(h)
        case .ssl(var h): h.common = strip(h.common); h.usedNbGetRetry = false; return .ssl(h)
        case .misc(var m): m.common = strip(m.common); return .misc(m)
        case .smtp(var s): s.common = strip(s.common); return .smtp(s)
        case .dns(var d): d.common = strip(d.common); return .dns(d)
        case .udp(var u): u.common = strip(u.common); return .udp(u)
        case .file, .bfd: return c
        }
    }

    private static func checkerSpec(_ c: Checker, vs: VirtualServer, rs: RealServer, rsPort: UInt16, proto: IPVSProtocol,
                                    global: GlobalDefinitions, trackIndex: [String: Int], trackFiles: [TrackFileSpec],
                                    notes: inout [String]) -> CheckerSpec? {
        let where_ = "real server \(trio(rs.address, proto, rsPort))"
        func make(_ probe: ProbeSpec, _ t: CheckerTiming, _ model: CycleModel = .connection) -> CheckerSpec {
            let lbl: String
            if let e = probe.endpoint { lbl = trio(e.address, proto, e.port) } else { lbl = trio(rs.address, proto, rsPort) }
            return CheckerSpec(keyword: c.keyword, probe: probe, timing: t, model: model, label: lbl, identity: identity(c))
        }
        switch c {
        case .tcp(let co):
            return make(.tcp(endpoint(co, rs: rs, rsPort: rsPort)),
                        timing(c, vs: vs, rs: rs, global: global))
        case .ping(let co):
            var e = endpoint(co, rs: rs, rsPort: rsPort)
            e.port = 0
            return make(.ping(e), timing(c, vs: vs, rs: rs, global: global))
        case .http(let h), .ssl(let h):
            let tls: Bool
            if case .ssl = c { tls = true } else { tls = false }
            let e = endpoint(h.common, rs: rs, rsPort: rsPort)
            let t = timing(c, vs: vs, rs: rs, global: global)
            let hostPort: String
            switch e.address {
            case .v4: hostPort = "\(e.address):\(e.port)"
            case .v6: hostPort = "[\(e.address)]:\(e.port)"
            }
            var urls: [HTTPTarget] = []
            for u in h.urls {
                guard let path = u.path else {
                    notes.append("\(c.keyword) of \(where_): url without path dropped")
                    continue
                }
                let vhost = u.virtualhost ?? h.virtualhost ?? rs.virtualhost ?? vs.virtualhost
                urls.append(HTTPTarget(path: path, host: vhost ?? hostPort, virtualhost: vhost,
                                       digest: u.digest?.lowercased(), statusCodes: u.statusCode, regex: u.regex,
                                       regexNoMatch: u.regexNoMatch, regexMinOffset: u.regexMinOffset,
                                       regexMaxOffset: u.regexMaxOffset))
            }
            guard !urls.isEmpty else {
                notes.append("\(c.keyword) of \(where_) has no url; not run")
                return nil
            }
            let sni = h.enableSni ? (urls.first?.virtualhost ?? h.virtualhost ?? rs.virtualhost ?? vs.virtualhost) : nil
            let spec = HTTPProbeSpec(endpoint: e, tls: tls, httpProtocol: h.httpProtocol ?? "1.0", urls: urls, sniName: sni)
            return make(.http(spec), t, .http(urls: urls.count, fastRecovery: h.fastRecovery))
        case .misc(let m):
            guard let script = m.miscPath else {
                notes.append("MISC_CHECK of \(where_) has no misc_path; not run")
                return nil
            }
            let t = timing(c, vs: vs, rs: rs, global: global)
            let spec = MiscProbeSpec(script: script.id, argv: script.argv, timeout: m.miscTimeout ?? t.delayLoop,
                                     dynamic: m.miscDynamic, user: m.user ?? script.user, group: m.group ?? script.group)
            return make(.misc(spec), t, .script)
        case .smtp(let s):
            // The deprecated host{} blocks: keepalived checks the first target per
            // attempt; we take the first host block's connection when given.
            let co = s.hosts.first.map { merge($0, over: s.common) } ?? s.common
            return make(.smtp(endpoint(co, rs: rs, rsPort: rsPort), helo: s.heloName ?? "smtpchecker.keepalived.org"),
                        timing(c, vs: vs, rs: rs, global: global))
        case .dns(let d):
            return make(.dns(endpoint(d.common, rs: rs, rsPort: rsPort), type: d.type, name: d.name),
                        timing(c, vs: vs, rs: rs, global: global))
        case .udp(let u):
            var pattern: ReplyPattern?
            if u.requireReplyEnabled {
                if let text = u.requireReply {
                    guard let p = ReplyPattern(hex: text) else {
                        notes.append("UDP_CHECK of \(where_): require_reply '\(text)' is not hex; not run")
                        return nil
                    }
                    pattern = p
                } else {
                    pattern = ReplyPattern(nibbles: [])
                }
            }
            let spec = UDPProbeSpec(endpoint: endpoint(u.common, rs: rs, rsPort: rsPort), payload: u.payload,
                                    requireReply: pattern, minReplyLength: u.minReplyLength, maxReplyLength: u.maxReplyLength)
            return make(.udp(spec), timing(c, vs: vs, rs: rs, global: global))
        case .file(let f):
            guard let name = f.trackFile, let index = trackIndex[name] else {
                notes.append("FILE_CHECK of \(where_) names an unknown track_file; not run")
                return nil
            }
            let tf = trackFiles[index]
            let spec = FileProbeSpec(trackFile: index, weight: f.weight.map(Int64.init) ?? tf.weight,
                                     reverse: f.weight != nil ? f.weightReverse : tf.reverse)
            return make(.file(spec), CheckerTiming(alpha: false), .connection)
        case .bfd:
            notes.append("BFD_CHECK of \(where_) is not acted on (no BFD daemon); it counts as passing")
            return nil
        }
    }

    private static func merge(_ top: CheckerCommon, over base: CheckerCommon) -> CheckerCommon {
        var r = base
        if let v = top.connectIp { r.connectIp = v }
        if let v = top.connectPort { r.connectPort = v }
        if let v = top.bindto { r.bindto = v }
        if let v = top.bindPort { r.bindPort = v }
        if let v = top.bindIf { r.bindIf = v }
        if let v = top.connectTimeout { r.connectTimeout = v }
        if let v = top.fwmark { r.fwmark = v }
        return r
    }
}
