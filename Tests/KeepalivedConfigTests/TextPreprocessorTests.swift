// The preprocessor, rule by rule (reference §1.1-1.9), as tables of
// input text -> logical lines (tokens joined by spaces, "..." for quoted
// tokens) and the errors expected, in order. Behaviours marked "observed"
// were checked against Debian's keepalived 2.2.7.
import Testing
@testable import KeepalivedConfig

struct TextCase: CustomTestStringConvertible, Sendable {
    var name: String
    var input: String
    var lines: [String]
    var errors: [String] = []
    var configID: String? = nil
    var testDescription: String { name }
}

@Suite struct TextPreprocessorTests {
    static let comments: [TextCase] = [
        TextCase(name: "hash starts a comment", input: "router_id a#b\n", lines: ["router_id a"]),
        TextCase(name: "bang starts a comment", input: "router_id a ! note\n", lines: ["router_id a"]),
        TextCase(name: "whole-line comments vanish", input: "# one\n   ! two\n\n", lines: []),
        TextCase(name: "double quotes protect comment characters", input: "router_id \"a # b\" c\n",
                 lines: ["router_id \"a # b\" c"]),
        TextCase(name: "single quotes do not protect (observed)", input: "router_id 'a#b'\n", lines: ["router_id 'a"]),
        TextCase(name: "backslash-hash and backslash-bang are literal", input: "x \\#y \\!z\n", lines: ["x #y !z"]),
        TextCase(name: "backslash-hash inside quotes stays as written", input: "x \"\\#y\"\n", lines: ["x \"\\#y\""]),
        TextCase(name: "trailing backslash joins the last word (observed)", input: "priority 100 \\\nstate MASTER\n",
                 lines: ["priority 100\\", "state MASTER"]),
        TextCase(name: "a backslash ending a comment survives (observed)", input: "router_id foo # note \\\n",
                 lines: ["router_id foo\\"]),
        TextCase(name: "a comment-only line ending in backslash leaves one (observed)", input: "# a comment \\\n",
                 lines: ["\\"]),
        TextCase(name: "CRLF line ends", input: "a b\r\nc\r\n", lines: ["a b", "c"]),
        TextCase(name: "a file without a final newline", input: "a b\nc", lines: ["a b", "c"]),
        TextCase(name: "blanks are space tab VT FF and CR", input: "a\tb\u{0B}c\u{0C}d\re\n", lines: ["a b c d e"]),
    ]

    static let quotesAndBraces: [TextCase] = [
        TextCase(name: "a quoted token keeps its blanks", input: "notify \"/bin/x a b\"\n", lines: ["notify \"/bin/x a b\""]),
        TextCase(name: "text glued before a quote ends the token", input: "x ab\"c d\"e f\n", lines: ["x ab \"c d\" e f"]),
        TextCase(name: "an empty quoted token", input: "x \"\" y\n", lines: ["x \"\" y"]),
        TextCase(name: "an unterminated quote is an error", input: "x \"ab\n", lines: ["x \"ab\""],
                 errors: ["unterminated quote"]),
        TextCase(name: "a glued brace opens a block (observed)", input: "global_defs{\n}\n", lines: ["global_defs {", "}"]),
        TextCase(name: "a close brace splits a word (observed)", input: "x a}b\n", lines: ["x a", "}", "b"]),
        TextCase(name: "close and open on one line", input: "} vrrp_instance Y {\n", lines: ["}", "vrrp_instance Y {"]),
        TextCase(name: "a value block on one line", input: "virtual_ipaddress { 10.0.0.1/32 }\n",
                 lines: ["virtual_ipaddress {", "10.0.0.1/32", "}"]),
        TextCase(name: "lines after an open brace", input: "vrrp_instance X { state BACKUP\n",
                 lines: ["vrrp_instance X {", "state BACKUP"]),
        TextCase(name: "braces inside quotes do not split", input: "x \"{a}\" y\n", lines: ["x \"{a}\" y"]),
        TextCase(name: "a brace alone on its line", input: "vrrp_instance X\n{\n}\n", lines: ["vrrp_instance X", "{", "}"]),
    ]

