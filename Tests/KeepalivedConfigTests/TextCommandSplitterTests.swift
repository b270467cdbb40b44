// Level-2 splitting of script command strings (reference §1.3). Rows marked
// "observed" were checked with keepalived 2.2.7's --dump-conf of a notify
// script.
import Testing
@testable import KeepalivedConfig

@Suite struct TextCommandSplitterTests {
    static let cases: [(String, [String])] = [
        ("/bin/echo a b", ["/bin/echo", "a", "b"]),
        ("  /bin/echo   a\tb  ", ["/bin/echo", "a", "b"]),
        ("/bin/echo a\\ b 'c d'", ["/bin/echo", "a", "b", "c d"]),          // observed
        ("/bin/echo abcd\" efg h \"ijk", ["/bin/echo", "abcd efg h ijk"]), // reference example
        ("/bin/echo x'y z' w", ["/bin/echo", "xy z", "w"]),                  // observed
        ("/bin/echo 'a' 'b c'd", ["/bin/echo", "a", "b cd"]),                // observed
        ("/bin/echo ''", ["/bin/echo", ""]),                                  // observed
        ("/bin/echo a''b", ["/bin/echo", "ab"]),                              // observed
        ("/bin/echo 'a\\tb'", ["/bin/echo", "a\tb"]),                         // observed
        ("/bin/echo a\\tb", ["/bin/echo", "a", "b"]),                         // observed
        ("/bin/echo a\\nb", ["/bin/echo", "a", "b"]),                         // observed
        ("/bin/echo a\\qb", ["/bin/echo", "aqb"]),                            // observed
        ("/bin/echo a\\101b", ["/bin/echo", "aAb"]),                          // observed
        ("/bin/echo \\1234", ["/bin/echo", "S4"]),                            // observed
        ("/bin/echo \\x41\\x4a\\x4", ["/bin/echo", "AJ\u{04}"]),
        ("/bin/echo \\x", ["/bin/echo", "x"]),                                // observed
        ("/bin/echo '\\cA\\E\\a\\b\\f\\r\\v'", ["/bin/echo", "\u{01}\u{1B}\u{07}\u{08}\u{0C}\r\u{0B}"]),
        ("/bin/echo a\\\\b", ["/bin/echo", "a\\b"]),
        ("/bin/echo \"a 'b' c\"", ["/bin/echo", "a 'b' c"]),
        ("/bin/echo 'a \"b\" c'", ["/bin/echo", "a \"b\" c"]),
        ("/bin/echo a\\", ["/bin/echo", "a\\"]),
        ("", []),
    ]

    @Test(arguments: cases)
    func commandStringsSplitLikeKeepalived(_ c: (String, [String])) throws {
        #expect(try CommandSplitter.split(c.0) == c.1)
    }

    static let bad: [(String, String)] = [
        ("/bin/echo 'unterminated", "missing terminating '"),           // observed
        ("/bin/echo 'a\\'b' c", "missing terminating '"),              // observed
        ("/bin/echo \"x", "missing terminating \""),
        ("/bin/echo \\0", "NUL"),
        ("/bin/echo \\x00", "NUL"),
    ]

    @Test(arguments: bad)
    func badCommandStringsAreErrors(_ c: (String, String)) {
        #expect {
            _ = try CommandSplitter.split(c.0)
        } throws: { e in
            (e as? CommandSplitError)?.message.contains(c.1) == true
        }
    }

    @Test func tokensAreJoinedBySpacesThenSplit() throws {
        let r = preprocess("misc_path /bin/check 'a   b' c\n")
        #expect(try CommandSplitter.split(tokens: Array(r.lines[0].tokens.dropFirst())) == ["/bin/check", "a b", "c"])
        let q = preprocess("notify \"/bin/echo a\\ b 'c d'\"\n")
        #expect(try CommandSplitter.split(tokens: Array(q.lines[0].tokens.dropFirst())) == ["/bin/echo", "a", "b", "c d"])
    }
}
