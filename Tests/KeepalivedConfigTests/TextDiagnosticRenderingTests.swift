// How diagnostics look: location, the physical line with a caret under the
// span, the include chain, then notes.
import Testing
@testable import KeepalivedConfig

@Suite struct TextDiagnosticRenderingTests {
    @Test func anErrorShowsItsLineAndACaretUnderTheSpan() {
        let d = Diagnostic(.error, "virtual_router_id must be 1...255, got 300",
                           at: SourceLocation(file: "web.conf", line: 12, column: 23),
                           sourceLine: "    virtual_router_id 300", length: 3)
        #expect(DiagnosticRenderer.render(d) == """
            web.conf:12:23: error: virtual_router_id must be 1...255, got 300
                virtual_router_id 300
                                  ^~~

            """)
    }

    @Test func tabsInTheSourceKeepTheCaretAligned() {
        let line = "\t\tpriorty 5"
        #expect(DiagnosticRenderer.caretLine(line, column: 3, length: 7) == "\t\t^~~~~~~")
    }

    @Test func theCaretNeverRunsPastTheLine() {
        #expect(DiagnosticRenderer.caretLine("ab", column: 2, length: 10) == " ^")
    }

    @Test func anUnknownKeywordInAnIncludedFileShowsTheChainAndTheSuggestion() {
        let h = MemoryHost(files: ["conf.d/vi.conf": "vrrp_instance X {\n\tpriorty 5\n}\n"])
        h.add("keepalived.conf", "# main\ninclude conf.d/vi.conf\n")
        let diags = Diagnostics()
        _ = ConfigText.parse(file: "keepalived.conf", host: h, grammar: MiniGrammar(), diagnostics: diags)
        #expect(DiagnosticRenderer.render(diags) == """
            conf.d/vi.conf:2:2: warning: unknown keyword 'priorty' in vrrp_instance
            \tpriorty 5
            \t^~~~~~~
              included from keepalived.conf:2
            note: did you mean 'priority'?

            """)
    }

    @Test func controlCharactersAreShownEscaped() {
        let d = Diagnostic(.warning, "unknown keyword 'a\u{1B}[2Jb'", at: SourceLocation(file: "g.conf", line: 1, column: 3),
                           sourceLine: "x a\u{1B}[2Jb y", length: 6)
        #expect(DiagnosticRenderer.render(d) == """
            g.conf:1:3: warning: unknown keyword 'a\\x1b[2Jb'
            x a\\x1b[2Jb y
              ^~~~~~~~~

            """)
    }

    @Test func aDiagnosticWithoutALocationIsOneLine() {
        let d = Diagnostic(.fatal, "cannot read configuration file 'x'")
        #expect(DiagnosticRenderer.render(d) == "fatal error: cannot read configuration file 'x'\n")
    }

    @Test func diagnosticsBeyondTheStorageLimitAreCounted() {
        let d = Diagnostics()
        d.storageLimit = 2
        for i in 0..<5 { d.report(Diagnostic(i == 4 ? .error : .warning, "m\(i)")) }
        #expect(d.all.count == 2)
        #expect(d.suppressedCount == 3)
        #expect(d.hasErrors)
        #expect(DiagnosticRenderer.render(d).hasSuffix("note: 3 more diagnostics not shown\n"))
    }

    @Test func suggestionsFindTyposButNotStrangers() {
        let words = ["priority", "state", "virtual_router_id", "HTTP_GET", "advert_int"]
        #expect(Suggestions.closest(to: "priorty", among: words) == "priority")
        #expect(Suggestions.closest(to: "virtual_router", among: words) == "virtual_router_id")
        #expect(Suggestions.closest(to: "http_get", among: words) == "HTTP_GET")
        #expect(Suggestions.closest(to: "advert_itn", among: words) == "advert_int")
        #expect(Suggestions.closest(to: "bogus", among: words) == nil)
    }
}
