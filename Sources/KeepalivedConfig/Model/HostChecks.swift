// Checks that ask the machine (through `Host`): do the interfaces exist, and
// would the scripts run, as keepalived 2.2.7's `-t` judges them on the
// director (reference §2.2, §3.2). Skipped with --offline.

import ConfigModel

struct HostChecks {
    let b: ModelBuilder
    let host: any Host
    /// Directory of the main configuration file: keepalived resolves
    /// relative script paths from there.
    let configDirectory: String
    let cache = Cache()

    // keepalived searches PATH for commands without a '/'; run as a daemon
    // it has the default system path.
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    func run() {
        guard host.isOnline else { return }
        checkInterfaces()
        checkScripts()
    }

    // MARK: Interfaces

    func checkInterfaces() {
        let c = b.config
        guard !c.global.dynamicInterfaces else { return }
        let present = host.interfaceNames()
        func check(_ name: String?, _ what: @autoclosure () -> String, _ at: Spot?) {
            guard let name, !present.contains(name) else { return }
            let msg = "interface \(name) for \(what()) does not exist"
            let notes = ["use dynamic_interfaces in global_defs if it will be created later"]
            if let at { b.error(msg, at: at, notes: notes) } else { b.diagnostics.report(Diagnostic(.error, msg, notes: notes)) }
        }
        for (i, vi) in c.vrrpInstances.enumerated() {
            let org = b.origins.vrrpInstances[i]
            let what = "vrrp_instance \(vi.name)"
            check(vi.interface, what, org.spot("interface"))
            check(vi.vrf, "vrf of \(what)", org.spot("vrf"))
            for t in vi.trackInterface { check(t.name, "track_interface of \(what)", org.spot("track_interface")) }
            for a in vi.virtualIpaddress { check(a.dev, "address \(a.prefix) of \(what)", org.spot("virtual_ipaddress")) }
            for a in vi.virtualIpaddressExcluded {
                check(a.dev, "address \(a.prefix) of \(what)", org.spot("virtual_ipaddress_excluded"))
            }
            for r in vi.virtualRoutes { check(r.dev, "route \(r.destination) of \(what)", org.spot("virtual_routes")) }
        }
        for (i, sg) in c.vrrpSyncGroups.enumerated() {
            for t in sg.trackInterface {
                check(t.name, "track_interface of vrrp_sync_group \(sg.name)", b.origins.vrrpSyncGroups[i].spot("track_interface"))
            }
        }
        let top = b.origins.topLevel
        for a in c.staticIpaddress { check(a.dev, "static address \(a.prefix)", top["static_ipaddress"]) }
        for r in c.staticRoutes { check(r.dev, "static route \(r.destination)", top["static_routes"]) }
        if let d = c.global.lvsSyncDaemon { check(d.interface, "lvs_sync_daemon", b.origins.global["lvs_sync_daemon"]) }
    }

    // MARK: Scripts

    struct Found {
        var path: String
        var insecure: Bool
    }

