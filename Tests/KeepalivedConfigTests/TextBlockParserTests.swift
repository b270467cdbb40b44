// The block parser against a small grammar of its own: structure, value
// blocks, keepalived's brace recovery, unknown keywords (skipped with their
// block, the deliberate difference), "did you mean", and depth.
import Testing
@testable import KeepalivedConfig

/// A few sections shaped like keepalived's, plus `nest`, which may contain
/// itself, for the depth cap.
struct MiniGrammar: Grammar {
    static let table: [String: [String: KeywordShape]] = [
        "": ["global_defs": .block(SectionPath("global_defs")), "vrrp_instance": .block(SectionPath("vrrp_instance")),
             "virtual_server": .block(SectionPath("virtual_server")), "nest": .block(SectionPath("nest"))],
        "global_defs": ["router_id": .plain, "notification_email": .plainOrValueBlock, "include_check": .plain,
                        "random_seed": .plain],
        "vrrp_instance": ["state": .plain, "priority": .plain, "virtual_ipaddress": .valueBlock,
                          "authentication": .block(SectionPath("vrrp_instance/authentication")), "track_script": .valueBlock],
        "vrrp_instance/authentication": ["auth_type": .plain, "auth_pass": .plain],
        "virtual_server": ["lb_algo": .plain, "real_server": .block(SectionPath("virtual_server/real_server"))],
        "virtual_server/real_server": ["weight": .plain, "HTTP_GET": .block(SectionPath("virtual_server/real_server/HTTP_GET"))],
        "virtual_server/real_server/HTTP_GET": ["connect_timeout": .plain,
                                                "url": .block(SectionPath("virtual_server/real_server/HTTP_GET/url"))],
        "virtual_server/real_server/HTTP_GET/url": ["path": .plain, "digest": .plain],
        "nest": ["nest": .block(SectionPath("nest")), "leaf": .plain],
    ]

    func shape(of keyword: String, in section: SectionPath) -> KeywordShape? { Self.table[section.path]?[keyword] }
    func keywords(in section: SectionPath) -> [String] { (Self.table[section.path] ?? [:]).keys.sorted() }
    func sections(containing keyword: String) -> [SectionPath] {
        Self.table.filter { $0.value[keyword] != nil }.map { SectionPath($0.key) }.sorted { $0.path < $1.path }
    }
}

/// A node tree as one line: `kw args { children; ... }`, value blocks as `kw args <v; v>`.
func render(_ nodes: [ConfigNode]) -> String {
    nodes.map { n in
        let head = ([n.keyword.text] + n.arguments.map(\.text)).joined(separator: " ")
        switch n.body {
        case .none: return head
        case .block(let children): return head + " { " + render(children) + " }"
        case .values(let lines): return head + " <" + lines.map(show).joined(separator: "; ") + ">"
        }
    }.joined(separator: "; ")
}

struct ParseCase: CustomTestStringConvertible, Sendable {
    var name: String
    var input: String
    var tree: String
    var errors: [String] = []
    var warnings: [String] = []
    var testDescription: String { name }
}

func parseText(_ text: String, files: [String: String] = [:]) -> (nodes: [ConfigNode], diagnostics: Diagnostics) {
    let h = MemoryHost(files: files)
    h.add("keepalived.conf", text)
    let d = Diagnostics()
    let nodes = ConfigText.parse(file: "keepalived.conf", host: h, grammar: MiniGrammar(), diagnostics: d,
                                 options: PreprocessorOptions(randomSeed: 1))
    return (nodes, d)
}

