import ConfigModel
import Testing
import Wire
@testable import Supervision

@Suite struct WhichDaemonsRun {
    func config(vrrp: Bool, vs: Bool) -> KeepalivedConfiguration {
        var c = KeepalivedConfiguration()
        if vrrp { c.vrrpInstances = [VRRPInstance(name: "VI_1")] }
        if vs { c.virtualServers = [VirtualServer(address: .fwmark(1))] }
        return c
    }

    @Test(arguments: [
        (true, true, DaemonSelection(), [ProgramName.vrrpd, .checkd, .ipvsApplier]),
        (true, false, DaemonSelection(), [.vrrpd]),
        (false, true, DaemonSelection(), [.checkd, .ipvsApplier]),
        (false, false, DaemonSelection(), []),
        (true, true, DaemonSelection(vrrpOnly: true), [.vrrpd]),
        (true, true, DaemonSelection(checkOnly: true), [.checkd, .ipvsApplier]),
        (false, false, DaemonSelection(all: true), [.vrrpd, .checkd, .ipvsApplier]),
        (false, true, DaemonSelection(vrrpOnly: true, all: true), [.vrrpd]),
    ])
    func selection(_ vrrp: Bool, _ vs: Bool, _ sel: DaemonSelection, _ expected: [ProgramName]) {
        #expect(sel.programs(for: config(vrrp: vrrp, vs: vs)) == expected)
    }
}

