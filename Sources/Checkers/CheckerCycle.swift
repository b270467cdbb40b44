// The per-checker schedule: when the next attempt runs, how failures are
// retried, and when a checker changes state. This is where retry,
// delay_before_retry, delay_loop, warmup, alpha and the HTTP url rounds live
// (reference §5.1–5.3); probes only report what they saw.

import ConfigModel

/// The effective timing of one checker, after inheritance
/// (checker ← real_server ← virtual_server ← checker-type default).
public struct CheckerTiming: Hashable, Sendable {
    public var delayLoop: Interval
    /// Extra attempts after a failure while the checker is up.
    public var retry: Int
    public var delayBeforeRetry: Interval
    /// The first run is spread over 0...warmup after the bootstrap second (0: no spreading).
    public var warmup: Interval
    public var connectTimeout: Interval
    /// Start pessimistic: the checker counts as failed until it passes.
    public var alpha: Bool
    public var logAllFailures: Bool

    public init(delayLoop: Interval = .seconds(60), retry: Int = 1, delayBeforeRetry: Interval = .seconds(1),
                warmup: Interval? = nil, connectTimeout: Interval = .seconds(5), alpha: Bool = false,
                logAllFailures: Bool = false) {
        self.delayLoop = delayLoop
        self.retry = retry
        self.delayBeforeRetry = delayBeforeRetry
        self.warmup = warmup ?? delayLoop
        self.connectTimeout = connectTimeout
        self.alpha = alpha
        self.logAllFailures = logAllFailures
    }
}

/// The three retry disciplines keepalived's checkers follow.
public enum CycleModel: Hashable, Sendable {
    /// TCP_CHECK, SMTP_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK.
    case connection
    /// HTTP_GET / SSL_GET: one url per round, all must pass (reference §5.2).
    case http(urls: Int, fastRecovery: Bool)
    /// MISC_CHECK: the next run is timed from the start of the last one.
    case script
}

/// What one attempt changed for the checker, for the real server to act on.
public enum CheckerReport: Hashable, Sendable {
    case up
    /// `retries` is how many retries failed before this (nil: no retry was due).
    case down(retries: Int?)
}

/// Where one attempt leaves the checker.
public struct CycleStep: Hashable, Sendable {
    /// When the next attempt starts.
    public var next: Moment
    /// A state report for the real server (nil: nothing to report, e.g. a retry is due).
    public var report: CheckerReport?
    /// The attempt failed and a retry after delay_before_retry is scheduled.
    public var retrying: Bool
}

/// The retry and url-round state machine of one checker.
public struct CheckerCycle: Hashable, Sendable {
    public let model: CycleModel
    public var timing: CheckerTiming
    /// The checker's own view (keepalived's `is_up`); the real server is alive
    /// when all its checkers are up.
    public internal(set) var isUp: Bool
    /// At least one state has been reported (keepalived's `has_run`).
    public internal(set) var hasRun = false
    public private(set) var retryIt: Int
    /// Index of the url the next HTTP attempt fetches.
    public private(set) var urlIndex = 0
    /// The url that failed and is re-tested until it passes (HTTP only).
    public private(set) var failedURL: Int?
    /// MISC_CHECK reports its first success even when it starts up.
    private var initialReported = false

    public init(model: CycleModel, timing: CheckerTiming) {
        self.model = model
        self.timing = timing
        isUp = !timing.alpha
        // Reference §5.2: at start the retry counter is exhausted, so one failure
        // marks a server down at once; retries apply once it has been seen up.
        retryIt = timing.retry
    }

    /// keepalived's BOOTSTRAP_DELAY: every checker waits one second after start.
    public static let bootstrapDelay = Interval.seconds(1)

    /// When the first attempt runs: 1 s, plus a random share of warmup.
    public func firstRun(at now: Moment, random: inout some RandomSource) -> Moment {
        var delay = CheckerCycle.bootstrapDelay
        if timing.warmup.microseconds > 0 {
            delay = delay + Interval(microseconds: Int64(random.next(upTo: UInt64(timing.warmup.microseconds))))
        }
        return now + delay
    }

