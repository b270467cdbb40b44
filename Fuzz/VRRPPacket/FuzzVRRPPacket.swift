// libFuzzer entry point for the VRRP packet path: structural parse, message
// decode and the full validation + state machine of instances of every kind.
// Built by scripts/test.d/22-fuzz-vrrp.sh with -sanitize=fuzzer.
import ConfigModel
import VRRP

private let pass = Array("secret12".utf8)
private let local = IPAddress.v4(IPv4Address(10, 0, 0, 2))

private func settings(_ auth: Authentication, _ version: VRRPVersion, _ family: AddressFamily,
                      unicast: Bool) -> InstanceSettings {
    let vips: [AddressEntry] = family == .inet
        ? [AddressEntry(prefix: IPPrefix("10.99.0.100/24")!), AddressEntry(prefix: IPPrefix("10.99.0.101/24")!)]
        : [AddressEntry(prefix: IPPrefix("fd00:99::100/128")!)]
    let peers = unicast ? [UnicastPeer(address: IPAddress("10.99.0.1")!)] : []
    return InstanceSettings(name: "fuzz", vrid: 51, version: version, family: family, authentication: auth,
                            unicastPeers: peers, checkUnicastSource: unicast, virtualAddresses: vips)
}

nonisolated(unsafe) private var instances: [Instance] = {
    var all = [
        Instance(settings: settings(.none, .v2, .inet, unicast: false)),
        Instance(settings: settings(.password(pass), .v2, .inet, unicast: false)),
        Instance(settings: settings(.ipsecAH(key: pass), .v2, .inet, unicast: false)),
        Instance(settings: settings(.none, .v3, .inet, unicast: false)),
        Instance(settings: settings(.none, .v3, .inet, unicast: true)),
        Instance(settings: settings(.none, .v3, .inet6, unicast: false)),
    ]
    for i in all.indices { _ = all[i].handle(.start(localAddress: local), now: .origin) }
    return all
}()
nonisolated(unsafe) private var clock = Instant.origin

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    clock = clock + .milliseconds(7)
    let v6 = InboundPacket(family: .inet6, bytes: bytes, source: IPAddress("fe80::1"),
                           destination: IPAddress("ff02::12"), hopLimit: bytes.first ?? 255)
    for inbound in [InboundPacket(family: .inet, bytes: bytes), v6] {
        guard case .success(let p) = ParsedPacket.parse(inbound) else { continue }
        _ = p.advertisement()
        for i in instances.indices where instances[i].settings.family == inbound.family {
            _ = instances[i].handle(.packet(p), now: clock)
            // Keep the state machine moving through its states too.
            if instances[i].state == .backup, let d = instances[i].deadline(.masterDown), d <= clock {
                _ = instances[i].handle(.timerFired(.masterDown), now: clock)
            }
        }
    }
    _ = try? Advertisement.decode(bytes[...], family: .inet)
    return 0
}
