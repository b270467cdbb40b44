// vrrp_script, vrrp_track_process, track_file (and its old name
// vrrp_track_file), track_group, garp_group, bfd_instance (reference §2.4).

import ConfigModel

enum TrackingKeywords {
    static let vrrpScript = Section<VRRPScript>("vrrp_script", [
        .script("script", \.script),
        Keyword("interval") { m, n, b in
            // 2.2.7 reads whole seconds here.
            if let t = b.required(n), let v = b.integer(t, n, 1...Int64(UInt32.max / 1_000_000)) { m.interval = .seconds(v) }
        },
        Keyword("timeout") { m, n, b in
            if let t = b.required(n), let v = b.integer(t, n, 1...Int64(UInt32.max / 1_000_000)) { m.timeout = .seconds(v) }
        },
        Keyword("weight") { m, n, b in
            guard let t = b.required(n), let w = b.integer(t, n, -253...253) else { return }
            m.weight = Int(w)
            m.weightReverse = b.reverseWord(n)
        },
        .int("rise", \.rise, 1...Int64(Int32.max)),
        .int("fall", \.fall, 1...Int64(Int32.max)),
        Keyword("user") { m, n, b in
            guard let t = b.required(n) else { return }
            let (u, g) = ModelBuilder.userGroup(t.text, n.arguments.dropFirst().first?.text)
            m.user = u
            m.group = g
        },
        .flag("init_fail", \.initFail),
    ])

    static let trackProcess = Section<TrackProcess>("vrrp_track_process", [
        Keyword("process") { m, n, b in
            guard let t = b.required(n) else { return }
            if let p = m.process {
                b.error("process is already set for vrrp_track_process \(m.name) (to \(p))", at: t, n,
                        notes: ["keepalived would ignore this line"])
                return
            }
            m.process = t.text
            m.parameters = n.arguments.dropFirst().map(\.text)
        },
        Keyword("param_match") { m, n, b in
            guard let t = b.required(n) else { return }
            if let v = b.choice(t, line: n.line, what: "param_match",
                                [("initial", TrackProcess.ParamMatch.initial), ("partial", .partial)]) {
                m.paramMatch = v
            }
        },
        Keyword("weight") { m, n, b in
            guard let t = b.required(n), let w = b.integer(t, n, -254...254) else { return }
            m.weight = Int(w)
            m.weightReverse = b.reverseWord(n)
        },
        .int("quorum", \.quorum, 0...65535),
        .int("quorum_max", \.quorumMax, 0...65535),
        Keyword("delay") { m, n, b in
            guard let t = b.required(n), let v = b.timer(t, n, .zero...Interval.seconds(Int64(UInt32.max / 1_000_000))) else { return }
            m.terminateDelay = v
            m.forkDelay = v
        },
        .timer("terminate_delay", \.terminateDelay, .zero...Interval.seconds(Int64(UInt32.max / 1_000_000))),
        .timer("fork_delay", \.forkDelay, .zero...Interval.seconds(Int64(UInt32.max / 1_000_000))),
        .flag("full_command", \.fullCommand),
    ])

    static func trackFile(_ path: String) -> Section<TrackFile> {
        Section<TrackFile>(path, [
            Keyword("file") { m, n, b in
                guard let t = b.required(n) else { return }
                if let f = m.file {
                    b.error("file is already set for track_file \(m.name) (to \(f))", at: t, n,
                            notes: ["keepalived would ignore this line"])
                    return
                }
                m.file = t.text
            },
            Keyword("weight") { m, n, b in
                guard let t = b.required(n), let w = b.integer(t, n, -2_147_483_647...2_147_483_647) else { return }
                m.weight = Int(w)
                m.weightReverse = b.reverseWord(n)
            },
            Keyword("init_file") { m, n, b in
                var value = 0
                var overwrite = false
                for t in n.arguments {
                    if t.text == "overwrite" {
                        overwrite = true
                    } else if let v = b.integer(t, n, Int64(Int32.min)...Int64(Int32.max), what: "init_file value") {
                        value = Int(v)
                    } else {
                        return
                    }
                }
                m.initFile = value
                m.initFileOverwrite = overwrite
            },
        ])
    }

    static let trackFileSection = trackFile("track_file")
    static let vrrpTrackFileSection = trackFile("vrrp_track_file")

    static let trackGroup = Section<TrackGroup>("track_group", [
        .values("group") { m, l, _, _ in m.group += l.tokens.map(\.text) },
    ])

    static let garpGroup = Section<GarpGroup>("garp_group", [
        .timer("garp_interval", \.garpInterval, Interval(microseconds: 0)...Interval(microseconds: Int64(UInt32.max))),
        .timer("gna_interval", \.gnaInterval, Interval(microseconds: 0)...Interval(microseconds: Int64(UInt32.max))),
        Keyword("interface") { m, n, b in if let t = b.required(n) { m.interface = t.text } },
        .values("interfaces") { m, l, _, _ in m.interfaces += l.tokens.map(\.text) },
    ])

    static let bfdMillis = Interval(microseconds: 1)...Interval(microseconds: Int64(UInt32.max))

    static let bfdInstance = Section<BFDInstance>("bfd_instance", [
        .address("source_ip", \.sourceIp),
        .address("neighbor_ip", \.neighborIp),
        Keyword("neighbour_ip") { m, n, b in
            if let t = b.required(n), let a = b.address(t, n) { m.neighborIp = a }
        },
        Keyword("min_rx") { m, n, b in if let v = b.milliseconds(n) { m.minRx = v } },
        Keyword("min_tx") { m, n, b in if let v = b.milliseconds(n) { m.minTx = v } },
        Keyword("idle_tx") { m, n, b in if let v = b.milliseconds(n) { m.idleTx = v } },
        .int("multiplier", \.multiplier, 1...255),
        .flag("passive", \.passive),
        .int("ttl", \.ttl, 1...255),
        .int("hoplimit", \.hoplimit, 1...255),
        .int("max_hops", \.maxHops, 0...255),
        Keyword("weight") { m, n, b in
            guard let t = b.required(n), let w = b.integer(t, n, -253...253) else { return }
            m.weight = Int(w)
            m.weightReverse = b.reverseWord(n)
        },
        .flag("vrrp", \.vrrp),
        .flag("checker", \.checker),
    ])
}

extension ModelBuilder {
    /// The optional `reverse` word after a weight.
    func reverseWord(_ n: ConfigNode) -> Bool {
        n.arguments.dropFirst().contains { $0.text == "reverse" }
    }

    /// BFD timers: decimal milliseconds, microsecond resolution.
    func milliseconds(_ n: ConfigNode) -> Interval? {
        guard let t = required(n) else { return nil }
        // "10.5" ms is 10500 µs: read it as seconds and scale.
        guard let asSeconds = Interval(seconds: t.text), asSeconds.microseconds % 1000 == 0 else {
            error("\(n.keyword.text) expects milliseconds with at most 3 decimal places, got '\(t.text)'", at: t, n)
            return nil
        }
        let v = Interval(microseconds: asSeconds.microseconds / 1000)
        guard TrackingKeywords.bfdMillis.contains(v) else {
            error("\(n.keyword.text) must be above 0 ms, got \(t.text)", at: t, n)
            return nil
        }
        return v
    }
}