    static let definitions: [TextCase] = [
        TextCase(name: "a definition is used with $NAME before a blank",
                 input: "$A=1.2.3.4\nip $A\nip $A x\n", lines: ["ip 1.2.3.4", "ip 1.2.3.4 x"]),
        TextCase(name: "$NAME before a dot is not replaced (observed)", input: "$A=1.2.3.4\nip $A.5\n", lines: ["ip $A.5"]),
        TextCase(name: "$NAME before a comma or parenthesis is replaced", input: "$A=q\nip $A,$A)\n", lines: ["ip q,q)"]),
        TextCase(name: "$NAME may follow other text (observed)", input: "$A=q\nip x$A\n", lines: ["ip xq"]),
        TextCase(name: "${NAME} is replaced anywhere", input: "$A=q\nip ${A}x a${A}${A}\n", lines: ["ip qx aqq"]),
        TextCase(name: "undefined names stay as written (and ${ } then splits, as observed)", input: "ip $U ${U}\n",
                 lines: ["ip $U $ {", "U", "}"]),
        TextCase(name: "an empty value", input: "$E=\nip a$E,b\n", lines: ["ip a,b"]),
        TextCase(name: "a blank before '=' makes an ordinary line", input: "$A =1\n", lines: ["$A =1"]),
        TextCase(name: "blanks after '=' are skipped", input: "$A=   x y\nip $A\n", lines: ["ip x y"]),
        TextCase(name: "values are bound when used", input: "$B=${A}x\n$A=1\nip $B\n$A=2\nip $B\n", lines: ["ip 1x", "ip 2x"]),
        TextCase(name: "a definition's comment is not part of it (observed)", input: "$C=a # note\nip $C\n", lines: ["ip a"]),
        TextCase(name: "$NAME followed by a quote is not replaced (observed)", input: "$A=q\nip \"$A\" \"${A}\"\n",
                 lines: ["ip \"$A\" \"q\""]),
        TextCase(name: "a value may hold several words and braces", input: "$V=vrrp_instance X {\n$V\n}\n",
                 lines: ["vrrp_instance X {", "}"]),
        TextCase(name: "expansion repeats until stable", input: "$A=${B}\n$B=${C}\n$C=deep\nip $A\n", lines: ["ip deep"]),
        TextCase(name: "a self-referential definition is an error, not a hang", input: "$T=${T}y\nip ${T}\n", lines: [],
                 errors: ["does not terminate"]),
        TextCase(name: "a doubling definition is an error, not a hang", input: "$T=${T}${T}\nip ${T}\n", lines: [],
                 errors: ["does not terminate"]),
        TextCase(name: "an expansion producing a comment character starts a comment (observed)",
                 input: "$A=x\nip ${A}\\#y ${_HASH}z\n", lines: ["ip x"]),
        TextCase(name: "${_HASH} and ${_BANG} inside quotes", input: "ip \"${_HASH}${_BANG}\"\n", lines: ["ip \"#!\""]),
        TextCase(name: "${_INSTANCE} is the node name up to its first dot", input: "ip ${_INSTANCE}\n", lines: ["ip lb1"]),
        TextCase(name: "${_INSTANCE} is the config-id when given", input: "ip ${_INSTANCE}\n", lines: ["ip high"],
                 configID: "high"),
        TextCase(name: "${_PWD} is the directory of the file", input: "ip ${_PWD}\n", lines: ["ip /etc/keepalived"]),
        TextCase(name: "${_RANDOM MIN MAX}", input: "ip ${_RANDOM 5 5} ${_RANDOM 7 7}\n", lines: ["ip 5 7"]),
        TextCase(name: "bad ${_RANDOM} parameters are an error", input: "ip ${_RANDOM 9 x}\n",
                 lines: ["ip $ {", "_RANDOM 9 x", "}"], errors: ["${_RANDOM} takes"]),
        TextCase(name: "predefined names can be redefined", input: "$_INSTANCE=mine\nip ${_INSTANCE}\n", lines: ["ip mine"]),
        TextCase(name: "${_ENV} does not exist in 2.2.7 (observed: left as written, then split at its braces)",
                 input: "ip ${_ENV HOME}\n", lines: ["ip $ {", "_ENV HOME", "}"]),
    ]

    static let multiLine: [TextCase] = [
        TextCase(name: "a multi-line definition on a line of its own",
                 input: "$M=a 1 \\\n  b 2 \\\n  c 3\nx\n$M\n", lines: ["x", "a 1", "b 2", "c 3"]),
        TextCase(name: "a multi-line definition used inline joins its first line (observed)",
                 input: "$M=a 1 \\\n b 2\nx $M\n", lines: ["x a 1", "b 2"]),
        TextCase(name: "a physically empty line ends a multi-line definition (observed)",
                 input: "$M=a \\\n\n b\n$M\n", lines: ["b", "a"]),
        TextCase(name: "a comment line inside a multi-line definition is passed over (observed)",
                 input: "$M=a \\\n# note\n b\n$M\n", lines: ["a", "b"]),
        TextCase(name: "a blank-only line does not end a multi-line definition (observed)",
                 input: "$M=a \\\n   \n b\n$M\n", lines: ["a", "b"]),
        TextCase(name: "expanded lines may be conditional and define more",
                 input: "$M=@lb1 a \\\n @other b \\\n $I=inner\n$M\nx $I\n", lines: ["a", "x inner"]),
        TextCase(name: "expanded lines may open and close blocks",
                 input: "$M=vrrp_instance X { \\\n state BACKUP \\\n }\n$M\n",
                 lines: ["vrrp_instance X {", "state BACKUP", "}"]),
        TextCase(name: "nested multi-line definitions", input: "$IN=b \\\n c\n$OUT=a \\\n $IN \\\n d\n$OUT\n",
                 lines: ["a", "b", "c", "d"]),
        TextCase(name: "a multi-line definition used inside itself is an error, not a hang",
                 input: "$M=a \\\n $M\n$M\n", lines: [], errors: ["does not terminate"]),
        TextCase(name: "a definition still open at the end of the file is kept", input: "$M=a \\\n b \\\n",
                 lines: []),
    ]

