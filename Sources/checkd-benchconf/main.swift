// checkd-benchconf: BENCHMARK-ONLY (not installed). Writes the compiled
// configuration scripts/bench.d/checkd.sh runs checkd on (kaconf does not
// compile text yet): one virtual server with TCP real servers on ports
// first..first+tcp-1 and HTTP_GET real servers on the following ports, all on
// 127.0.0.1, delay_loop 1 s, connect_timeout 5 s, warmup 1 s.
//
//   checkd-benchconf TCP HTTP FIRSTPORT OUT
import ConfigModel
import Glibc

func fail(_ message: String) -> Never {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

let args = CommandLine.arguments
guard args.count == 5, let tcp = Int(args[1]), let http = Int(args[2]), let first = Int(args[3]) else {
    fail("usage: checkd-benchconf TCP HTTP FIRSTPORT OUT")
}
var vs = VirtualServer(address: .ip(IPAddress("10.200.0.1")!, port: 80))
vs.protocol = .tcp
vs.lbAlgo = .rr
vs.lbKind = ForwardingMethod(.nat)
vs.delayLoop = .seconds(1)
vs.warmup = .seconds(1)
for i in 0..<(tcp + http) {
    var rs = RealServer(address: IPAddress("127.0.0.1")!, port: UInt16(first + i))
    var common = CheckerCommon()
    common.connectTimeout = .seconds(5)
    if i < tcp {
        rs.checkers = [.tcp(common)]
    } else {
        var h = HTTPCheck()
        h.common = common
        var u = HTTPURL()
        u.path = "/"
        h.urls = [u]
        rs.checkers = [.http(h)]
    }
    vs.realServers.append(rs)
}
var c = CompiledConfig()
c.generation = 1
c.config.virtualServers = [vs]
do {
    let bytes = try c.serialized()
    let fd = open(args[4], O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { fail("cannot write \(args[4])") }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
} catch {
    fail("\(error)")
}
