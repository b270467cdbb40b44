// Small builders for configs and tables used across the IPVS tests.
import ConfigModel
@testable import IPVS

func ip(_ s: String) -> IPAddress { IPAddress(s)! }

func vs(_ addr: String, _ port: UInt16, proto: IPVSProtocol = .tcp, algo: Scheduler = .rr,
        kind: ForwardingMethod.Kind = .nat, _ rs: [RealServer], configure: (inout VirtualServer) -> Void = { _ in }) -> VirtualServer {
    var v = VirtualServer(address: .ip(ip(addr), port: port))
    v.protocol = proto
    v.lbAlgo = algo
    v.lbKind = ForwardingMethod(kind)
    v.realServers = rs
    configure(&v)
    return v
}

func rs(_ addr: String, _ port: UInt16? = nil, weight: Int32? = nil, checked: Bool = true,
        configure: (inout RealServer) -> Void = { _ in }) -> RealServer {
    var r = RealServer(address: ip(addr), port: port)
    r.weight = weight
    if checked { r.checkers = [.tcp(CheckerCommon())] }
    configure(&r)
    return r
}

func config(_ servers: [VirtualServer], groups: [VirtualServerGroup] = [],
            configure: (inout KeepalivedConfiguration) -> Void = { _ in }) -> KeepalivedConfiguration {
    var c = KeepalivedConfiguration()
    c.virtualServers = servers
    c.virtualServerGroups = groups
    configure(&c)
    return c
}

func tcp(_ addr: String, _ port: UInt16) -> ServiceKey { .address(.tcp, ip(addr), port: port) }
func dst(_ addr: String, _ port: UInt16) -> DestinationKey { DestinationKey(ip(addr), port) }
func ref(_ addr: String, _ port: UInt16, _ t: IPVSTransport = .tcp) -> VirtualServerRef { VirtualServerRef(.ip(ip(addr), port: port), t) }
func rref(_ addr: String, _ port: UInt16) -> RealServerRef { RealServerRef(ip(addr), port) }

func engine(_ c: KeepalivedConfiguration, generation: UInt64 = 1) -> ApplierEngine {
    var t: [QuorumTransition] = []
    return ApplierEngine(plan: IPVSPlan(c), generation: generation, transitions: &t)
}

func verdict(_ v: VirtualServerRef, _ r: RealServerRef, up: Bool, weight: Int64 = 1, generation: UInt64 = 1) -> RealServerVerdict {
    RealServerVerdict(generation: generation, virtualServer: v, realServer: r, up: up, weight: weight)
}
