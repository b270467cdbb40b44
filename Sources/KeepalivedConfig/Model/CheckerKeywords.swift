// The checker blocks of a real server (reference §2.3, §2.4): the common
// connection keys, then each checker's own.

import ConfigModel

enum CheckerKeywords {
    /// The 13 keys every connecting checker shares, for a checker stored at `kp`.
    static func common<M>(_ kp: WritableKeyPath<M, CheckerCommon>, connection: Bool = true) -> [Keyword<M>] {
        let timing: [Keyword<M>] = [
            .int("retry", kp.appending(path: \.retry), 0...Int64(UInt32.max)),
            .timer("delay_before_retry", kp.appending(path: \.delayBeforeRetry), IPVSKeywords.anyTimer),
            .timer("warmup", kp.appending(path: \.warmup), IPVSKeywords.anyTimer),
            .timer("delay_loop", kp.appending(path: \.delayLoop), IPVSKeywords.delayLoopRange),
            .bool("alpha", kp.appending(path: \.alpha)),
            .bool("log_all_failures", kp.appending(path: \.logAllFailures)),
        ]
        guard connection else { return timing }
        return timing + [
            .address("connect_ip", kp.appending(path: \.connectIp)),
            Keyword("connect_port") { m, n, b in
                if let t = b.required(n), let p = b.port(t, line: n.line, what: "connect_port") {
                    m[keyPath: kp].connectPort = p
                }
            },
            .address("bindto", kp.appending(path: \.bindto)),
            Keyword("bind_port") { m, n, b in
                if let t = b.required(n), let p = b.port(t, line: n.line, what: "bind_port") { m[keyPath: kp].bindPort = p }
            },
            .string("bind_if", kp.appending(path: \.bindIf)),
            .timer("connect_timeout", kp.appending(path: \.connectTimeout), IPVSKeywords.connectTimeoutRange),
            .int("fwmark", kp.appending(path: \.fwmark), 0...Int64(UInt32.max)),
        ]
    }

    static let tcp = Section<CheckerCommon>("virtual_server/real_server/TCP_CHECK", common(\.self))
    static let ping = Section<CheckerCommon>("virtual_server/real_server/PING_CHECK", common(\.self))
    static let smtpHost = Section<CheckerCommon>("virtual_server/real_server/SMTP_CHECK/host", common(\.self))

    static let url = Section<HTTPURL>("virtual_server/real_server/HTTP_GET/url", urlKeywords)
    static let sslURL = Section<HTTPURL>("virtual_server/real_server/SSL_GET/url", urlKeywords)

