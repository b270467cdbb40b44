// Cross-checks and range checks, one row per rule: the configuration, the
// class of the diagnostic, and words it must contain (empty: clean).
import Testing
@testable import KeepalivedConfig
import ConfigModel

private func vi(_ body: String, name: String = "VI_1", interface: String = "eth0", vrid: Int? = 51,
                vip: String = "10.0.0.1/24") -> String {
    "vrrp_instance \(name) {\n interface \(interface)\n\(vrid.map { " virtual_router_id \($0)\n" } ?? "")"
        + " virtual_ipaddress {\n  \(vip)\n }\n\(body)\n}\n"
}

private func vs(_ body: String, address: String = "10.0.0.100 80", rs: String = "real_server 10.0.1.1 80 {\n}",
                head: String = " lb_algo rr\n lb_kind NAT\n protocol TCP\n") -> String {
    "virtual_server \(address) {\n\(head)\(body)\n \(rs)\n}\n"
}

struct CrossCheckCase: Sendable, CustomTestStringConvertible {
    var name: String
    var config: String
    var severity: Diagnostic.Severity?
    var words: [String]
    var testDescription: String { name }
    init(_ name: String, _ config: String, _ severity: Diagnostic.Severity? = nil, _ words: String...) {
        self.name = name
        self.config = config
        self.severity = severity
        self.words = words
    }
}