    static let conditionals: [TextCase] = [
        TextCase(name: "@ID keeps the line for that config-id",
                 input: "@lb1 a\n@^lb1 b\n@other c\n@^other d\n@lb1\n", lines: ["a", "d"]),
        TextCase(name: "@ID follows --config-id", input: "@lb1 a\n@high b\n@^high c\n", lines: ["b"], configID: "high"),
        TextCase(name: "@ID works inside blocks and before definitions",
                 input: "x {\n @lb1 $A=1\n @other $A=2\n y $A\n}\n", lines: ["x {", "y 1", "}"]),
        TextCase(name: "a definition's value may start with @ID",
                 input: "$C=@other hidden\n$C\n$D=@lb1 shown\n$D\n", lines: ["shown"]),
        TextCase(name: "@ID lines may include ~SEQ", input: "@lb1 ~SEQ(N, 2) v$N\n", lines: ["v1", "v2"]),
    ]

    static let sequences: [TextCase] = [
        TextCase(name: "~SEQ with one number counts from 1", input: "~SEQ(N, 3) a$N\n", lines: ["a1", "a2", "a3"]),
        TextCase(name: "~SEQ with two numbers", input: "~SEQ(N, 5, 7) b${N}\n", lines: ["b5", "b6", "b7"]),
        TextCase(name: "~SEQ with a negative step", input: "~SEQ(N, 10, -3, 4) c$N\n", lines: ["c10", "c7", "c4"]),
        TextCase(name: "~SEQx prints lower-case hex", input: "~SEQx(N, 9, 3, 0x10) d$N\n", lines: ["d9", "dc", "df"]),
        TextCase(name: "~SEQ toward a negative end", input: "~SEQ(N, -2) e$N\n", lines: ["e-1", "e-2"]),
        TextCase(name: "~SEQ toward zero counts down from 1 (observed)", input: "~SEQ(N, 0) a$N\n", lines: ["a1", "a0"]),
        TextCase(name: "~SEQ numbers are read like strtol base 0 (observed)", input: "~SEQ(N, 010, 011) g$N\n",
                 lines: ["g8", "g9"]),
        TextCase(name: "~SEQ without a blank before the rest (observed)", input: "~SEQ(N,1,2)b$N\n", lines: ["b1", "b2"]),
        TextCase(name: "~SEQ parameters may be definitions", input: "$LAST=3\n~SEQ(N, 2, $LAST) v$N\n", lines: ["v2", "v3"]),
        TextCase(name: "nested ~SEQ, leftmost outermost", input: "~SEQ(I, 1, 2) ~SEQ(J, 1, 2) h${I}.${J}\n",
                 lines: ["h1.1", "h1.2", "h2.1", "h2.2"]),
        TextCase(name: "an empty ~SEQ still defines its variable (observed)", input: "~SEQ(N, 1, 2)\ni$N\n", lines: ["i2"]),
        TextCase(name: "~SEQ inside a value block (reference example)",
                 input: "$BASE=10.0.0\nv {\n~SEQ(N, 221, 223) ${BASE}.${N}/32\n}\n",
                 lines: ["v {", "10.0.0.221/32", "10.0.0.222/32", "10.0.0.223/32", "}"]),
        TextCase(name: "~SEQ only at the start of a line (observed)", input: "x ~SEQ(N, 1, 2) l$N\n",
                 lines: ["x ~SEQ(N, 1, 2) l$N"]),
        TextCase(name: "a zero step is an error", input: "~SEQ(N, 1, 0, 3) i$N\n", lines: [], errors: ["invalid ~SEQ values"]),
        TextCase(name: "a step away from the end is an error", input: "~SEQ(N, 3, 1, 1) j$N\n", lines: [],
                 errors: ["invalid ~SEQ values"]),
        TextCase(name: "~SEQx of negative numbers is an error (observed)", input: "~SEQx(N, -3, -1) c$N\n", lines: [],
                 errors: ["~SEQx"]),
        TextCase(name: "~SEQ without ')' is an error", input: "~SEQ(N, 1, 1 k$N\n", lines: [], errors: ["no closing ')'"]),
        TextCase(name: "~SEQ of a non-number is an error", input: "~SEQ(N, x) k$N\n", lines: [], errors: ["not a number"]),
        TextCase(name: "a huge ~SEQ is refused, not run", input: "~SEQ(N, 1, 100000000) k$N\n", lines: [],
                 errors: ["refusing"]),
        TextCase(name: "~LST of single values", input: "~LST(V, p, q, r) f$V\n", lines: ["fp", "fq", "fr"]),
        TextCase(name: "~LST of groups, missing values blank (observed)",
                 input: "~LST({A,B}, {1,2}, {3}) g${A}-${B}\n", lines: ["g1-2", "g3-"]),
        TextCase(name: "~LST with an empty value (observed)", input: "~LST(V, , b) f$V\n", lines: ["f", "fb"]),
        TextCase(name: "~LST with too many values is an error (observed)", input: "~LST(V, a, {b,c}) d$V\n",
                 lines: [], errors: ["too many values"]),
        TextCase(name: "~SEQ and ~LST combine", input: "~SEQ(N, 2, 2) ~LST(V, x, y) j${N}${V}\n", lines: ["j2x", "j2y"]),
    ]

