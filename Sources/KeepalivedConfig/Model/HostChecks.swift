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
        func check(_ name: String?, _ what: String, _ at: (Token, LogicalLine)) {
            guard let name, !present.contains(name) else { return }
            b.error("interface \(name) for \(what) does not exist", at: at.0, line: at.1,
                    notes: ["use dynamic_interfaces in global_defs if it will be created later"])
        }
        for (i, vi) in c.vrrpInstances.enumerated() {
            let org = b.origins.vrrpInstances[i]
            let what = "vrrp_instance \(vi.name)"
            check(vi.interface, what, org.token("interface"))
            check(vi.vrf, "vrf of \(what)", org.token("vrf"))
            for t in vi.trackInterface { check(t.name, "track_interface of \(what)", org.token("track_interface")) }
            for a in vi.virtualIpaddress { check(a.dev, "address \(a.prefix) of \(what)", org.token("virtual_ipaddress")) }
            for a in vi.virtualIpaddressExcluded {
                check(a.dev, "address \(a.prefix) of \(what)", org.token("virtual_ipaddress_excluded"))
            }
            for r in vi.virtualRoutes { check(r.dev, "route \(r.destination) of \(what)", org.token("virtual_routes")) }
        }
        for (i, sg) in c.vrrpSyncGroups.enumerated() {
            for t in sg.trackInterface {
                check(t.name, "track_interface of vrrp_sync_group \(sg.name)", b.origins.vrrpSyncGroups[i].token("track_interface"))
            }
        }
        let top = b.topLevelNodes
        for a in c.staticIpaddress {
            if let n = top["static_ipaddress"] { check(a.dev, "static address \(a.prefix)", (n.keyword, n.line)) }
        }
        for r in c.staticRoutes {
            if let n = top["static_routes"] { check(r.dev, "static route \(r.destination)", (n.keyword, n.line)) }
        }
        if let d = c.global.lvsSyncDaemon, let n = b.origins.global["lvs_sync_daemon"] {
            check(d.interface, "lvs_sync_daemon", (n.arguments.first ?? n.keyword, n.line))
        }
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
            if scriptUser == nil, let n = b.origins.global["script_user"] {
                b.error("script_user \(name) does not exist", at: n.arguments.first ?? n.keyword, n,
                        notes: ["keepalived would not run any script"])
                return
            }
        } else {
            scriptUser = host.user(named: "keepalived_script")
            if scriptUser == nil && g.enableScriptSecurity {
                let n = b.origins.global["enable_script_security"]
                let msg = "enable_script_security is set, but there is no script_user and user keepalived_script does not exist"
                if let n {
                    b.error(msg, at: n.keyword, n, notes: ["keepalived would run no script"])
                } else {
                    b.diagnostics.report(Diagnostic(.error, msg))
                }
                return
            }
        }
        let defaultUser = scriptUser ?? HostUser(name: "root", uid: 0, gid: 0)
        let hasInstances = !c.vrrpInstances.isEmpty
        let hasServices = !c.virtualServers.isEmpty
        for (script, use) in c.allScripts {
            // A daemon that does not run never runs its scripts.
            if use.program == .vrrpd && !hasInstances { continue }
            if use.program == .checkd && !hasServices { continue }
            let node = b.scriptNodes.indices.contains(script.id.index) ? b.scriptNodes[script.id.index] : nil
            var user = defaultUser
            if let u = script.user {
                guard let hu = host.user(named: u) else {
                    if let node {
                        b.error("user \(u) for \(use.owner) does not exist", at: node.arguments.dropFirst().first ?? node.keyword, node,
                                notes: ["keepalived would not run this script"])
                    } else {
                        b.diagnostics.report(Diagnostic(.error, "user \(u) for \(use.owner) does not exist"))
                    }
                    continue
                }
                user = hu
            }
            // keepalived passes commands starting with "</" (shell
            // redirections) without looking for them.
            if script.argv[0].hasPrefix("</") { continue }
            guard let found = locate(script.argv[0], runAs: user) else {
                if use.kind == .trackScript, let node {
                    b.warning("\(use.owner): '\(script.argv[0])' is not found or not executable", at: node.arguments.first ?? node.keyword, node,
                              notes: ["keepalived would disable this track script"])
                }
                continue
            }
            executed += 1
            if found.insecure {
                insecure += 1
                if g.enableScriptSecurity {
                    let msg = "\(use.owner): '\(found.path)' or a directory above it is writable by users other than \(user.name)"
                    if let node {
                        b.warning(msg, at: node.arguments.first ?? node.keyword, node,
                                  notes: ["keepalived would not run this script"])
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
    /// nil when it is not found or not executable.
    func locate(_ command: String, runAs user: HostUser) -> Found? {
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
