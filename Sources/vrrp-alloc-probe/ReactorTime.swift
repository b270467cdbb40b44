// The reactor's Instant and the VRRP module's share a name; this file sees only the reactor's.
import Reactor

func reactorInstant(_ d: Duration) -> Instant { Instant(nanoseconds: d.nanoseconds) }