    static var urlKeywords: [Keyword<HTTPURL>] {
        [
            .string("path", \.path),
            Keyword("digest") { m, n, b in
                guard let t = b.required(n) else { return }
                let hex = t.text.lowercased()
                guard hex.utf8.count == 32, hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                    b.error("digest must be 32 hexadecimal digits (an MD5 sum as genhash prints it), got '\(t.text)'", at: t, n)
                    return
                }
                if m.digest != nil {
                    b.error("this url already has a digest: one per url", at: t, n)
                    return
                }
                m.digest = hex
            },
            Keyword("status_code") { m, n, b in
                guard b.required(n) != nil else { return }
                for t in n.arguments {
                    if let r = b.statusRange(t, n) { m.statusCode.append(r) }
                }
            },
            .string("virtualhost", \.virtualhost),
            Keyword("regex") { m, n, b in
                // The pattern is the rest of the line, as keepalived re-reads it raw.
                guard b.required(n) != nil else { return }
                m.regex = n.arguments.map(\.text).joined(separator: " ")
            },
            .flag("regex_no_match", \.regexNoMatch),
            Keyword("regex_options") { m, n, b in
                let known: Set<String> = ["allow_empty_class", "alt_bsux", "auto_callout", "caseless", "dollar_endonly",
                                          "dotall", "dupnames", "extended", "extended_more", "firstline",
                                          "match_unset_backref", "multiline", "never_ucp", "never_utf", "no_auto_capture",
                                          "no_auto_possess", "no_dotstar_anchor", "no_start_optimize", "ucp", "ungreedy",
                                          "utf", "never_backslash_c", "alt_circumflex", "alt_verbnames", "use_offset_limit"]
                for t in n.arguments {
                    guard known.contains(t.text) else {
                        b.error("regex_options: unknown option '\(t.text)'", at: t, n,
                                notes: ModelBuilder.nearest(t.text, in: Array(known)).map { ["did you mean '\($0)'?"] } ?? [])
                        return
                    }
                    m.regexOptions.append(t.text)
                }
            },
            .int("regex_min_offset", \.regexMinOffset, 0...Int64(Int32.max)),
            .int("regex_max_offset", \.regexMaxOffset, 0...Int64(Int32.max)),
            Keyword("regex_stack") { m, n, b in
                var v: [Int] = []
                for t in n.arguments.prefix(2) {
                    guard let x = b.integer(t, n, 1...Int64(Int32.max)) else { return }
                    v.append(Int(x))
                }
                guard !v.isEmpty else { _ = b.required(n); return }
                m.regexStack = v
            },
        ]
    }

    static func http(_ name: String, urlSection: Section<HTTPURL>) -> Section<HTTPCheck> {
        Section<HTTPCheck>("virtual_server/real_server/\(name)", common(\HTTPCheck.common) + [
            Keyword("nb_get_retry", deprecated: "nb_get_retry is deprecated: use retry") { m, n, b in
                if let t = b.required(n), let v = b.integer(t, n, 0...Int64(UInt32.max)) {
                    m.common.retry = Int(v)
                    m.usedNbGetRetry = true
                }
            },
            .string("virtualhost", \.virtualhost),
            Keyword("http_protocol") { m, n, b in
                guard let t = b.required(n) else { return }
                m.httpProtocol = b.choice(t, line: n.line, what: "http_protocol",
                                          [("1.0", "1.0"), ("1.0C", "1.0C"), ("1.0c", "1.0C"), ("1.1", "1.1")])
            },
            .bool("enable_sni", \.enableSni),
            .bool("fast_recovery", \.fastRecovery),
            Keyword("url", shape: .block(urlSection.path)) { m, n, b in
                var u = HTTPURL()
                urlSection.apply(b.children(n), to: &u, b)
                guard u.path != nil else {
                    b.error("\(name) url has no path", at: n.keyword, n, notes: ["keepalived would drop this url"])
                    return
                }
                m.urls.append(u)
            },
        ])
    }

    static let httpGet = http("HTTP_GET", urlSection: url)
    static let sslGet = http("SSL_GET", urlSection: sslURL)

    static let misc = Section<MiscCheck>("virtual_server/real_server/MISC_CHECK", common(\MiscCheck.common, connection: false) + [
        .script("misc_path", \.miscPath),
        Keyword("misc_timeout") { m, n, b in
            // 2.2.7 reads whole seconds here.
            if let t = b.required(n), let v = b.integer(t, n, 0...Int64(UInt32.max / 1_000_000)) { m.miscTimeout = .seconds(v) }
        },
        .flag("misc_dynamic", \.miscDynamic),
        Keyword("user") { m, n, b in
            guard let t = b.required(n) else { return }
            let (u, g) = ModelBuilder.userGroup(t.text, n.arguments.dropFirst().first?.text)
            m.user = u
            m.group = g
        },
    ])

    static let smtp = Section<SMTPCheck>("virtual_server/real_server/SMTP_CHECK", common(\SMTPCheck.common) + [
        .string("helo_name", \.heloName),
        Keyword("host", shape: .block(smtpHost.path)) { m, n, b in
            var h = CheckerCommon()
            smtpHost.apply(b.children(n), to: &h, b)
            m.hosts.append(h)
        },
    ])

    static let dns = Section<DNSCheck>("virtual_server/real_server/DNS_CHECK", common(\DNSCheck.common) + [
        Keyword("type") { m, n, b in
            guard let t = b.required(n) else { return }
            let types: [(String, DNSCheck.QueryType)] = [("A", .A), ("NS", .NS), ("CNAME", .CNAME), ("SOA", .SOA),
                                                          ("MX", .MX), ("TXT", .TXT), ("AAAA", .AAAA)]
            if let v = b.choice(Token(t.text.uppercased(), at: t.location), line: n.line, what: "DNS_CHECK type", types) {
                m.type = v
            }
        },
        Keyword("name") { m, n, b in if let t = b.required(n) { m.name = t.text } },
    ])

    static let udp = Section<UDPCheck>("virtual_server/real_server/UDP_CHECK", common(\UDPCheck.common) + [
        Keyword("payload") { m, n, b in
            guard let t = b.required(n) else { return }
            guard let bytes = ModelBuilder.hexBytes(t.text) else {
                b.error("UDP_CHECK payload must be hexadecimal digits, got '\(t.text)'", at: t, n)
                return
            }
            m.payload = bytes
        },
        Keyword("require_reply") { m, n, b in
            m.requireReplyEnabled = true
            guard let t = n.arguments.first else { return }
            let ok = t.text.utf8.count % 2 == 0 && t.text.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) || $0 | 0x20 == 0x78
            }
            guard ok else {
                b.error("UDP_CHECK require_reply must be hexadecimal digit pairs (X for any nibble), got '\(t.text)'", at: t, n)
                return
            }
            m.requireReply = t.text
        },
        .int("min_reply_length", \.minReplyLength, 0...65535),
        .int("max_reply_length", \.maxReplyLength, 0...65535),
    ])

    static let file = Section<FileCheck>("virtual_server/real_server/FILE_CHECK", [
        Keyword("track_file") { m, n, b in if let t = b.required(n) { m.trackFile = t.text } },
        Keyword("weight") { m, n, b in
            guard let t = b.required(n), let w = b.integer(t, n, -2_147_483_647...2_147_483_647) else { return }
            m.weight = Int(w)
            m.weightReverse = b.reverseWord(n)
        },
    ])

    static let bfd = Section<BFDCheck>("virtual_server/real_server/BFD_CHECK", [
        Keyword("name") { m, n, b in
            guard let t = b.required(n) else { return }
            if let old = m.name {
                b.error("BFD_CHECK already names bfd_instance \(old)", at: t, n, notes: ["one BFD_CHECK watches one bfd_instance"])
                return
            }
            m.name = t.text
        },
        .bool("alpha", \.alpha),
    ])

    /// The checker keywords of a real_server block.
    static var checkerBlocks: [Keyword<RealServer>] {
        [
            checker("TCP_CHECK", tcp, CheckerCommon(), Checker.tcp),
            checker("PING_CHECK", ping, CheckerCommon(), Checker.ping),
            checker("UDP_CHECK", udp, UDPCheck(), Checker.udp),
            checker("DNS_CHECK", dns, DNSCheck(), Checker.dns),
            checker("SMTP_CHECK", smtp, SMTPCheck(), Checker.smtp),
            checker("HTTP_GET", httpGet, HTTPCheck(), Checker.http) { c, n, b in
                if c.urls.isEmpty { b.error("HTTP_GET has no url", at: n.keyword, n, notes: ["keepalived would drop this checker"]); return false }
                return true
            },
            checker("SSL_GET", sslGet, HTTPCheck(), Checker.ssl) { c, n, b in
                if c.urls.isEmpty { b.error("SSL_GET has no url", at: n.keyword, n, notes: ["keepalived would drop this checker"]); return false }
                return true
            },
            checker("MISC_CHECK", misc, MiscCheck(), Checker.misc) { c, n, b in
                guard var s = c.miscPath else {
                    b.error("MISC_CHECK has no misc_path", at: n.keyword, n, notes: ["keepalived would drop this checker"])
                    return false
                }
                if let u = c.user {
                    s.user = u
                    s.group = c.group
                }
                s.timeout = c.miscTimeout
                c.miscPath = s
                return true
            },
            checker("FILE_CHECK", file, FileCheck(), Checker.file) { c, n, b in
                if c.trackFile == nil {
                    b.error("FILE_CHECK has no track_file", at: n.keyword, n, notes: ["keepalived would drop this checker"])
                    return false
                }
                return true
            },
            checker("BFD_CHECK", bfd, BFDCheck(), Checker.bfd) { c, n, b in
                if c.name == nil {
                    b.error("BFD_CHECK has no name", at: n.keyword, n, notes: ["keepalived would drop this checker"])
                    return false
                }
                return true
            },
        ]
    }

    static func checker<C>(_ name: String, _ section: Section<C>, _ empty: @autoclosure @escaping () -> C,
                           _ wrap: @escaping (C) -> Checker,
                           validate: @escaping (inout C, ConfigNode, ModelBuilder) -> Bool = { _, _, _ in true }) -> Keyword<RealServer> {
        Keyword(name, shape: .block(section.path)) { rs, n, b in
            var c = empty()
            section.apply(b.children(n), to: &c, b)
            guard validate(&c, n, b) else { return }
            rs.checkers.append(wrap(c))
            b.origins.checkers.append(Spot(n.keyword))
        }
    }
}

extension ModelBuilder {
    /// `CODE` or `LO-HI`, codes 100...599.
    func statusRange(_ t: Token, _ n: ConfigNode) -> ClosedRange<Int>? {
        let parts = t.text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let lo = Int(parts[0]), let last = parts.last, let hi = Int(last),
              (100...599).contains(lo), (100...599).contains(hi), lo <= hi else {
            error("status_code must be a code or range of codes within 100...599, got '\(t.text)'", at: t, n)
            return nil
        }
        return lo...hi
    }

    /// Hex digit pairs as bytes.
    static func hexBytes(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard !u.isEmpty, u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let b = UInt8(String(decoding: u[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }
}
