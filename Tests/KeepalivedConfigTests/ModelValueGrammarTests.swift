// The line grammars of value blocks (reference §2.1), one row per line:
// what it becomes in the dump, or what is wrong with it.
import Testing
@testable import KeepalivedConfig
import ConfigModel

struct ValueLineCase: Sendable, CustomTestStringConvertible {
    enum Expect: Sendable {
        /// JSON at a path under "config".
        case value(String, String)
        /// A diagnostic of this class containing these words.
        case diagnostic(Diagnostic.Severity, String)
        /// A warning, and the value anyway.
        case warnedValue(String, String, String)
    }
    var block: String
    var line: String
    var expect: Expect
    var testDescription: String { "\(block): \(line)" }
}

private let defs = """
    vrrp_script chk {
     script /bin/true
    }
    track_group TG {
     group {
      VI_1
     }
    }

    """

/// The configuration for one line of `block`.
private func wrap(_ block: String, _ line: String) -> String {
    switch block {
    case "static_ipaddress", "static_routes", "static_rules", "linkbeat_interfaces", "interface_up_down_delays":
        return defs + "\(block) {\n \(line)\n}\n" + instance("")
    case "unicast_peer", "track_interface", "track_script", "virtual_ipaddress_excluded":
        return defs + instance(" \(block) {\n  \(line)\n }")
    case "virtual_server_group":
        return "virtual_server_group G {\n \(line)\n}\n"
    case "notification_email":
        return "global_defs {\n notification_email \(line)\n}\n"
    default:
        fatalError("no wrapper for \(block)")
    }
}

private func instance(_ body: String) -> String {
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1/24\n }\n\(body)\n}\n"
}

private func v(_ b: String, _ l: String, _ path: String, _ json: String) -> ValueLineCase { .init(block: b, line: l, expect: .value(path, json)) }
private func e(_ b: String, _ l: String, _ words: String) -> ValueLineCase { .init(block: b, line: l, expect: .diagnostic(.error, words)) }
private func w(_ b: String, _ l: String, _ words: String, _ path: String, _ json: String) -> ValueLineCase {
    .init(block: b, line: l, expect: .warnedValue(words, path, json))
}