    static let limits: [TextCase] = [
        TextCase(name: "a 1022-byte line is read", input: "x " + String(repeating: "a", count: 1020) + "\n",
                 lines: ["x " + String(repeating: "a", count: 1020)]),
        TextCase(name: "a 1023-byte line is an error and ignored",
                 input: "x " + String(repeating: "a", count: 1021) + "\ny\n", lines: ["y"], errors: ["too long (1023 bytes"]),
        TextCase(name: "a line with a NUL byte is an error and ignored", input: "x a\u{0}b\ny\n", lines: ["y"],
                 errors: ["NUL byte"]),
    ]

    @Test(arguments: comments + quotesAndBraces + definitions + multiLine + conditionals + sequences + limits)
    func preprocessorProducesTheExpectedLines(_ c: TextCase) {
        let r = preprocess(c.input, options: PreprocessorOptions(configID: c.configID, randomSeed: 1))
        #expect(r.shown == c.lines)
        #expect(containsInOrder(r.messages, c.errors), "errors: \(r.messages)")
        if c.errors.isEmpty { #expect(r.messages.isEmpty) }
    }

    @Test func tokensCarryTheirFileLineAndColumn() {
        let r = preprocess("# c\n  priority\t 100\n x \"a b\" {\n")
        let t = r.lines.flatMap(\.tokens)
        #expect(t.map(\.text) == ["priority", "100", "x", "a b", "{"])
        #expect(t.map { $0.location.line } == [2, 2, 3, 3, 3])
        #expect(t.map { $0.location.column } == [3, 13, 2, 4, 10])
        #expect(t.allSatisfy { $0.location.file == "keepalived.conf" })
        #expect(r.lines[0].location.column == 3)
    }

    @Test func expandedTokensPointAtTheReference() {
        let r = preprocess("$A=10.0.0.1 dev eth0\nip   $A x\n")
        #expect(r.lines[0].tokens.map { $0.location.column } == [1, 6, 6, 6, 9])
    }

    @Test func textAndSourceOfALine() {
        let r = preprocess("$A=q\n  notify \"/bin/x 'a b'\"  # note\n ip $A\n")
        #expect(r.lines[0].text == "notify \"/bin/x 'a b'\"")
        #expect(r.lines[0].source == "  notify \"/bin/x 'a b'\"  # note")
        #expect(r.lines[1].text == "ip q")
        #expect(r.lines[1].source == " ip $A")
    }

    @Test func randomValuesStayInRange() {
        let r = preprocess("~SEQ(N, 50) x ${_RANDOM} ${_RANDOM 10} ${_RANDOM 3 4}\n")
        for l in r.lines {
            let v = l.tokens.dropFirst().map { Int($0.text) ?? -1 }
            #expect((0...32767).contains(v[0]) && (10...32767).contains(v[1]) && (3...4).contains(v[2]))
        }
    }

    @Test func randomSeedInGlobalDefsMakesRandomValuesRepeatable() {
        let text = "global_defs {\n random_seed 42\n}\nx ${_RANDOM}\n"
        let a = preprocess(text, options: PreprocessorOptions(randomSeed: 1)).shown
        let b = preprocess(text, options: PreprocessorOptions(randomSeed: 2)).shown
        #expect(a == b)
    }
}