let crossCheckCases: [CrossCheckCase] = [
    // vrrp_instance
    .init("a minimal instance is clean", vi("")),
    .init("VRID must be set", vi("", vrid: nil), .error, "virtual_router_id is not set"),
    .init("VRID is 1...255", vi(" virtual_router_id 300", vrid: nil), .error, "virtual_router_id must be 1...255, got 300"),
    .init("priority is 1...255", vi(" priority 0"), .error, "priority must be 1...255, got 0"),
    .init("priority 255 is allowed", vi(" priority 255")),
    .init("a priority that is not a number", vi(" priority 0x10"), .error, "priority expects a whole number"),
    .init("duplicate VRID on an interface and family", vi("") + vi("", name: "VI_2", vip: "10.0.0.2"),
          .error, "VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0"),
    .init("same VRID on another family is fine", vi("") + vi("", name: "VI_2", vip: "fe80::1")),
    .init("same VRID on another interface is fine", vi("") + vi("", name: "VI_2", interface: "eth1", vip: "10.0.0.2")),
    .init("duplicate instance name", vi("") + vi("", interface: "eth1", vrid: 52), .error, "vrrp_instance VI_1 is already defined"),
    .init("VRRPv2 adverts are whole seconds", vi(" advert_int 0.5"), .error, "whole seconds"),
    .init("VRRPv3 adverts may be fractions", vi(" version 3\n advert_int 0.5")),
    .init("VRRPv3 adverts are in 10 ms units", vi(" version 3\n advert_int 0.015"), .error, "units of 10 ms"),
    .init("VRRPv3 adverts stay below 40.96 s", vi(" version 3\n advert_int 41"), .error, "below 40.96"),
    .init("advert_int is at least 10 ms", vi(" advert_int 0.001"), .error, "advert_int must be 0.01...255 seconds"),
    .init("a timer that is not a number says what it wants", vs(" delay_loop x"),
          .error, "delay_loop expects a number of seconds (at least 0.000001), got 'x'"),
    .init("AH with state MASTER and a priority", vi(" state MASTER\n priority 100\n authentication {\n  auth_type AH\n  auth_pass x\n }"),
          .error, "AH authentication"),
    .init("AH with state MASTER and no priority: the owner", vi(" state MASTER\n authentication {\n  auth_type AH\n  auth_pass x\n }")),
    .init("authentication without a password", vi(" authentication {\n  auth_type PASS\n }"), .error, "no auth_pass"),
    .init("strict mode refuses authentication",
          "global_defs {\n vrrp_strict\n}\n" + vi(" authentication {\n  auth_type PASS\n  auth_pass x\n }"),
          .error, "strict mode does not support authentication"),
    .init("VRRPv3 refuses authentication", vi(" version 3\n authentication {\n  auth_type PASS\n  auth_pass x\n }"),
          .error, "version 3 does not support authentication"),
    .init("a long auth_pass is cut by keepalived", vi(" authentication {\n  auth_type PASS\n  auth_pass 123456789\n }"),
          .error, "longer than 8"),
    .init("mixed families in virtual_ipaddress",
          vi(" virtual_ipaddress {\n  fe80::1\n }"), .error, "is not of the family of"),
    .init("no virtual address is a warning", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n}\n",
          .warning, "has no virtual_ipaddress"),
    .init("unknown state", vi(" state master"), .error, "state: unknown value 'master'", "did you mean 'MASTER'"),
    .init("the loopback cannot carry VRRP", vi("", interface: "lo"), .error, "loopback"),
    .init("nopreempt with state MASTER", vi(" state MASTER\n nopreempt"), .warning, "nopreempt has no effect"),
    .init("state MASTER without priority is the owner", vi(" state MASTER\n preempt_delay 5"), .warning, "preempt_delay has no effect"),
    .init("unicast keywords without peers", vi(" unicast_src_ip 10.0.0.5"), .warning, "without unicast_peer"),
    .init("a unicast peer of the wrong family", vi(" unicast_peer {\n  fe80::2\n }"), .error, "unicast_peer fe80::2"),
    .init("native_ipv6 with IPv4 addresses", vi(" native_ipv6"), .error, "native_ipv6"),
    .init("vrf with interface", vi(" vrf blue"), .error, "vrf cannot be used together with interface"),
    // tracking
    .init("an undefined track script", vi(" track_script {\n  nosuch\n }"), .error, "track script nosuch is not defined"),
    .init("a track script defined after its user",
          vi(" track_script {\n  chk\n }") + "vrrp_script chk {\n script /bin/true\n}\n", .error, "used before its vrrp_script"),
    .init("a track script defined before its user",
          "vrrp_script chk {\n script /bin/true\n}\n" + vi(" track_script {\n  chk weight 10\n }")),
    .init("a track script weight is -253...253",
          "vrrp_script chk {\n script /bin/true\n}\n" + vi(" track_script {\n  chk weight 300\n }"), .error, "-253...253"),
    .init("a vrrp_script without script", "vrrp_script chk {\n interval 2\n}\n", .error, "has no script"),
    .init("an undefined track file", vi(" track_file {\n  nosuch\n }"), .error, "track file nosuch"),
    .init("a track file set twice", "track_file f {\n file /a\n file /b\n}\n", .error, "already set"),
    // sync groups
    .init("a sync group member that does not exist",
          "vrrp_sync_group G {\n group {\n  VI_1\n  VI_9\n }\n}\n" + vi("") + vi("", name: "VI_2", interface: "eth1"),
          .error, "virtual router VI_9 does not exist"),
    .init("a sync group of one", "vrrp_sync_group G {\n group {\n  VI_1\n }\n}\n" + vi(""), .warning, "only 1 virtual router"),
    .init("an instance in two sync groups",
          "vrrp_sync_group A {\n group {\n  VI_1\n  VI_2\n }\n}\nvrrp_sync_group B {\n group {\n  VI_1\n  VI_2\n }\n}\n"
            + vi("") + vi("", name: "VI_2", interface: "eth1"), .error, "already in sync group A"),
    // virtual_server
    .init("a minimal virtual server is clean", vs("")),
    .init("no lb_algo", vs("", head: " lb_kind NAT\n protocol TCP\n"), .error, "has no lb_algo"),
    .init("no protocol", vs("", head: " lb_algo rr\n lb_kind NAT\n"), .error, "has no protocol"),
    .init("no lb_kind", vs("", head: " lb_algo rr\n protocol TCP\n"), .error, "has no lb_kind"),
    .init("an unknown scheduler", vs(" lb_algo roundrobin"), .error, "unknown value 'roundrobin'"),
    .init("protocol is ignored on a fwmark service", vs("", address: "fwmark 1"), .warning, "protocol has no meaning"),
    .init("a service without real servers", vs("", rs: ""), .error, "has no real servers"),
    .init("a duplicated real server", vs("", rs: "real_server 10.0.1.1 80 {\n}\n real_server 10.0.1.1 80 {\n}"),
          .error, "real server 10.0.1.1:80 is duplicated"),
    .init("a real server of the wrong family", vs("", rs: "real_server fe80::1 80 {\n}"), .error, "not of the service's address family"),
    .init("a quorum above the total weight", vs(" quorum 5"), .error, "quorum 5 exceeds the total weight"),
    .init("hysteresis at or above quorum", vs(" quorum 1\n hysteresis 1"), .error, "hysteresis 1 must be below quorum 1"),
    .init("hashed needs sh or mh", vs(" hashed"), .error, "hashed applies only"),
    .init("sh-port needs sh", vs(" sh-port"), .error, "sh-port applies only to the sh scheduler"),
    .init("ops needs UDP", vs(" ops"), .error, "requires UDP"),
    .init("port 0 needs persistence", vs("", address: "10.0.0.100 0"), .error, "port 0 is only valid for persistent services"),
    .init("port 0 with persistence is fine", vs(" persistence_timeout", address: "10.0.0.100 0")),
    .init("a service defined twice", vs("") + vs(""), .error, "is defined twice"),
    .init("an undefined virtual_server_group", vs("", address: "group G"), .error, "virtual_server_group G is not defined"),
    .init("an empty virtual_server_group", "virtual_server_group G {\n}\n" + vs("", address: "group G"), .error, "has no entries"),
    .init("a sorry server of the wrong family", vs(" sorry_server fe80::1 80"), .error, "sorry_server fe80::1"),
    .init("sorry_server_inhibit before sorry_server", vs(" sorry_server_inhibit"), .warning, "ignored"),
    .init("a bad weight", vs("", rs: "real_server 10.0.1.1 80 {\n weight -1\n}"), .error, "weight must be 0...2147483647, got -1"),
    .init("a bad tunnel", vs(" lb_kind TUN type gue"), .error, "gue tunnel needs a port"),
    // checkers
    .init("HTTP_GET without url", vs("", rs: "real_server 10.0.1.1 80 {\n HTTP_GET {\n }\n}"), .error, "HTTP_GET has no url"),
    .init("a url without path", vs("", rs: "real_server 10.0.1.1 80 {\n HTTP_GET {\n  url {\n   status_code 200\n  }\n }\n}"),
          .error, "url has no path"),
    .init("a digest of the wrong length", vs("", rs: "real_server 10.0.1.1 80 {\n HTTP_GET {\n  url {\n   path /\n   digest 123\n  }\n }\n}"),
          .error, "32 hexadecimal digits"),
    .init("a status code out of range", vs("", rs: "real_server 10.0.1.1 80 {\n HTTP_GET {\n  url {\n   path /\n   status_code 99\n  }\n }\n}"),
          .error, "100...599"),
    .init("nb_get_retry is deprecated", vs("", rs: "real_server 10.0.1.1 80 {\n HTTP_GET {\n  nb_get_retry 3\n  url {\n   path /\n  }\n }\n}"),
          .warning, "nb_get_retry is deprecated"),
    .init("MISC_CHECK without misc_path", vs("", rs: "real_server 10.0.1.1 80 {\n MISC_CHECK {\n }\n}"), .error, "no misc_path"),
    .init("FILE_CHECK of an undefined track_file", vs("", rs: "real_server 10.0.1.1 80 {\n FILE_CHECK {\n  track_file x\n }\n}"),
          .error, "track_file x is not defined"),
    .init("a connect_port of 0", vs("", rs: "real_server 10.0.1.1 80 {\n TCP_CHECK {\n  connect_port 0\n }\n}"),
          .error, "connect_port must be 1...65535, got 0"),
    .init("a bindto of another family", vs("", rs: "real_server 10.0.1.1 80 {\n TCP_CHECK {\n  bindto fe80::1\n }\n}"),
          .error, "bindto fe80::1"),
    .init("a bad payload", vs("", rs: "real_server 10.0.1.1 80 {\n UDP_CHECK {\n  payload xyz\n }\n}"), .error, "hexadecimal"),
    // global_defs
    .init("vrrp_garp_interval 0 is out of range", "global_defs {\n vrrp_garp_interval 0\n}\n", .error,
          "vrrp_garp_interval must be 0.000001...4294.967295 seconds, got 0"),
    .init("a unicast mcast group", "global_defs {\n vrrp_mcast_group4 10.0.0.1\n}\n", .error, "not an IPv4 multicast address"),
    .init("a non link-local IPv6 group is a warning", "global_defs {\n vrrp_mcast_group6 ff05::12\n}\n", .warning, "link-local"),
    .init("smtp_connect_timeout 0", "global_defs {\n smtp_connect_timeout 0\n}\n", .error, "smtp_connect_timeout must be 1...4294"),
    .init("an unknown umask bit", "global_defs {\n umask foo\n}\n", .error, "umask: unknown bit"),
    .init("a garp_group without delays", "garp_group {\n interface eth0\n}\n", .error, "sets neither garp_interval"),
    .init("lvs_sync_daemon of an unknown instance", "global_defs {\n lvs_sync_daemon eth0 VI_9\n}\n", .error, "VI_9 does not exist"),
    .init("a bool keyword with a bad word", vi(" smtp_alert maybe"), .error, "on|off|true|false|yes|no"),
    .init("a deprecated vrrp_track_file", "vrrp_track_file f {\n file /a\n}\n", .warning, "vrrp_track_file is deprecated"),
]

