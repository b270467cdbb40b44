// Reload: which running instances stay untouched (no flap), which change in
// place, which go and which are new. Matched by instance name, as keepalived
// matches them across a reload.

public struct ReloadPlan: Hashable, Sendable {
    /// Same settings: keep state, addresses and timers; do nothing.
    public var unchanged: [String] = []
    /// Same name and wire identity, other settings: reconfigure in place.
    public var changed: [InstanceSettings] = []
    /// Gone, or its identity (VRID, family, interface, version) changed: release.
    public var removed: [String] = []
    /// New, or replacing a removed one of the same name: start.
    public var added: [InstanceSettings] = []

    public init(old: [InstanceSettings], new: [InstanceSettings]) {
        var byName: [String: InstanceSettings] = [:]
        for s in old { byName[s.name] = s }
        var seen = Set<String>()
        for n in new {
            seen.insert(n.name)
            guard let o = byName[n.name] else { added.append(n); continue }
            if o == n {
                unchanged.append(n.name)
            } else if o.identity == n.identity {
                changed.append(n)
            } else {
                removed.append(o.name)
                added.append(n)
            }
        }
        for o in old where !seen.contains(o.name) { removed.append(o.name) }
    }
}