@Suite struct TextBlockParserTests {
    static let cases: [ParseCase] = [
        ParseCase(name: "nested blocks and plain keywords",
                  input: """
                  virtual_server 10.0.0.1 80 {
                      lb_algo rr
                      real_server 10.0.1.1 80 {
                          weight 2
                          HTTP_GET {
                              url {
                                  path /
                                  digest abc
                              }
                              connect_timeout 3
                          }
                      }
                  }
                  """,
                  tree: "virtual_server 10.0.0.1 80 { lb_algo rr; real_server 10.0.1.1 80 { weight 2; HTTP_GET { url { path /; digest abc }; connect_timeout 3 } } }"),
        ParseCase(name: "value blocks are read line by line",
                  input: "vrrp_instance X {\n virtual_ipaddress {\n  10.0.0.1/32 dev eth0\n  10.0.0.2/32\n }\n state BACKUP\n}\n",
                  tree: "vrrp_instance X { virtual_ipaddress <10.0.0.1/32 dev eth0; 10.0.0.2/32>; state BACKUP }"),
        ParseCase(name: "a value block on one line",
                  input: "vrrp_instance X { virtual_ipaddress { 10.0.0.1/32 } }\n",
                  tree: "vrrp_instance X { virtual_ipaddress <10.0.0.1/32> }"),
        ParseCase(name: "an open brace on the next line is accepted",
                  input: "vrrp_instance X\n{\n state BACKUP\n}\n", tree: "vrrp_instance X { state BACKUP }"),
        ParseCase(name: "close and open on one line",
                  input: "vrrp_instance X {\n} vrrp_instance Y {\n priority 5 }\n",
                  tree: "vrrp_instance X {  }; vrrp_instance Y { priority 5 }"),
        ParseCase(name: "plain-or-value keyword on one line",
                  input: "global_defs {\n notification_email a@b\n router_id r\n}\n",
                  tree: "global_defs { notification_email a@b; router_id r }"),
        ParseCase(name: "plain-or-value keyword with a block",
                  input: "global_defs {\n notification_email {\n  a@b\n  c@d\n }\n}\n",
                  tree: "global_defs { notification_email <a@b; c@d> }"),
        ParseCase(name: "plain-or-value keyword with its brace on the next line",
                  input: "global_defs {\n notification_email\n {\n  a@b\n }\n}\n",
                  tree: "global_defs { notification_email <a@b> }"),

        // keepalived's recovery.
        ParseCase(name: "a missing open brace is an error and the block is still read",
                  input: "vrrp_instance X\n state BACKUP\n}\nvrrp_instance Y {\n}\n",
                  tree: "vrrp_instance X { state BACKUP }; vrrp_instance Y {  }", errors: ["missing '{'"]),
        ParseCase(name: "an extra close brace is an error and ignored",
                  input: "global_defs {\n}\n}\nvrrp_instance Y {\n}\n",
                  tree: "global_defs {  }; vrrp_instance Y {  }", errors: ["extra '}'"]),
        ParseCase(name: "missing close braces are counted at the end",
                  input: "vrrp_instance X {\n authentication {\n  auth_type PASS\n",
                  tree: "vrrp_instance X { authentication { auth_type PASS } }", errors: ["there are 2 missing '}'s"]),
        ParseCase(name: "a stray open brace skips the block it opens",
                  input: "vrrp_instance X {\n {\n  priority 1\n }\n state BACKUP\n}\n",
                  tree: "vrrp_instance X { state BACKUP }", errors: ["unexpected '{'"]),
        ParseCase(name: "a plain keyword with a block keeps the keyword and skips the block",
                  input: "vrrp_instance X {\n priority 5 {\n  state MASTER\n }\n state BACKUP\n}\n",
                  tree: "vrrp_instance X { priority 5; state BACKUP }", errors: ["does not open a block"]),
        ParseCase(name: "an open brace inside a value block skips what it opens",
                  input: "vrrp_instance X {\n track_script {\n  chk {\n   x\n  }\n  chk2\n }\n}\n",
                  tree: "vrrp_instance X { track_script <chk2> }", errors: ["unexpected '{' inside the values"]),

        // Unknown keywords.
        ParseCase(name: "an unknown keyword is a warning with a suggestion",
                  input: "vrrp_instance X {\n priorty 5\n state BACKUP\n}\n",
                  tree: "vrrp_instance X { state BACKUP }", warnings: ["unknown keyword 'priorty' in vrrp_instance"]),
        ParseCase(name: "an unknown keyword's block is skipped whole (deliberate difference)",
                  input: "global_defs {\n smtp_stuff {\n  router_id inner\n  deeper {\n  }\n }\n router_id outer\n}\nvrrp_instance X {\n}\n",
                  tree: "global_defs { router_id outer }; vrrp_instance X {  }",
                  warnings: ["unknown keyword 'smtp_stuff' in global_defs - skipping its block"]),
        ParseCase(name: "an unknown keyword with its brace on the next line is skipped whole",
                  input: "global_defs {\n odd\n {\n  router_id inner\n }\n router_id outer\n}\n",
                  tree: "global_defs { router_id outer }", warnings: ["unknown keyword 'odd'"]),
        ParseCase(name: "unknown keywords at the top level",
                  input: "VI_2\nvrrp_instance X {\n}\n", tree: "vrrp_instance X {  }",
                  warnings: ["unknown keyword 'VI_2' at the top level"]),
    ]

