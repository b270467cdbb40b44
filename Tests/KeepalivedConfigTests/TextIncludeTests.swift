// The include family (reference §1.6): globbing, order, paths relative to
// the including file, what is skipped, the include checks, cycles, and the
// include chain each token carries.
import Testing
@testable import KeepalivedConfig

struct IncludeCase: CustomTestStringConvertible, Sendable {
    var name: String
    var main: String
    var files: [String: String] = [:]
    var lines: [String]
    var errors: [String] = []
    /// Whether keepalived would call the configuration unusable (`-t` exit 6).
    var unusable = false
    var checkAll = false
    var testDescription: String { name }
}

@Suite struct TextIncludeTests {
    static let cases: [IncludeCase] = [
        IncludeCase(name: "a relative include is read from the including file's directory",
                    main: "a\ninclude sub/one.conf\nb\n", files: ["sub/one.conf": "one\n"], lines: ["a", "one", "b"]),
        IncludeCase(name: "an include inside an included file is relative to that file (observed)",
                    main: "include sub/one.conf\n", files: ["sub/one.conf": "one\ninclude ../two.conf\n", "two.conf": "two\n"],
                    lines: ["one", "two"]),
        IncludeCase(name: "an absolute include", main: "include /opt/k/x.conf\n", files: ["/opt/k/x.conf": "x\n"], lines: ["x"]),
        IncludeCase(name: "glob matches are read in sorted order",
                    main: "include conf.d/*.conf\n", files: ["conf.d/b.conf": "b\n", "conf.d/a.conf": "a\n", "conf.d/c.txt": "c\n"],
                    lines: ["a", "b"]),
        IncludeCase(name: "brace alternatives are read in the order written",
                    main: "include {y,x}.conf\n", files: ["x.conf": "x\n", "y.conf": "y\n"], lines: ["y", "x"]),
        IncludeCase(name: "includes may sit inside value blocks (observed)",
                    main: "virtual_ipaddress {\n include vips.conf\n}\n", files: ["vips.conf": "10.0.0.1/32\n10.0.0.2/32\n"],
                    lines: ["virtual_ipaddress {", "10.0.0.1/32", "10.0.0.2/32", "}"]),
        IncludeCase(name: "blocks may open in one file and close in another",
                    main: "global_defs {\ninclude tail.conf\n", files: ["tail.conf": "router_id x\n}\n"],
                    lines: ["global_defs {", "router_id x", "}"]),
        IncludeCase(name: "an include after an open brace on the same line (observed)",
                    main: "global_defs { include g.inc\n}\n", files: ["g.inc": "router_id g\n"],
                    lines: ["global_defs {", "router_id g", "}"]),
        IncludeCase(name: "an include takes the rest of its line, braces too (observed)",
                    main: "include g.inc }\n", files: ["g.inc": "x\n"], lines: [],
                    errors: ["'g.inc }' does not exist"]),
        IncludeCase(name: "include names may come from definitions (observed)",
                    main: "$F=g.inc\ninclude $F\n", files: ["g.inc": "g\n"], lines: ["g"]),
        IncludeCase(name: "include may follow @ID (observed)", main: "@lb1 include g.inc\n@other include h.inc\n",
                    files: ["g.inc": "g\n"], lines: ["g"]),
        IncludeCase(name: "include may come from ~SEQ (observed)", main: "~SEQ(N, 2) include f${N}.conf\n",
                    files: ["f1.conf": "one\n", "f2.conf": "two\n"], lines: ["one", "two"]),
        IncludeCase(name: "${_PWD} in an included file is that file's directory",
                    main: "include sub/p.conf\n", files: ["sub/p.conf": "p ${_PWD}\n"], lines: ["p /etc/keepalived/sub"]),
        IncludeCase(name: "the same file may be included twice side by side",
                    main: "include g.inc\ninclude g.inc\n", files: ["g.inc": "g\n"], lines: ["g", "g"]),

        // Missing and skipped files.
        IncludeCase(name: "a missing plain include is an error (deliberate difference)",
                    main: "include nothere.conf\nx\n", lines: ["x"], errors: ["'nothere.conf' does not exist"]),
        IncludeCase(name: "includem of a missing file makes the configuration unusable (observed exit 6)",
                    main: "includem nothere.conf\n", lines: [], errors: ["does not exist"], unusable: true),
        IncludeCase(name: "includer of a missing file is still an error for us",
                    main: "includer nothere.conf\n", lines: [], errors: ["does not exist"]),
        IncludeCase(name: "a wildcard matching nothing is fine for include (observed exit 0)",
                    main: "include conf.d/*.conf\nx\n", lines: ["x"]),
        IncludeCase(name: "a wildcard matching nothing fails includew (observed exit 6)",
                    main: "includew conf.d/*.conf\n", lines: [], errors: ["no files match"], unusable: true),
        IncludeCase(name: "braces matching nothing are fine for includem (observed exit 0)",
                    main: "includem no{a,b}.conf\nx\n", lines: ["x"]),
        IncludeCase(name: "braces matching nothing fail includeb (observed exit 6)",
                    main: "includeb no{a,b}.conf\n", lines: [], errors: ["no files match"], unusable: true),
        IncludeCase(name: "a directory matched by a wildcard is skipped",
                    main: "include sub*\n", files: ["sub/x.conf": "x\n", "subfile": "f\n"], lines: ["f"]),
        IncludeCase(name: "a directory matched by a wildcard fails includer (observed exit 6)",
                    main: "includer su*/\n", files: ["sub/x.conf": "x\n"], lines: [], errors: ["is a directory"],
                    unusable: true),
        IncludeCase(name: "a directory named plainly is an error (deliberate difference)",
                    main: "include sub/\n", files: ["sub/x.conf": "x\n"], lines: [], errors: ["is a directory"]),
        IncludeCase(name: "-e turns every check on", main: "include conf.d/*.conf\n", lines: [],
                    errors: ["no files match"], unusable: true, checkAll: true),

        // include_check.
        IncludeCase(name: "include_check in global_defs sets the default (observed exit 6)",
                    main: "global_defs {\n include_check\n}\ninclude conf.d/*.conf\n", lines: ["global_defs {", "include_check", "}"],
                    errors: ["no files match"], unusable: true),
        IncludeCase(name: "include_check read does not check matches (observed exit 0)",
                    main: "global_defs {\n include_check read\n}\ninclude conf.d/*.conf\n",
                    lines: ["global_defs {", "include_check read", "}"]),
        IncludeCase(name: "include_check -wildcard_match removes a check",
                    main: "global_defs {\n include_check wildcard_match -wildcard_match\n}\ninclude conf.d/*.conf\n",
                    lines: ["global_defs {", "include_check wildcard_match -wildcard_match", "}"]),
        IncludeCase(name: "include_check outside global_defs does nothing here",
                    main: "vrrp_instance X {\n include_check\n}\ninclude conf.d/*.conf\n",
                    lines: ["vrrp_instance X {", "include_check", "}"]),
        IncludeCase(name: "include_check set in an included file ends with that file",
                    main: "include g.inc\ninclude conf.d/*.conf\n",
                    files: ["g.inc": "global_defs {\n include_check\n}\n"], lines: ["global_defs {", "include_check", "}"]),
        IncludeCase(name: "an include_check with an unknown word changes nothing (the model side reports the word)",
                    main: "global_defs {\n include_check often\n}\ninclude conf.d/*.conf\n",
                    lines: ["global_defs {", "include_check often", "}"]),

        // Cycles.
        IncludeCase(name: "a file including itself is an include loop, not a hang",
                    main: "include keepalived.conf\nx\n", lines: ["x"], errors: ["include loop: keepalived.conf includes keepalived.conf"]),
        IncludeCase(name: "a longer include loop is reported with its chain",
                    main: "include a.conf\n", files: ["a.conf": "a\ninclude b.conf\n", "b.conf": "b\ninclude a.conf\n"],
                    lines: ["a", "b"], errors: ["include loop: a.conf includes b.conf includes a.conf"]),
        IncludeCase(name: "include with no pattern is an error", main: "include\n", lines: [], errors: ["needs a file name"]),
    ]