@Suite struct ModelCrossChecks {
    @Test(arguments: crossCheckCases)
    func eachRuleReportsAsKeepalivedWould(_ c: CrossCheckCase) {
        let r = compileText(c.config)
        let all = r.diagnostics.all
        guard let severity = c.severity else {
            #expect(all.isEmpty, "\(c.name): expected no diagnostics, got \(all.map(\.description))")
            return
        }
        let hit = all.first { d in
            d.severity == severity && c.words.allSatisfy { w in d.message.contains(w) || d.notes.contains { $0.contains(w) } }
        }
        #expect(hit != nil, "\(c.name): expected a \(severity) with \(c.words), got \(all.map(\.description))")
        #expect(all.allSatisfy { $0.location != nil || $0.severity == .scriptSecurity || $0.message.hasPrefix("garp_group") },
                "\(c.name): every diagnostic points at a line: \(all.map(\.description))")
    }

    @Test func stateMasterWithoutPriorityIsTheAddressOwner() {
        #expect(compileText(vi(" state MASTER")).configuration.vrrpInstances[0].priority == 255)
        #expect(compileText(vi(" state MASTER\n priority 100")).configuration.vrrpInstances[0].priority == 100)
        #expect(compileText(vi(" state BACKUP")).configuration.vrrpInstances[0].priority == 100)
    }

    @Test func errorsSayWhatKeepalivedWouldHaveGuessed() {
        let r = compileText(vi(" priority 0"))
        #expect(!r.isValid)
        #expect(r.guesses.contains { $0.contains("keepalived would use 100") })
    }

    @Test func aDiagnosticPointsAtTheOffendingToken() throws {
        let r = compileText(vi(" virtual_router_id 300", vrid: nil))
        let d = try #require(r.diagnostics.all.first { $0.message.contains("got 300") })
        #expect(d.location?.line == 6)
        #expect(d.sourceLine == " virtual_router_id 300")
        #expect(d.location?.column == 20)
        #expect(d.length == 3)
    }

    @Test func crossCheckDiagnosticsCarryTheirSourceLine() throws {
        let r = compileText(vi("") + vi("", name: "VI_2", vip: "10.0.0.2"))
        let d = try #require(r.diagnostics.all.first { $0.message.contains("both use VRID") })
        #expect(d.sourceLine == " virtual_router_id 51")
    }
}
