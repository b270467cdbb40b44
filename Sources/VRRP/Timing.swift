// Skew and master-down intervals, computed in whole microseconds exactly as
// keepalived does (reference §4.4), so failover timing matches to the µs.

public enum VRRPTiming {
    /// RFC 3768 §6.1 Skew_Time = (256 - Priority) / 256 seconds.
    /// RFC 5798 §6.1 Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256,
    /// keepalived computes it from centiseconds as prio_term * cs * 625 / 16 µs.
    public static func skew(priority: UInt8, masterAdvertInterval: Duration, version: VRRPVersion) -> Duration {
        let term = Int64(256 - Int(priority))
        switch version {
        case .v2:
            return .exactMicroseconds(term * 1_000_000 / 256)
        case .v3:
            let centiseconds = masterAdvertInterval.wholeMicroseconds / 10_000
            return .exactMicroseconds(term * centiseconds * 625 / 16)
        }
    }

    /// Master_Down_Interval = down_timer_adverts (RFC: 3) * Master_Adver_Interval + Skew_Time.
    public static func masterDown(priority: UInt8, masterAdvertInterval: Duration, version: VRRPVersion,
                                  downTimerAdverts: Int) -> Duration {
        let skew = skew(priority: priority, masterAdvertInterval: masterAdvertInterval, version: version)
        return Duration(attoseconds: masterAdvertInterval.times(downTimerAdverts).attoseconds &+ skew.attoseconds)
    }

    /// The advert interval field for a configured interval: v2 whole seconds
    /// (rounded, 1...255), v3 centiseconds (rounded, 1...4095).
    public static func intervalField(_ interval: Duration, version: VRRPVersion) -> UInt16 {
        let us = interval.wholeMicroseconds
        switch version {
        case .v2: return UInt16(min(255, max(1, (us + 500_000) / 1_000_000)))
        case .v3: return UInt16(min(4095, max(1, (us + 5_000) / 10_000)))
        }
    }

    /// The interval a received field stands for.
    public static func interval(field: UInt16, version: VRRPVersion) -> Duration {
        switch version {
        case .v2: return .exactMicroseconds(Int64(field) * 1_000_000)
        case .v3: return .exactMicroseconds(Int64(field) * 10_000)
        }
    }
}
