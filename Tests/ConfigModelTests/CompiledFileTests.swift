// The compiled file: what kaconf writes and every daemon loads.
import Testing
import Codec
@testable import ConfigModel

func sampleCompiled() -> CompiledConfig {
    var c = CompiledConfig()
    c.sourceFile = "/etc/keepalived/keepalived.conf"
    c.configId = "lb1"
    c.generation = 7
    var vi = VRRPInstance(name: "VI_1")
    vi.interface = "eth0"
    vi.virtualRouterId = 51
    vi.priority = 150
    vi.advertInt = .milliseconds(500)
    vi.virtualIpaddress = [AddressEntry(prefix: IPPrefix("10.0.0.1/24")!), AddressEntry(prefix: IPPrefix("fe80::1")!)]
    vi.notifyMaster = Script(id: ScriptID(0), argv: ["/bin/echo", "master"], user: "root")
    vi.trackScript = [TrackReference(name: "chk", weight: -20, reverse: true)]
    c.config.vrrpInstances = [vi]
    var s = VRRPScript(name: "chk")
    s.script = Script(id: ScriptID(1), argv: ["/bin/true"])
    c.config.vrrpScripts = [s]
    var vs = VirtualServer(address: .ip(IPAddress("10.0.0.100")!, port: 80))
    vs.lbAlgo = .wrr
    vs.lbKind = ForwardingMethod(.dr)
    vs.protocol = .tcp
    vs.quorumUp = Script(id: ScriptID(2), argv: ["/bin/true"])
    var rs = RealServer(address: IPAddress("10.0.1.1")!, port: 8080)
    rs.weight = 3
    var http = HTTPCheck()
    var url = HTTPURL()
    url.path = "/"
    url.statusCode = [200...204]
    http.urls = [url]
    var misc = MiscCheck()
    misc.miscPath = Script(id: ScriptID(3), argv: ["/usr/bin/check"], timeout: .seconds(5))
    rs.checkers = [.http(http), .misc(misc), .tcp(CheckerCommon())]
    vs.realServers = [rs]
    c.config.virtualServers = [vs]
    c.config.virtualServerGroups = [VirtualServerGroup(name: "G")]
    c.config.virtualServerGroups[0].entries = [.range(first: IPAddress("10.0.0.1")!, last: IPAddress("10.0.0.9")!, port: 80),
                                               .prefix(IPPrefix("10.1.0.0/16")!, port: nil), .fwmark(5, family: .inet6)]
    c.scripts = [vi.notifyMaster!, s.script!, vs.quorumUp!, misc.miscPath!]
    return c
}

@Suite struct CompiledFile {
    @Test func aCompiledFileLoadsBackEqual() throws {
        let c = sampleCompiled()
        let bytes = try c.serialized()
        #expect(Array(bytes.prefix(4)) == Array("KACF".utf8))
        #expect(try CompiledConfig.load(from: bytes) == c)
    }

    @Test func theHeaderCarriesTheFormatVersionLittleEndian() throws {
        let bytes = try sampleCompiled().serialized()
        let v = UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24
        #expect(v == CompiledConfig.formatVersion)
    }

    @Test func aFileOfAnotherFormatVersionIsRefusedWithAClearMessage() throws {
        var bytes = try sampleCompiled().serialized()
        bytes[4] = UInt8(truncatingIfNeeded: CompiledConfig.formatVersion + 1)
        #expect(throws: CompiledConfigError.unsupportedVersion(found: CompiledConfig.formatVersion + 1,
                                                               supported: CompiledConfig.formatVersion)) {
            try CompiledConfig.load(from: bytes)
        }
        let message = CompiledConfigError.unsupportedVersion(found: 2, supported: 1).description
        #expect(message.contains("version 2") && message.contains("recompile"))
    }

    @Test func aFileWithoutTheMagicIsRefused() {
        #expect(throws: CompiledConfigError.notCompiledConfig) { try CompiledConfig.load(from: Array("vrrp_instance".utf8)) }
        #expect(throws: CompiledConfigError.notCompiledConfig) { try CompiledConfig.load(from: []) }
        #expect(!CompiledConfig.looksCompiled(Array("global_defs {".utf8)))
    }

    @Test func aDamagedFileIsAnErrorNotACrash() throws {
        let bytes = try sampleCompiled().serialized()
        // Every truncation throws; a flipped byte anywhere decodes or throws, never traps.
        for n in stride(from: 8, to: bytes.count, by: 7) {
            #expect(throws: CompiledConfigError.self) { try CompiledConfig.load(from: Array(bytes.prefix(n))) }
        }
        for i in stride(from: 8, to: bytes.count, by: 3) {
            var b = bytes
            b[i] ^= 0x5A
            _ = try? CompiledConfig.load(from: b)
        }
        var extra = bytes
        extra.append(0)
        #expect(throws: CompiledConfigError.self) { try CompiledConfig.load(from: extra) }
    }

    @Test func scriptsAreFoundByIdInASortedTable() {
        let c = sampleCompiled()
        #expect(c.script(ScriptID(2))?.argv == ["/bin/true"])
        #expect(c.script(ScriptID(3))?.timeout == .seconds(5))
        #expect(c.script(ScriptID(9)) == nil)
    }
}