let valueLineCases: [ValueLineCase] = [
    // addresses
    v("static_ipaddress", "10.1.0.1/24 brd 10.1.0.255 dev eth0 scope link label eth0:1", "static_ipaddress[0]",
      #"{"prefix": "10.1.0.1/24", "broadcast": "10.1.0.255", "dev": "eth0", "scope": "link", "label": "eth0:1", "home": false, "nodad": false, "mngtmpaddr": false, "noprefixroute": false, "autojoin": false, "no_track": false, "preferred_lft_forever": false}"#),
    v("static_ipaddress", "10.1.0.1/24 brd + dev eth0", "static_ipaddress[0].broadcast", #""+""#),
    e("static_ipaddress", "10.1.0.1/31 brd + dev eth0", "no room for a broadcast"),
    e("static_ipaddress", "2001:db8::1/64 brd + dev eth0", "IPv6 addresses have no broadcast"),
    v("static_ipaddress", "10.1.0.1/30 brd - dev eth0", "static_ipaddress[0].broadcast", #""-""#),
    v("static_ipaddress", "fe80::1/64 dev eth0 -nodad noprefixroute", "static_ipaddress[0].nodad", "true"),
    v("static_ipaddress", "10.1.0.1 peer 10.1.0.2 dev eth0", "static_ipaddress[0].peer", #""10.1.0.2/32""#),
    e("static_ipaddress", "10.1.0.1 peer 10.1.0.2/24 dev eth0", "is not an IP address"),
    e("static_ipaddress", "10.1.0.1/24 peer 10.1.0.2 dev eth0", "give the prefix on the peer address"),
    v("static_ipaddress", "10.1.0.1 dev eth0 preferred_lft 300 home mngtmpaddr autojoin", "static_ipaddress[0].preferred_lft", "300"),
    v("static_ipaddress", "10.1.0.1 dev eth0 preferred_lft forever", "static_ipaddress[0].preferred_lft_forever", "true"),
    v("static_ipaddress", "10.1.0.1 dev eth0 scope 200", "static_ipaddress[0].scope", #""200""#),
    v("static_ipaddress", "10.1.0.1 dev eth0 track_group TG no_track", "static_ipaddress[0].track_group", #""TG""#),
    v("static_ipaddress", "10.1.0.1", "static_ipaddress[0].prefix", #""10.1.0.1/32""#),
    v("virtual_ipaddress_excluded", "2001:db8::5", "vrrp_instances[0].virtual_ipaddress_excluded[0].prefix", #""2001:db8::5/128""#),
    e("static_ipaddress", "10.1.0.1/33 dev eth0", "prefix length of 10.1.0.1 must be 0...32, got 33"),
    e("static_ipaddress", "10.1.0 dev eth0", "'10.1.0' is not a valid IP address"),
    e("static_ipaddress", "10.1.0.1 10.1.0.2", "unknown word '10.1.0.2'"),
    e("static_ipaddress", "10.1.0.1 dev eth0 scope foo", "invalid scope 'foo'"),
    e("static_ipaddress", "10.1.0.1 brd fe80::1", "not of the address's family"),
    e("static_ipaddress", "10.1.0.1 dev", "'dev' needs a value"),
    e("virtual_ipaddress_excluded", "10.1.0.1 track_group TG", "unknown word 'track_group'"),
    // routes
    v("static_routes", "src 10.0.0.1 10.9.0.0/16 via 10.0.0.254 dev eth0 metric 5 table 100 protocol keepalived scope link onlink",
      "static_routes[0]",
      #"{"destination": "10.9.0.0/16", "source": "10.0.0.1", "via": "10.0.0.254", "dev": "eth0", "table": "100", "metric": 5, "protocol": "keepalived", "scope": "link", "onlink": true, "nexthops": [], "metrics": [], "encap": [], "no_track": false}"#),
    v("static_routes", "default via 10.0.0.254 dev eth0", "static_routes[0].destination", #""0.0.0.0/0""#),
    v("static_routes", "to 10.9.0.0/16 dev eth0 table main", "static_routes[0].table", #""main""#),
    v("static_routes", "blackhole 10.9.0.0/16 dev eth0", "static_routes[0].type", #""blackhole""#),
    v("static_routes", "10.9.0.0/16 dev eth0 mtu lock 1400 advmss 1360", "static_routes[0].metrics",
      #"[{"name": "mtu", "value": "1400", "lock": true}, {"name": "advmss", "value": "1360", "lock": false}]"#),
    v("static_routes", "10.9.0.0/16 dev eth0 nexthop via 10.0.0.1 dev eth0 weight 2 nexthop via 10.0.0.2 dev eth1",
      "static_routes[0].nexthops[1]", #"{"via": "10.0.0.2", "dev": "eth1", "onlink": false}"#),
    v("static_routes", "2001:db8::/32 via fe80::1 dev eth0 pref high", "static_routes[0].pref", #""high""#),
    v("static_routes", "10.9.0.0/16 via 10.0.0.254 no_track", "static_routes[0].no_track", "true"),
    v("static_routes", "10.9.0.0/16 dev eth0 encap mpls 100 metric 4", "static_routes[0].encap", #"["mpls", "100"]"#),
    e("static_routes", "via 10.0.0.254 dev eth0", "needs a destination"),
    e("static_routes", "10.9.0.0/16 via fe80::1 dev eth0", "cannot mix IPv4 and IPv6"),
    e("static_routes", "10.9.0.0/16 dev eth0 metric x", "metric expects a whole number"),
    e("static_routes", "10.9.0.0/16 dev eth0 proto static", "unknown route keyword 'proto'"),
    e("static_routes", "10.9.0.0/16 dev eth0 pref high", "pref is only valid for IPv6"),
    w("static_routes", "10.9.0.0/16 via 10.0.0.254", "cannot be tracked", "static_routes[0].via", #""10.0.0.254""#),
    w("static_routes", "10.9.0.0/16 gw 10.0.0.254 dev eth0", "'gw' is deprecated", "static_routes[0].via", #""10.0.0.254""#),
    w("static_routes", "10.9.0.0/16 via 10.0.0.1 or 10.0.0.2 dev eth0", "'or' for routes is deprecated",
      "static_routes[0].or_via", #""10.0.0.2""#),
    // rules
    v("static_rules", "from 10.0.0.0/8 to 10.1.0.0/16 table 5 preference 100 fwmark 0x10/0xff iif eth0 oif eth1 tos 4 sport 10-20 dport 30-40 ipproto tcp uidrange 100-200",
      "static_rules[0]",
      #"{"not": false, "from": "10.0.0.0/8", "to": "10.1.0.0/16", "table": "5", "preference": 100, "tos": 4, "fwmark": 16, "fwmask": 255, "iif": "eth0", "oif": "eth1", "uidrange": "100-200", "ipproto": "tcp", "sport": "10-20", "dport": "30-40", "l3mdev": false, "nop": false, "no_track": false}"#),
    v("static_rules", "not from all lookup main priority 5", "static_rules[0].not", "true"),
    v("static_rules", "from 10.0.0.0/8 preference 5 blackhole", "static_rules[0].type", #""blackhole""#),
    v("static_rules", "to 2001:db8::/32 nop preference 7", "static_rules[0].nop", "true"),
    w("static_routes", "10.9.0.0/16 dev eth0 protocol static", "cannot be tracked", "static_routes[0].protocol", #""static""#),
    e("static_rules", "from 10.0.0.0/8 preference 5", "has no action"),
    e("static_rules", "from 10.0.0.0/8 table 5 goto 6 preference 5", "only one of"),
    e("static_rules", "from 2001:db8::/32 to 10.0.0.0/8 table 5 preference 5", "cannot mix IPv4 and IPv6"),
    e("static_rules", "from 10.0.0.0/8 table 5 preference 5 sport 30", "invalid sport range '30'"),
    e("static_rules", "from 10.0.0.0/8 table 5 preference 5 foo", "unknown rule option 'foo'"),
    e("static_rules", "to 192.168.100./24 table 1", "'192.168.100./24' is not a valid IP address"),
    w("static_rules", "from 10.0.0.0/8 table 5", "no preference", "static_rules[0].preference", "16384"),
    // unicast peers and tracking
    v("unicast_peer", "10.0.0.2 min_ttl 5 max_ttl 250", "vrrp_instances[0].unicast_peer[0]",
      #"{"address": "10.0.0.2", "min_ttl": 5, "max_ttl": 250}"#),
    e("unicast_peer", "10.0.0.2 max_ttl 300", "max_ttl must be 0...255, got 300"),
    e("unicast_peer", "10.0.0.2 foo", "unknown word 'foo'"),
    e("unicast_peer", "10.0.0.2 min_ttl 9 max_ttl 5", "min_ttl 9 is above max_ttl 5"),
    e("unicast_peer", "10.0.0", "is not an IP address"),
    v("track_interface", "eth1 weight 10 reverse", "vrrp_instances[0].track_interface[0]",
      #"{"name": "eth1", "weight": 10, "reverse": true}"#),
    v("track_interface", "eth1", "vrrp_instances[0].track_interface[0]", #"{"name": "eth1", "reverse": false}"#),
    e("track_interface", "eth1 weight 300", "must be -253...253, got 300"),
    e("track_interface", "eth1 noreverse", "unknown word 'noreverse'"),
    v("track_script", "chk weight -5 noreverse", "vrrp_instances[0].track_script[0].weight", "-5"),
    // virtual_server_group entries
    v("virtual_server_group", "10.0.0.1-10 80", "virtual_server_groups[0].entries[0]",
      #"{"first": "10.0.0.1", "last": "10.0.0.10", "port": 80}"#),
    v("virtual_server_group", "10.0.0.0/24 80", "virtual_server_groups[0].entries[0].prefix", #""10.0.0.0/24""#),
    v("virtual_server_group", "fwmark 7 inet6", "virtual_server_groups[0].entries[0]", #"{"fwmark": 7, "family": "inet6"}"#),
    v("virtual_server_group", "ae00::2-9 80", "virtual_server_groups[0].entries[0].last", #""ae00::9""#),
    v("virtual_server_group", "10.0.0.5", "virtual_server_groups[0].entries[0]", #"{"first": "10.0.0.5", "last": "10.0.0.5"}"#),
    e("virtual_server_group", "10.0.0.10-5 80", "not a valid address range"),
        e("virtual_server_group", "fwmark -1", "fwmark must be 0...4294967295, got -1"),
    e("virtual_server_group", "10.0.0.1 99999", "port must be 0...65535, got 99999"),
    // small blocks
    v("interface_up_down_delays", "eth0 2.5", "interface_up_down_delays[0]",
      #"{"interface": "eth0", "down_delay": 2.5, "up_delay": 2.5}"#),
    e("interface_up_down_delays", "eth0 300", "must be 0...255 seconds, got 300"),
    v("interface_up_down_delays", "eth1", "interface_up_down_delays[0].down_delay", "0"),
    v("linkbeat_interfaces", "eth0 ETHTOOL", "linkbeat_interfaces[0].method", #""ETHTOOL""#),
    e("linkbeat_interfaces", "eth0 FOO", "unknown value 'FOO'"),
    e("notification_email", "ops@example.com", "takes its addresses in a { } block"),
    v("notification_email", "{\n  ops@example.com\n }", "global.notification_email", #"["ops@example.com"]"#),
]

enum ModelValueGrammarConfigs {
    static func config(_ c: ValueLineCase) -> String { wrap(c.block, c.line) }
}

@Suite struct ModelValueGrammar {
    @Test(arguments: valueLineCases)
    func eachLineBecomesItsValueOrItsError(_ c: ValueLineCase) throws {
        let r = compileText(wrap(c.block, c.line))
        let all = r.diagnostics.all
        switch c.expect {
        case .value(let path, let json):
            #expect(all.isEmpty, "\(c.line): \(all.map(\.description))")
            let found = jsonValue(try jsonObject(r.compiled), at: "config." + path)
            #expect(found.map(canonicalJSON) == canonicalJSON(text: json), "\(c.line): at \(path) found \(found.map(canonicalJSON) ?? "nothing")")
        case .diagnostic(let severity, let words):
            #expect(all.contains { $0.severity == severity && $0.message.contains(words) },
                    "\(c.line): expected \(severity) '\(words)', got \(all.map(\.description))")
        case .warnedValue(let words, let path, let json):
            #expect(all.allSatisfy { $0.severity == .warning } && all.contains { $0.message.contains(words) },
                    "\(c.line): expected a warning '\(words)', got \(all.map(\.description))")
            let found = jsonValue(try jsonObject(r.compiled), at: "config." + path)
            #expect(found.map(canonicalJSON) == canonicalJSON(text: json), "\(c.line): at \(path) found \(found.map(canonicalJSON) ?? "nothing")")
        }
    }
}
