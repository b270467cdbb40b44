// Writes the seed corpus: one frame of every message type, with small and
// edge-case payloads. Run by scripts/fuzz-wire-corpus.sh when the message
// set changes; its output is committed under Fuzz/corpus/wire/.
import Glibc

@main
struct MakeCorpus {
    static func main() throws {
        let dir = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "Fuzz/corpus/wire"
        let a4 = WireAddress(bytes: [10, 0, 0, 2])!
        let a6 = WireAddress(bytes: [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1])!
        let vs = VirtualServerKey.endpoint(address: a4, port: 80, protocol: .tcp)
        let rs = RealServerKey(address: a6, port: 8080)
        let g = Generation(7)
        let verdict = RealServerVerdict(generation: g, virtualServer: vs, realServer: rs, up: true, weight: 3, reason: "HTTP 200")
        var stats = VRRPInstanceStats()
        stats.advertisementsSent = 12
        let samples: [(String, Message)] = [
            ("hello", .hello(Hello(sequence: 1))),
            ("hello-reply", .helloReply(HelloReply(sequence: 1, pid: 42, running: g))),
            ("config-slice", .configSlice(ConfigSlice(generation: g, program: .vrrpd, totalSize: 4, offset: 0, chunk: [0x4b, 0x41, 0x43, 0x46]))),
            ("config-slice-part", .configSlice(ConfigSlice(generation: g, program: .vrrpd, totalSize: 8, offset: 4, chunk: [1, 0, 0, 0]))),
            ("config-applied", .configApplied(ConfigApplied(generation: g, error: "bad"))),
            ("reload", .reload(Reload(generation: g))),
            ("shutdown", .shutdown(Shutdown(reason: .signal, releaseVIPs: false, releaseIPVS: true))),
            ("status-request", .statusRequest(StatusRequest(requestID: 5, kind: .stats))),
            ("status-reply", .statusReply(StatusReply(
                requestID: 5, generation: g, program: .checkd, pid: 9,
                vrrpInstances: [VRRPInstanceStatus(name: "VI_1", state: .master, wantState: .backup, priority: 100,
                                                   effectivePriority: 90, interface: "eth0", virtualRouterID: 51, stats: stats)],
                virtualServers: [VirtualServerStatus(key: .fwmark(3, ipv6: true), quorumUp: true, sorryServerActive: false,
                                                     counters: IPVSCounters())],
                realServers: [RealServerStatus(virtualServer: vs, realServer: rs, up: false, weight: 0,
                                               checkers: [CheckerStatus(kind: "TCP_CHECK", up: false, consecutiveFailures: 3, lastReason: "refused")])],
                dumpLines: ["------< VRRP Topology >------"]))),
            ("peer-change", .peerChange(PeerChange(program: .ipvsApplier, up: true))),
            ("real-server-verdict", .realServerVerdict(verdict)),
            ("real-server-full-state", .realServerFullState(RealServerFullState(
                generation: g, verdicts: [verdict],
                virtualServers: [VirtualServerState(generation: g, virtualServer: .group("G"), quorumUp: false, sorryServerActive: true)]))),
            ("virtual-server-state", .virtualServerState(VirtualServerState(generation: g, virtualServer: vs, quorumUp: true, sorryServerActive: false))),
            ("vrrp-state-change", .vrrpStateChange(VRRPStateChange(generation: g, instance: "VI_1", syncGroup: "SG", state: .fault, priority: 0))),
            ("run-script", .runScript(RunScript(generation: g, requestID: 3, script: 2, arguments: .vrrpNotify(group: true, name: "SG", state: .master, priority: 255)))),
            ("script-result", .scriptResult(ScriptResult(generation: g, requestID: 3, script: 2, outcome: .timedOut))),
            ("script-result-refused", .scriptResult(ScriptResult(generation: g, requestID: 4, script: 99, outcome: .refused("no script 99")))),
        ]
        for (name, m) in samples {
            let bytes = try Frame.encode(m)
            let path = "\(dir)/\(name).frame"
            guard let f = fopen(path, "wb") else { fatalError("cannot write \(path)") }
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
        }
        print("wrote \(samples.count) seeds to \(dir)")
    }
}
