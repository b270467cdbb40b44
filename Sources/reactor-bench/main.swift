// reactor-bench: how late a periodic reactor timer fires. Arms a one-shot
// timer at each absolute deadline (start + k × period) and records, for
// every tick, how long after its deadline the handler ran. Prints
// p50/p99/max in microseconds. Driven by scripts/bench.d/reactor.sh, which
// adds the load and the real-time variant.
import DaemonSupport
import Glibc
import Reactor

var seconds = 30.0
var periodMs: Int64 = 10
var rtPriority: Int32?
var label = "run"
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    switch a {
    case "--seconds": seconds = Double(args.next() ?? "") ?? seconds
    case "--period-ms": periodMs = Int64(args.next() ?? "") ?? periodMs
    case "--rt-priority": rtPriority = Int32(args.next() ?? "")
    case "--label": label = args.next() ?? label
    default:
        print("usage: reactor-bench [--seconds S] [--period-ms MS] [--rt-priority P] [--label TEXT]")
        exit(2)
    }
}
if let p = rtPriority {
    do { try Scheduling.realtime(priority: p) } catch {
        print("reactor-bench: \(error)")
        exit(1)
    }
}

/// Records how late each tick of a periodic timer runs.
final class LatenessProbe {
    let reactor: Reactor
    let period: Duration
    let ticks: Int
    var lateness: [Int64] = []
    var deadline: Instant

    init(reactor: Reactor, period: Duration, ticks: Int) {
        self.reactor = reactor
        self.period = period
        self.ticks = ticks
        lateness.reserveCapacity(ticks)
        deadline = reactor.clock.now + period
    }

    func arm() {
        reactor.timers.schedule(at: deadline) { [unowned self] in
            self.lateness.append((self.reactor.clock.now - self.deadline).nanoseconds / 1000)
            if self.lateness.count >= self.ticks { self.reactor.stop(); return }
            self.deadline = self.deadline + self.period
            self.arm()
        }
    }

    func report(_ label: String) -> String {
        let sorted = lateness.sorted()
        func pct(_ p: Double) -> Int64 { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        func right(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        let name = label + String(repeating: " ", count: max(0, 28 - label.count))
        return "\(name)\(right(String(sorted.count), 7))\(right(String(pct(0.5)), 9))\(right(String(pct(0.99)), 9))\(right(String(sorted.last ?? 0), 9))"
    }
}

let reactor = try Reactor()
let probe = LatenessProbe(reactor: reactor, period: .milliseconds(periodMs), ticks: Int(seconds * 1000) / Int(periodMs))
probe.arm()
try reactor.run()
print(probe.report(label))
