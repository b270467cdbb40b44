// Round trip: the JSON dump of the compiled file equals the JSON dump of the
// text it was compiled from, for every every-keyword configuration and every
// corpus file.
import Foundation
import Testing
@testable import KeepalivedConfig
import ConfigModel
@testable import Codec

@Suite struct ModelRoundTrip {
    func roundTrips(_ text: String, _ name: String) throws {
        let r = compileText(text)
        let bytes = try r.compiled.serialized()
        let loaded = try CompiledConfig.load(from: bytes)
        #expect(loaded == r.compiled, "\(name): the compiled file does not load back equal")
        #expect(try JSONDump.string(loaded) == JSONDump.string(r.compiled), "\(name): dump --json differs after compiling")
        #expect(try TextDump.render(loaded) == TextDump.render(r.compiled), "\(name): dump differs after compiling")
        // The fast path (ConfigModel/DirectCoding.swift) writes what Encoder writes.
        #expect(try Codec.encode(r.compiled) == Codec.encode(r.compiled, directPaths: false),
                "\(name): the direct encoding differs from the Encodable one")
    }

    @Test func everyKeywordConfigurationRoundTrips() throws {
        for c in keywordCases { try roundTrips(KeywordTemplates.config(c), "\(c.section) \(c.keyword)") }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: ModelCorpusVerdicts.corpus), "no shared corpus"))
    func everyCorpusFileRoundTrips() throws {
        for (file, _) in ModelCorpusVerdicts.expected() {
            try roundTrips(try String(contentsOfFile: ModelCorpusVerdicts.corpus + "/" + file, encoding: .utf8), file)
        }
    }

    @Test func scriptsAreNumberedInTableOrder() throws {
        let text = """
            vrrp_script chk {
             script "/bin/echo a"
            }
            vrrp_instance VI_1 {
             interface eth0
             virtual_router_id 51
             notify_master /bin/true
             virtual_ipaddress {
              10.0.0.1
             }
            }
            virtual_server 10.0.0.1 80 {
             lb_algo rr
             lb_kind NAT
             protocol TCP
             real_server 10.0.0.2 80 {
              MISC_CHECK {
               misc_path /bin/false
               misc_timeout 3
              }
             }
            }

            """
        let c = compileText(text).compiled
        #expect(c.scripts.map(\.id) == [ScriptID(0), ScriptID(1), ScriptID(2)])
        #expect(c.scripts.map { $0.argv[0] } == ["/bin/echo", "/bin/true", "/bin/false"])
        #expect(c.config.vrrpScripts[0].script?.id == ScriptID(0))
        #expect(c.config.vrrpInstances[0].notifyMaster?.id == ScriptID(1))
        guard case .misc(let m) = c.config.virtualServers[0].realServers[0].checkers[0] else {
            Issue.record("expected a MISC_CHECK")
            return
        }
        #expect(m.miscPath?.id == ScriptID(2))
        #expect(m.miscPath?.timeout == .seconds(3))
    }
}
