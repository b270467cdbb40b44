// Each daemon's slice: only its sections, and the scripts they reference
// under the ids of the whole configuration.
import Testing
@testable import ConfigModel

@Suite struct Slices {
    @Test func vrrpdGetsTheVRRPSectionsAndTheirScripts() {
        let s = sampleCompiled().slice(for: .vrrpd)
        #expect(s.config.vrrpInstances.count == 1)
        #expect(s.config.vrrpScripts.count == 1)
        #expect(s.config.virtualServers.isEmpty)
        #expect(s.scripts.map(\.id) == [ScriptID(0), ScriptID(1)])
        #expect(s.script(ScriptID(1))?.argv == ["/bin/true"])
        #expect(s.script(ScriptID(3)) == nil)
    }

    @Test func checkdGetsTheServicesWithTheirCheckersAndScripts() {
        let s = sampleCompiled().slice(for: .checkd)
        #expect(s.config.vrrpInstances.isEmpty)
        #expect(s.config.virtualServers[0].realServers[0].checkers.count == 3)
        #expect(s.scripts.map(\.id) == [ScriptID(2), ScriptID(3)])
    }

    @Test func theIPVSApplierGetsServicesWithCheckerSettingsButNoScripts() {
        let s = sampleCompiled().slice(for: .ipvsApplier)
        #expect(s.config.virtualServers.count == 1)
        #expect(s.config.virtualServerGroups.count == 1)
        // Checker settings bound the weights checkd may ask for; their scripts stay out.
        let checkers = s.config.virtualServers[0].realServers[0].checkers
        #expect(checkers.count == 3)
        #expect(checkers.allSatisfy { if case .misc(let m) = $0 { return m.miscPath == nil } else { return true } })
        #expect(s.config.virtualServers[0].quorumUp == nil)
        #expect(s.scripts.isEmpty)
        #expect(s.config.vrrpInstances.isEmpty)
    }

    @Test func supervisorScriptsStayOutOfEverySlice() {
        var c = sampleCompiled()
        c.config.global.startupScript = Script(id: ScriptID(4), argv: ["/bin/true"])
        c.scripts.append(c.config.global.startupScript!)
        for p in Program.allCases {
            let s = c.slice(for: p)
            #expect(s.config.global.startupScript == nil)
            #expect(s.script(ScriptID(4)) == nil)
        }
    }

    @Test func aSliceKeepsGenerationAndSource() {
        let c = sampleCompiled()
        for p in Program.allCases {
            let s = c.slice(for: p)
            #expect(s.generation == c.generation && s.sourceFile == c.sourceFile && s.formatVersion == c.formatVersion)
        }
    }
}

@Suite struct ScriptVisiting {
    @Test func readingAndChangingVisitTheSameScriptsInTheSameOrder() {
        var c = sampleCompiled().config
        c.global.startupScript = Script(argv: ["/bin/start"])
        c.global.lvsNotifyFifoScript = Script(argv: ["/bin/fifo"])
        var sg = SyncGroup(name: "G")
        sg.notify = Script(argv: ["/bin/sg"])
        c.vrrpSyncGroups = [sg]
        c.virtualServers[0].realServers[0].notifyDown = Script(argv: ["/bin/down"])
        var read: [[String]] = []
        c.forEachScript { s, _ in read.append(s.argv) }
        var changed: [[String]] = []
        c.visitScripts { s, use in
            changed.append(s.argv)
            s.user = use.owner
        }
        #expect(read == changed)
        #expect(read.count == 8)
        #expect(c.virtualServers[0].realServers[0].notifyDown?.user == "notify_down of real_server 10.0.1.1 of virtual_server 10.0.0.100:80")
        var owners: [String] = []
        c.forEachScript { s, use in owners.append(use.owner); #expect(s.user == use.owner) }
        #expect(owners.first == "startup_script")
    }
}