    /// Records the result of the attempt that started at `startedAt` and ended at `now`.
    public mutating func record(up: Bool, startedAt: Moment, now: Moment) -> CycleStep {
        switch model {
        case .connection: return recordConnection(up: up, now: now)
        case .http(let urls, let fast): return recordHTTP(up: up, urls: max(urls, 1), fastRecovery: fast, now: now)
        case .script: return recordScript(up: up, startedAt: startedAt, now: now)
        }
    }

    /// An attempt skipped because checks are suspended (ha_suspend): try again a loop later.
    public func skipped(now: Moment) -> Moment { now + timing.delayLoop }

    private mutating func recordConnection(up: Bool, now: Moment) -> CycleStep {
        var report: CheckerReport?
        var delay = timing.delayLoop
        var retrying = false
        if up {
            retryIt = 0
            if !isUp || !hasRun { report = .up }
        } else if isUp || !hasRun {
            if retryIt < timing.retry {
                retryIt += 1
                delay = timing.delayBeforeRetry
                retrying = true
            } else {
                report = .down(retries: hasRun && timing.retry > 0 ? timing.retry : nil)
                retryIt = 0
            }
        }
        // Failed while already down: no retries, next attempt a loop later (§5.2).
        hasRun = true
        apply(report)
        return CycleStep(next: now + delay, report: report, retrying: retrying)
    }

    private mutating func recordHTTP(up: Bool, urls: Int, fastRecovery: Bool, now: Moment) -> CycleStep {
        var report: CheckerReport?
        var delay: Interval
        var retrying = false
        if up {
            retryIt = 0
            let wasLast = urlIndex >= urls - 1
            if wasLast && failedURL == nil {
                // A whole round passed.
                if !isUp || !hasRun { report = .up }
                hasRun = true
                urlIndex = 0
            } else if failedURL != nil {
                // The failed url passes again: re-check every url from the first.
                failedURL = nil
                urlIndex = 0
            } else {
                urlIndex += 1
            }
            delay = timing.delayLoop
            if !hasRun { retryIt = timing.retry }
        } else {
            if isUp || !hasRun {
                hasRun = true
                retryIt += 1
                if retryIt > timing.retry {
                    report = .down(retries: timing.retry > 0 ? retryIt - 1 : nil)
                    failedURL = urlIndex
                } else {
                    retrying = true
                }
            }
            // Down: keep re-testing the failed url every max(delay_before_retry, delay_loop).
            delay = failedURL != nil ? max(timing.delayBeforeRetry, timing.delayLoop) : timing.delayBeforeRetry
        }
        apply(report)
        // fast_recovery: no wait between urls while starting or recovering.
        if fastRecovery && (!hasRun || (!isUp && failedURL == nil)) { delay = .zero }
        return CycleStep(next: now + delay, report: report, retrying: retrying)
    }

    private mutating func recordScript(up: Bool, startedAt: Moment, now: Moment) -> CycleStep {
        var report: CheckerReport?
        var retrying = false
        if up {
            if !isUp || !initialReported {
                report = .up
                initialReported = true
            }
            retryIt = 0
        } else if isUp {
            if retryIt < timing.retry {
                retryIt += 1
                retrying = true
            } else {
                report = .down(retries: timing.retry > 0 ? timing.retry : nil)
                retryIt = 0
            }
        }
        if report != nil { hasRun = true }
        apply(report)
        // Timed from the start of the run that just ended, never in the past.
        var next = startedAt + (retryIt > 0 ? timing.delayBeforeRetry : timing.delayLoop)
        if next <= now { next = Moment(microseconds: now.microseconds + 1) }
        return CycleStep(next: next, report: report, retrying: retrying)
    }

    private mutating func apply(_ report: CheckerReport?) {
        switch report {
        case .up?: isUp = true
        case .down?: isUp = false
        case nil: break
        }
    }

    /// Reload: carry the state of the checker this one replaces (keepalived's
    /// migrate_checkers). A down checker needs one success; an up one at most
    /// the new number of retries.
    public mutating func migrate(from old: CheckerCycle) {
        isUp = old.isUp
        hasRun = old.hasRun
        initialReported = old.initialReported
        if !isUp {
            retryIt = timing.retry + 1
        } else {
            retryIt = min(old.retryIt, timing.retry)
        }
        if case .http(let urls, _) = model, case .http(let oldURLs, _) = old.model, urls == oldURLs {
            urlIndex = old.urlIndex
            failedURL = old.failedURL
        }
    }
}