    @Test(arguments: cases)
    func includesAreResolvedAsKeepalivedDoes(_ c: IncludeCase) {
        let r = preprocess(c.main, files: c.files,
                           options: PreprocessorOptions(checkAllIncludes: c.checkAll, randomSeed: 1))
        #expect(r.shown == c.lines)
        #expect(containsInOrder(r.messages, c.errors), "errors: \(r.messages)")
        if c.errors.isEmpty { #expect(r.messages.isEmpty) }
        #expect(r.diagnostics.configUnusable == c.unusable)
    }

    @Test func tokensFromAnIncludedFileCarryTheIncludeChain() {
        let r = preprocess("x\n\ninclude sub/one.conf\n",
                           files: ["sub/one.conf": "# c\ninclude two.conf\n", "sub/two.conf": "\n  deep word\n"])
        let t = r.lines.last!.tokens[1]
        #expect(t.location.file == "sub/two.conf")
        #expect(t.location.line == 2)
        #expect(t.location.column == 8)
        #expect(t.location.includedFrom == [IncludeSite(file: "sub/one.conf", line: 2),
                                             IncludeSite(file: "keepalived.conf", line: 3)])
        #expect(r.lines[0].location.includedFrom.isEmpty)
    }

    @Test func aSymlinkBackToAnIncludingFileIsALoop() {
        let h = MemoryHost(files: ["a.conf": "include link.conf\n"])
        h.links["/etc/keepalived/link.conf"] = "/etc/keepalived/keepalived.conf"
        let r = preprocess("include a.conf\n", host: h)
        #expect(containsInOrder(r.messages, ["include loop"]))
    }

    @Test func anExecutableIncludeNamedPlainlyIsAnError() {
        let h = MemoryHost()
        h.add("run.conf", "x\n", mode: 0o755)
        let r = preprocess("include run.conf\n", host: h)
        #expect(r.shown.isEmpty)
        #expect(containsInOrder(r.messages, ["is executable"]))
    }

    @Test func anExecutableFileMatchedByAWildcardIsSkippedQuietly() {
        let h = MemoryHost(files: ["d/a.conf": "a\n"])
        h.add("d/run.conf", "x\n", mode: 0o755)
        let r = preprocess("include d/*.conf\n", host: h)
        #expect(r.shown == ["a"])
        #expect(r.messages.isEmpty)
    }

    @Test func anUnreadableIncludeIsAnError() {
        let h = MemoryHost()
        h.add("secret.conf", "x\n", readable: false)
        let r = preprocess("include secret.conf\n", host: h)
        #expect(containsInOrder(r.messages, ["cannot be read"]))
    }

    @Test func aMissingMainFileIsFatal() {
        let d = Diagnostics()
        let lines = Preprocessor(host: MemoryHost(), diagnostics: d).lines(ofFile: "nothere.conf")
        #expect(lines.isEmpty)
        #expect(d.all.first?.severity == .fatal)
        #expect(d.all.first?.message.contains("nothere.conf") == true)
    }

    @Test func includesNestedTooDeeplyAreAnErrorNotACrash() {
        var files: [String: String] = [:]
        for i in 0..<40 { files["f\(i).conf"] = "include f\(i + 1).conf\n" }
        files["f40.conf"] = "end\n"
        let r = preprocess("include f0.conf\n", files: files)
        #expect(containsInOrder(r.messages, ["nested more than 32 deep"]))
    }
}
