import Testing
@testable import Supervision

@Suite struct KeepalivedCommandLineParsing {
    @Test(arguments: [
        (["-t"], true, nil as String?),
        (["--config-test"], true, nil),
        (["--config-test=/tmp/log"], true, "/tmp/log"),
        (["-t/tmp/log"], true, "/tmp/log"),
        (["-lnt"], true, nil),
        (["-l"], false, nil),
    ])
    func configTestTakesAnOptionalAttachedLogFile(_ argv: [String], _ test: Bool, _ log: String?) {
        let p = KeepalivedCommandLine.preprocess(argv)
        #expect(p.configTest == test)
        #expect(p.configTestLog == log)
    }

    @Test func clustersAndAttachedValuesAreSplitAsGetoptDoes() {
        let p = KeepalivedCommandLine.preprocess(["-lnD", "-f/etc/k.conf", "-Slocal3", "-p", "/run/k.pid", "-Pd"])
        #expect(p.arguments == ["-lnD", "-f", "/etc/k.conf", "-S", "local3", "-p", "/run/k.pid", "-Pd"])
    }

    @Test func aValueOptionInsideAClusterTakesTheRest() {
        let p = KeepalivedCommandLine.preprocess(["-lf", "/etc/k.conf", "-nfx.conf"])
        #expect(p.arguments == ["-l", "-f", "/etc/k.conf", "-n", "-f", "x.conf"])
    }

    @Test func genhashModeTakesTheRestOfTheLine() {
        #expect(KeepalivedCommandLine.preprocess(["-T", "-s", "10.0.0.1", "-p", "80"]).genhash == ["-s", "10.0.0.1", "-p", "80"])
        #expect(KeepalivedCommandLine.preprocess(["-l", "-T"]).genhash == nil)
    }

    @Test func coreDumpPatternHasAnOptionalValue() {
        #expect(KeepalivedCommandLine.preprocess(["-M"]).coreDumpPattern == "core")
        #expect(KeepalivedCommandLine.preprocess(["-Mcore.%p"]).coreDumpPattern == "core.%p")
        #expect(KeepalivedCommandLine.preprocess(["--core-dump-pattern=x"]).coreDumpPattern == "x")
    }

    @Test func helpIsCaughtBeforeParsing() {
        #expect(KeepalivedCommandLine.preprocess(["-h"]).help)
        #expect(KeepalivedCommandLine.preprocess(["--help"]).help)
    }
}
