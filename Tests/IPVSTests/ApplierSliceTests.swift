// The applier's slice of a compiled configuration carries what the plan
// needs (checker settings, track files, the sync daemon's id) and nothing
// that runs (scripts): a plan built from the slice equals one built from
// the whole configuration.
import Testing
import ConfigModel
@testable import IPVS

@Suite struct ApplierSliceTests {
    func compiled() -> CompiledConfig {
        var misc = MiscCheck()
        misc.miscDynamic = true
        misc.miscPath = Script(id: ScriptID(0), argv: ["/bin/true"])
        var file = FileCheck()
        file.trackFile = "t"
        var tf = TrackFile(name: "t")
        tf.weight = 2
        var tcp = CheckerCommon()
        tcp.alpha = true
        var c = CompiledConfig()
        c.config = config([vs("10.0.0.1", 80, [
            rs("10.1.0.1", 80, weight: 5) { $0.checkers = [.misc(misc)] },
            rs("10.1.0.2", 80) { $0.checkers = [.file(file)] },
            rs("10.1.0.3", 80) { $0.checkers = [.tcp(tcp)] },
            rs("10.1.0.4", 80, checked: false),
        ])]) {
            $0.trackFiles = [tf]
            var vi = VRRPInstance(name: "VI_1")
            vi.virtualRouterId = 77
            $0.vrrpInstances = [vi]
            var sd = LVSSyncDaemon(interface: "eth0")
            sd.instance = "VI_1"
            $0.global.lvsSyncDaemon = sd
        }
        c.scripts = [misc.miscPath!]
        return c
    }

    @Test func aPlanFromTheSliceEqualsAPlanFromTheWholeConfiguration() {
        let whole = compiled()
        let slice = whole.slice(for: .ipvsApplier)
        #expect(IPVSPlan(slice.config) == IPVSPlan(whole.config))
        let rs = IPVSPlan(slice.config).virtualServers[0].realServers
        #expect(rs.map(\.maxWeight) == [253, UInt32(Int32.max), 1, 1])
        #expect(rs.map(\.alpha) == [false, false, true, false])
        #expect(rs.map(\.uncheckedAlwaysUp) == [false, false, false, true])
        #expect(IPVSPlan(slice.config).syncDaemon?.syncID == 77)
    }

    @Test func theSliceRunsNothing() {
        let slice = compiled().slice(for: .ipvsApplier)
        #expect(slice.scripts.isEmpty)
        #expect(slice.config.vrrpInstances.isEmpty)
        guard case .misc(let m) = slice.config.virtualServers[0].realServers[0].checkers[0] else {
            Issue.record("MISC_CHECK settings dropped"); return
        }
        #expect(m.miscPath == nil && m.miscDynamic)
    }
}
