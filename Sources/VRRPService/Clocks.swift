// The reactor's monotonic instant and the VRRP module's are both called
// `Instant`; this file sees only the reactor's and names the conversion.
import Reactor

typealias ReactorInstant = Instant

extension ReactorInstant {
    init(vrrpOffset d: Duration) { self.init(nanoseconds: d.nanoseconds) }
    var offset: Duration { .exactNanoseconds(nanoseconds) }
}
