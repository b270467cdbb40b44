// The compiler pipeline: preprocess -> parse -> build -> check, one
// top-level block at a time (memory stays flat on large configurations),
// then number the scripts and produce the compiled form.

import ConfigModel

public struct CompileOptions: Sendable {
    /// keepalived's `-i/--config-id`; nil: the host's node name up to its first '.'.
    public var configID: String?
    /// Skip the host checks (interfaces, users, script files): for compiling
    /// on another machine than the director.
    public var offline: Bool
    /// Warnings count as errors.
    public var werror: Bool
    /// keepalived's `-e/--all-config`: every include check on.
    public var allConfig: Bool

    public init(configID: String? = nil, offline: Bool = false, werror: Bool = false, allConfig: Bool = false) {
        self.configID = configID
        self.offline = offline
        self.werror = werror
        self.allConfig = allConfig
    }
}

public struct CompileResult {
    public var compiled: CompiledConfig
    public var diagnostics: Diagnostics
    public var options: CompileOptions

    public var configuration: KeepalivedConfiguration { compiled.config }

    /// No errors (and, with --werror, no warnings).
    public var isValid: Bool {
        !diagnostics.hasErrors && !(options.werror && diagnostics.hasWarnings)
    }

    /// kaconf's exit status: 0 valid, 1 not.
    public var exitStatus: Int32 { isValid ? 0 : 1 }

    /// What keepalived would have filled in or dropped to run this
    /// configuration anyway (the "keepalived would ..." notes).
    public var guesses: [String] {
        var out: [String] = []
        for d in diagnostics.all where d.severity >= .error {
            for n in d.notes where n.hasPrefix("keepalived would") {
                out.append("\(d.location.map { "\($0): " } ?? "")\(d.message): \(n)")
            }
        }
        return out
    }

    /// Sections this configuration uses that no program acts on yet.
    public var unactedSections: [String] { UnactedSections.find(in: compiled.config) }
}

public enum Compiler {
    /// Compiles the file at `path` (and its includes).
    public static func compile(file path: String, host: any Host, options: CompileOptions = CompileOptions()) -> CompileResult {
        let diagnostics = Diagnostics()
        let online = host.isOnline && !options.offline
        let builder = ModelBuilder(diagnostics: diagnostics, host: host, online: online)
        let configID = options.configID ?? host.nodeName()
        let pre = PreprocessorOptions(configID: configID, checkAllIncludes: options.allConfig)
        ConfigText.parse(file: path, host: host, grammar: KeepalivedGrammar.shared, diagnostics: diagnostics,
                         options: pre, each: { builder.add($0) })
        builder.check(configDirectory: directory(of: path, host: host))

        var compiled = CompiledConfig()
        compiled.sourceFile = path
        compiled.configId = configID
        // Moved, not copied: numbering the scripts writes into the real
        // servers, and a copy still shared with the builder would be
        // duplicated there (40 MB and 50 ms on 100,000 real servers).
        compiled.config = builder.takeConfiguration()
        compiled.scripts = numberScripts(&compiled.config)
        return CompileResult(compiled: compiled, diagnostics: diagnostics, options: options)
    }

    /// Gives every script its final id (its place in the table) and returns the table.
    public static func numberScripts(_ config: inout KeepalivedConfiguration) -> [Script] {
        var table: [Script] = []
        config.visitScripts { s, _ in
            s.id = ScriptID(table.count)
            table.append(s)
        }
        return table
    }

    static func directory(of path: String, host: any Host) -> String {
        let abs = path.hasPrefix("/") ? path : host.currentDirectory() + "/" + path
        guard let slash = abs.lastIndex(of: "/") else { return "." }
        return slash == abs.startIndex ? "/" : String(abs[..<slash])
    }
}

/// Sections that are parsed, checked and dumped but that no program of this
/// project acts on yet; `kaconf compile` warns about each one used.
public enum UnactedSections {
    public static func find(in c: KeepalivedConfiguration) -> [String] {
        var out: [String] = []
        let g = c.global
        if !c.bfdInstances.isEmpty || c.vrrpInstances.contains(where: { !$0.trackBfd.isEmpty })
            || c.vrrpSyncGroups.contains(where: { !$0.trackBfd.isEmpty })
            || c.virtualServers.contains(where: { $0.realServers.contains { $0.checkers.contains { if case .bfd = $0 { return true }; return false } } }) {
            out.append("BFD (bfd_instance, track_bfd, BFD_CHECK)")
        }
        if g.enableTraps || g.enableSnmpVrrp || g.enableSnmpRfc || g.enableSnmpRfcv2 || g.enableSnmpRfcv3
            || g.enableSnmpChecker || g.snmpSocket != nil {
            out.append("SNMP (snmp_socket, enable_snmp_*, enable_traps)")
        }
        if g.enableDbus || g.dbusServiceName != nil { out.append("DBus (enable_dbus, dbus_service_name)") }
        if g.nftables != nil || g.vrrpIptables != nil || g.vrrpIpsets != nil || g.nftablesIpvs != nil {
            out.append("firewall rules (nftables, vrrp_iptables, vrrp_ipsets, nftables_ipvs)")
        }
        if !c.linkbeatInterfaces.isEmpty || c.topLevel.linkbeatUsePolling || c.vrrpInstances.contains(where: \.linkbeatUsePolling) {
            out.append("linkbeat polling (linkbeat_interfaces, linkbeat_use_polling)")
        }
        if !c.vrrpTrackProcesses.isEmpty { out.append("process tracking (vrrp_track_process)") }
        if c.topLevel.netNamespace != nil || c.topLevel.netNamespaceIpvs != nil { out.append("network namespaces (net_namespace)") }
        if g.reloadTimeFile != nil { out.append("scheduled reloads (reload_time_file)") }
        return out
    }
}
