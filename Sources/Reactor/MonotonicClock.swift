// The real clock: CLOCK_MONOTONIC, the clock timerfd is armed on.
import Glibc

public final class MonotonicClock: Clock {
    public init() {}
    public var now: Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }
}
