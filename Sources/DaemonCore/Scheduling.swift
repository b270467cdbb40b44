// keepalived's process scheduling options (vrrp_rt_priority,
// vrrp_rlimit_rttime, vrrp_no_swap and their checker_ twins): real-time
// round-robin scheduling with a CPU-time limit, so a runaway real-time loop
// is stopped by the kernel, and memory locked against swapping. Applied
// before the sandbox (they need CAP_SYS_NICE / CAP_IPC_LOCK or root).
import Glibc
import Posix

public enum Scheduling {
    /// SCHED_RR at `priority` (1-99), with RLIMIT_RTTIME set to `rtTimeLimit`
    /// microseconds of CPU without blocking (keepalived's default 10000).
    public static func realtime(priority: Int32, rtTimeLimit: UInt64 = 10_000) throws(SysError) {
        // RLIMIT_RTTIME is 15 on Linux; glibc declares it only under _GNU_SOURCE.
        var lim = rlimit(rlim_cur: rlim_t(rtTimeLimit), rlim_max: rlim_t(rtTimeLimit))
        _ = try sys("setrlimit(RLIMIT_RTTIME)") { setrlimit(__rlimit_resource_t(15), &lim) }
        var param = sched_param(sched_priority: priority)
        _ = try sys("sched_setscheduler(SCHED_RR, \(priority))") { sched_setscheduler(0, SCHED_RR, &param) }
    }

    /// Keeps every page in memory (keepalived's vrrp_no_swap).
    public static func lockMemory() throws(SysError) {
        _ = try sys("mlockall") { mlockall(MCL_CURRENT | MCL_FUTURE) }
    }
}
