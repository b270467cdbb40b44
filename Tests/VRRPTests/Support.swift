// Helpers shared by the VRRP tests.
import ConfigModel
@testable import VRRP

func hex(_ s: String) -> [UInt8] {
    let clean = s.filter { !$0.isWhitespace }
    var out: [UInt8] = []
    var i = clean.startIndex
    while i < clean.endIndex {
        let j = clean.index(i, offsetBy: 2)
        out.append(UInt8(clean[i..<j], radix: 16)!)
        i = j
    }
    return out
}

func v4(_ s: String) -> IPAddress { IPAddress(s)! }
func vip(_ s: String) -> AddressEntry { AddressEntry(prefix: IPPrefix(s)!) }

extension Instant {
    static func at(_ d: Duration) -> Instant { Instant(d) }
}