    func checkScripts() {
        let c = b.config
        let g = c.global
        var executed = 0
        var insecure = 0
        var scriptUser: HostUser?
        if let name = g.scriptUser {
            scriptUser = host.user(named: name)
            if scriptUser == nil, let at = b.origins.global["script_user"] {
                b.error("script_user \(name) does not exist", at: at, notes: ["keepalived would not run any script"])
                return
            }
        } else {
            scriptUser = host.user(named: "keepalived_script")
            if scriptUser == nil && g.enableScriptSecurity {
                let n = b.origins.global["enable_script_security"]
                let msg = "enable_script_security is set, but there is no script_user and user keepalived_script does not exist"
                if let n {
                    b.error(msg, at: n, notes: ["keepalived would run no script"])
                } else {
                    b.diagnostics.report(Diagnostic(.error, msg))
                }
                return
            }
        }
        let defaultUser = scriptUser ?? HostUser(name: "root", uid: 0, gid: 0)
        let hasInstances = !c.vrrpInstances.isEmpty
        let hasServices = !c.virtualServers.isEmpty
        c.forEachScript { script, use in
            // A daemon that does not run never runs its scripts.
            if use.program == .vrrpd && !hasInstances { return }
            if use.program == .checkd && !hasServices { return }
            let spots = b.origins.scripts.indices.contains(script.id.index) ? b.origins.scripts[script.id.index] : nil
            var user = defaultUser
            if let u = script.user {
                guard let hu = host.user(named: u) else {
                    if let at = spots?.user ?? spots?.command {
                        b.error("user \(u) for \(use.owner) does not exist", at: at, notes: ["keepalived would not run this script"])
                    } else {
                        b.diagnostics.report(Diagnostic(.error, "user \(u) for \(use.owner) does not exist"))
                    }
                    return
                }
                user = hu
            }
            // keepalived passes commands starting with "</" (shell
            // redirections) without looking for them.
            if script.argv[0].hasPrefix("</") { return }
            guard let found = locate(script.argv[0], runAs: user) else {
                if use.kind == .trackScript, let at = spots?.command {
                    b.warning("\(use.owner): '\(script.argv[0])' is not found or not executable", at: at,
                              notes: ["keepalived would disable this track script"])
                }
                return
            }
            executed += 1
            if found.insecure {
                insecure += 1
                if g.enableScriptSecurity {
                    let msg = "\(use.owner): '\(found.path)' or a directory above it is writable by users other than \(user.name)"
                    if let at = spots?.command {
                        b.warning(msg, at: at, notes: ["keepalived would not run this script"])
                    } else {
                        b.diagnostics.report(Diagnostic(.warning, msg, notes: ["keepalived would not run this script"]))
                    }
                }
            }
        }
        if executed > 0 && !g.enableScriptSecurity {
            var notes = ["set enable_script_security in global_defs (and script_user) so scripts are checked before they run as root"]
            if insecure > 0 { notes.append("\(insecure) of them are writable by other users") }
            b.diagnostics.report(Diagnostic(.scriptSecurity,
                                            "scripts are configured but enable_script_security is not set", notes: notes))
        }
    }

    /// The script's real path and whether it is safe to run as `user`, or
    /// nil when it is not found or not executable. Answers are cached: a
    /// large configuration runs the same few commands thousands of times.
    func locate(_ command: String, runAs user: HostUser) -> Found? {
        let key = LocateKey(command: command, uid: user.uid, gid: user.gid)
        if let hit = cache.found[key] { return hit }
        let answer = locateUncached(command, runAs: user)
        cache.found[key] = .some(answer)
        return answer
    }

    struct LocateKey: Hashable {
        var command: String
        var uid: UInt32
        var gid: UInt32
    }

    final class Cache {
        var found: [LocateKey: Found?] = [:]
    }

    func locateUncached(_ command: String, runAs user: HostUser) -> Found? {
        var candidates: [String] = []
        if command.contains("/") {
            candidates = [command.hasPrefix("/") ? command : configDirectory + "/" + command]
        } else {
            candidates = Self.searchPath.map { $0 + "/" + command }
        }
        for cand in candidates {
            guard let real = host.realPath(cand), let st = host.status(of: real, follow: true),
                  st.kind == .regular, st.isExecutable else { continue }
            return Found(path: real, insecure: isInsecure(real, user: user))
        }
        return nil
    }

    /// keepalived's rule: the file and every directory above it must be owned
    /// by root or the script's user, and not writable by anyone else (a
    /// sticky directory's write bits are allowed).
    func isInsecure(_ path: String, user: HostUser) -> Bool {
        var components: [String] = []
        var p = path
        while true {
            components.append(p)
            guard let slash = p.lastIndex(of: "/") else { break }
            if slash == p.startIndex { if p != "/" { components.append("/") }; break }
            p = String(p[..<slash])
        }
        for (i, comp) in components.enumerated() {
            guard let st = host.status(of: comp, follow: false) else { return true }
            if st.uid != 0 && st.uid != user.uid { return true }
            let sticky = i > 0 && st.mode & 0o1000 != 0
            if sticky { continue }
            if st.mode & 0o002 != 0 { return true }
            if st.mode & 0o020 != 0 && st.gid != 0 && st.gid != user.gid { return true }
        }
        return false
    }
}