    @Test(arguments: cases)
    func blockParserBuildsTheExpectedTree(_ c: ParseCase) {
        let (nodes, d) = parseText(c.input)
        #expect(render(nodes) == c.tree)
        let errors = d.all.filter { $0.severity >= .error }.map(\.message)
        let warnings = d.all.filter { $0.severity == .warning }.map(\.message)
        #expect(containsInOrder(errors, c.errors), "errors: \(errors)")
        #expect(errors.count == c.errors.count, "errors: \(errors)")
        #expect(containsInOrder(warnings, c.warnings), "warnings: \(warnings)")
        #expect(warnings.count == c.warnings.count, "warnings: \(warnings)")
    }

    @Test func unknownKeywordsGetDidYouMeanAndWhereTheyBelong() {
        let (_, d) = parseText("vrrp_instance X {\n priorty 5\n router_id r\n}\n")
        #expect(d.all.count == 2)
        #expect(d.all[0].notes == ["did you mean 'priority'?"])
        #expect(d.all[1].notes == ["'router_id' belongs in global_defs"])
        #expect(d.all[0].location?.line == 2 && d.all[0].location?.column == 2)
        #expect(d.all[0].length == 7)
        #expect(d.all[0].sourceLine == " priorty 5")
    }

    @Test func nodesKeepTheirKeywordLine() {
        let (nodes, _) = parseText("vrrp_instance X {\n  priority 5\n}\n")
        guard case .block(let children)? = nodes.first?.body else { Issue.record("no block"); return }
        #expect(children[0].line.location.line == 2)
        #expect(children[0].arguments.map(\.text) == ["5"])
        #expect(nodes[0].arguments.map(\.text) == ["X"])
    }

    @Test func topLevelNodesCanBeStreamed() {
        let h = MemoryHost()
        h.add("keepalived.conf", "vrrp_instance A {\n}\nvrrp_instance B {\n priority 1\n}\nglobal_defs {\n}\n")
        var seen: [String] = []
        ConfigText.parse(file: "keepalived.conf", host: h, grammar: MiniGrammar(), diagnostics: Diagnostics()) {
            seen.append(render([$0]))
        }
        #expect(seen == ["vrrp_instance A {  }", "vrrp_instance B { priority 1 }", "global_defs {  }"])
    }

    @Test func tenThousandNestedKnownBlocksAreCappedWithoutRecursion() {
        let depth = 10_000
        let text = String(repeating: "nest {\n", count: depth) + "leaf\n" + String(repeating: "}\n", count: depth)
        let (nodes, d) = parseText(text)
        #expect(d.all.map(\.message) == ["blocks are nested more than 32 deep - skipping this one"])
        var n = nodes.first
        var levels = 0
        while let node = n, case .block(let c) = node.body { levels += 1; n = c.first }
        #expect(levels == 32)
    }

    @Test func tenThousandStrayBracesAreOneErrorAndOneCount() {
        let text = String(repeating: "{\n", count: 10_000)
        let (nodes, d) = parseText(text)
        #expect(nodes.isEmpty)
        #expect(d.all.map(\.message) == ["unexpected '{' - skipping the block it opens",
                                         "there are 10000 missing '}'s at the end of the configuration"])
    }

    @Test func tenThousandNestedUnknownBlocksAreSkippedWithOneWarning() {
        let text = String(repeating: "mystery {\n", count: 10_000) + String(repeating: "}\n", count: 10_000) + "global_defs {\n}\n"
        let (nodes, d) = parseText(text)
        #expect(render(nodes) == "global_defs {  }")
        #expect(d.all.count == 1)
    }
}
