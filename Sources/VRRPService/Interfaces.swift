// What vrrpd knows about the interfaces its instances use: index, MAC,
// up/down, and the addresses adverts are sent from, kept current by the
// rtnetlink monitor.
import ConfigModel
import Netlink

struct InterfaceInfo {
    var link: Link
    var addresses: [InterfaceAddress] = []

    var name: String { link.name }
    var index: Int32 { link.index }

    /// keepalived's default advert source: the interface's primary IPv4
    /// address, or its IPv6 link-local address.
    func primaryAddress(_ family: AddressFamily) -> IPAddress? {
        switch family {
        case .inet:
            return addresses.first { $0.family == .inet && !$0.isSecondary && $0.scope != 254 }?.address
        case .inet6:
            return addresses.first { $0.family == .inet6 && $0.isLinkLocal && !$0.isTentative }?.address
        }
    }
}

final class InterfaceTable {
    private(set) var byName: [String: InterfaceInfo] = [:]

    func reload(links: [Link], addresses: [InterfaceAddress]) {
        byName = [:]
        for l in links { byName[l.name] = InterfaceInfo(link: l) }
        for a in addresses { add(a) }
    }

    subscript(name: String) -> InterfaceInfo? { byName[name] }

    func name(ofIndex index: Int32) -> String? { byName.values.first { $0.index == index }?.name }

    /// Returns the name whose up/down state changed, if any.
    func update(_ link: Link) -> (name: String, wasUp: Bool?)? {
        let old = byName[link.name]
        var info = old ?? InterfaceInfo(link: link)
        info.link = link
        byName[link.name] = info
        return (link.name, old?.link.isUp)
    }

    func remove(index: Int32) -> String? {
        guard let n = name(ofIndex: index) else { return nil }
        byName[n] = nil
        return n
    }

    func add(_ a: InterfaceAddress) {
        guard let n = name(ofIndex: a.interfaceIndex) else { return }
        if !byName[n]!.addresses.contains(where: { $0.address == a.address }) { byName[n]!.addresses.append(a) }
        else if let i = byName[n]!.addresses.firstIndex(where: { $0.address == a.address }) { byName[n]!.addresses[i] = a }
    }

    func remove(_ a: InterfaceAddress) {
        guard let n = name(ofIndex: a.interfaceIndex) else { return }
        byName[n]!.addresses.removeAll { $0.address == a.address }
    }
}
