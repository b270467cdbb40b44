// vrrp_rt_priority, vrrp_cpu_affinity, vrrp_no_swap and vrrp_priority ask
// for CAP_SYS_NICE / CAP_IPC_LOCK, which vrrpd does not hold. The unit (or
// the supervisor) grants them as resource limits or applies them directly:
// LimitRTPRIO= lets an unprivileged process choose SCHED_RR up to that
// priority, LimitMEMLOCK= lets it lock its memory, CPUAffinity= and
// CPUSchedulingPolicy= set them outright. vrrpd tries what the limits allow,
// before its sandbox closes, and reports what is in effect.
import CShim
import ConfigModel
import Glibc
import Logging

enum Scheduling {
    /// The fair-class slice vrrpd asks for: the kernel's minimum.
    static let slice: Duration = .microseconds(100)

    /// Asks the scheduler (EEVDF, Linux 6.12+) for a short slice, which needs
    /// no privilege: a thread with a shorter slice gets an earlier virtual
    /// deadline, so when an advert timer fires while a CPU-bound process
    /// (a compiler, a backup) holds the CPU, vrrpd's wake-up preempts it
    /// instead of waiting out the other's slice. Measured on a loaded
    /// 2-CPU machine (scripts/bench.d/vrrp.sh): without it, 2% of wake-ups
    /// came 2.5-8 ms late, and each late one delayed every advert falling
    /// due meanwhile. vrrpd's work per wake-up is tens of microseconds, well
    /// inside the slice. Done before the sandbox; kept across the switch of user.
    static func requestShortSlice(logger: Logger) {
        let before = cshim_get_fair_slice()
        let ns = UInt64(slice.components.attoseconds / 1_000_000_000) + UInt64(slice.components.seconds) * 1_000_000_000
        if cshim_set_fair_slice(ns) != 0 {
            logger.notice("scheduler slice not set (\(String(cString: strerror(errno)))): advert wake-ups may wait behind CPU-bound processes")
            return
        }
        let now = cshim_get_fair_slice()
        if now == Int64(ns) {
            logger.info("scheduler slice \(ns / 1000) µs (was \(before > 0 ? "\(before / 1000) µs" : "the default")): advert wake-ups preempt CPU-bound processes")
        } else {
            logger.notice("scheduler slice request ignored by this kernel (before 6.12): advert wake-ups may wait behind CPU-bound processes")
        }
    }

    static func apply(_ g: GlobalDefinitions, logger: Logger) {
        if let rt = g.vrrpRtPriority {
            var p = sched_param(sched_priority: Int32(rt))
            let tried = sched_setscheduler(0, SCHED_RR, &p) == 0
            var now = sched_param()
            sched_getparam(0, &now)
            if sched_getscheduler(0) == SCHED_RR && now.sched_priority == Int32(rt) {
                logger.info("vrrp_rt_priority \(rt): in effect (SCHED_RR \(rt))")
            } else {
                let why = tried ? "" : " (\(String(cString: strerror(errno))))"
                logger.warning("\("vrrp_rt_priority \(rt): not in effect\(why); vrrpd has no CAP_SYS_NICE: set LimitRTPRIO=\(rt) or CPUSchedulingPolicy=rr and CPUSchedulingPriority=\(rt) in its unit")")
            }
        }
        if let nice = g.vrrpPriority {
            let ok = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(nice)) == 0
            let now = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            if ok || now == Int32(nice) {
                logger.info("vrrp_priority \(nice): in effect")
            } else {
                logger.warning("vrrp_priority \(nice): not in effect; set Nice=\(nice) in vrrpd's unit")
            }
        }
        if !g.vrrpCpuAffinity.isEmpty {
            let cpus = g.vrrpCpuAffinity.map { Int32(clamping: $0) }
            if cshim_set_cpu_affinity(cpus, Int32(cpus.count)) == 0 {
                logger.info("vrrp_cpu_affinity \(g.vrrpCpuAffinity): in effect")
            } else {
                let why = String(cString: strerror(errno))
                logger.warning("vrrp_cpu_affinity \(g.vrrpCpuAffinity): not in effect (\(why)); set CPUAffinity= in vrrpd's unit")
            }
        }
        if g.vrrpNoSwap {
            if mlockall(MCL_CURRENT | MCL_FUTURE) == 0 {
                logger.info("vrrp_no_swap: memory locked")
            } else {
                let why = String(cString: strerror(errno))
                logger.warning("vrrp_no_swap: not in effect (\(why)); vrrpd has no CAP_IPC_LOCK: set LimitMEMLOCK=infinity in its unit")
            }
        }
    }
}
