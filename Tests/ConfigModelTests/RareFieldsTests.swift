// The rarely set fields of the hot model types live in a shared box
// (ConfigModel/RareFields.swift); they must still behave as plain values.
import Testing
@testable import ConfigModel

@Suite struct RareFieldsBehaveAsValues {
    @Test func aCopyIsUnchangedWhenTheOriginalChanges() {
        var a = RealServer(address: IPAddress("10.0.0.1")!, port: 80)
        a.notifyUp = Script(argv: ["/bin/up"])
        let b = a
        a.notifyUp?.argv = ["/bin/changed"]
        a.uthreshold = 7
        #expect(b.notifyUp?.argv == ["/bin/up"])
        #expect(b.uthreshold == 0)
        #expect(a.notifyUp?.argv == ["/bin/changed"])
        #expect(a.uthreshold == 7)
    }

    @Test func settingADefaultAllocatesNothingAndEqualsUnset() {
        var a = RealServer(address: IPAddress("10.0.0.1")!)
        a.alpha = nil
        a.uthreshold = 0
        a.notifyUp = nil
        #expect(a.rare == Rare())
        #expect(a == RealServer(address: IPAddress("10.0.0.1")!))
    }

    @Test func aFieldSetBackToItsDefaultEqualsOneNeverSet() {
        var a = VirtualServer(address: .fwmark(1))
        a.quorum = 3
        #expect(a != VirtualServer(address: .fwmark(1)))
        a.quorum = 1
        #expect(a == VirtualServer(address: .fwmark(1)))
        #expect(a.hashValue == VirtualServer(address: .fwmark(1)).hashValue)
    }

    @Test func everyRareFieldReadsBackWhatWasSet() {
        var c = CheckerCommon()
        c.connectIp = IPAddress("10.0.0.2")
        c.bindto = IPAddress("10.0.0.3")
        c.bindPort = 99
        c.bindIf = "eth1"
        c.fwmark = 5
        c.warmup = .seconds(2)
        c.alpha = true
        c.logAllFailures = false
        c.connectPort = 8080
        #expect(c.connectIp == IPAddress("10.0.0.2") && c.bindto == IPAddress("10.0.0.3") && c.bindPort == 99)
        #expect(c.bindIf == "eth1" && c.fwmark == 5 && c.warmup == .seconds(2) && c.alpha == true)
        #expect(c.logAllFailures == false && c.connectPort == 8080)
    }

    @Test func theHotTypesStaySmall() {
        // What the boxes are for (100,000 real servers and checkers in a large configuration).
        #expect(MemoryLayout<RealServer>.size <= 48)
        #expect(MemoryLayout<CheckerCommon>.size <= 80)
        #expect(MemoryLayout<VirtualServer>.size <= 96)
    }
}
