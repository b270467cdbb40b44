// Running a helper program to completion and collecting its output (kaconf
// for compiles, -t and -d), with a timeout. Used before the reactor runs,
// and on reload, where a compile of even a very large configuration takes
// about a second: the children's watchdog replies wait in their sockets.
import Glibc
import Posix
import Reactor

struct Collected {
    var status: ExitStatus
    var stdout: [UInt8]
    var stderr: [UInt8]
    var timedOut: Bool
}

func runCollecting(_ spec: SpawnSpec, timeout: Duration) throws -> Collected {
    let outPipe = try makePipe(nonBlocking: true)
    let errPipe = try makePipe(nonBlocking: true)
    let outR = outPipe.first, outW = outPipe.second
    let errR = errPipe.first, errW = errPipe.second
    var s = spec
    s.descriptors = [-1, outW.rawValue, errW.rawValue]
    let child = try ChildProcess.spawn(s)
    try outW.close()
    try errW.close()
    var out: [UInt8] = [], err: [UInt8] = []
    var outOpen = true, errOpen = true
    let clock = MonotonicClock()
    let deadline = clock.now + timeout
    var timedOut = false
    var buf = [UInt8](repeating: 0, count: 65536)
    func drain(_ fd: Int32, into bytes: inout [UInt8]) -> Bool {
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { bytes += buf[0..<n]; continue }
            if n == 0 { return false }
            return errno == EAGAIN || errno == EINTR
        }
    }
    while outOpen || errOpen || child.tryReap() == nil {
        let remaining = deadline - clock.now
        if remaining <= .zero && !timedOut {
            timedOut = true
            child.kill(SIGKILL)
        }
        var fds = [pollfd(fd: outOpen ? outR.rawValue : -1, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: errOpen ? errR.rawValue : -1, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0)]
        let ms = timedOut ? 100 : Int32(clamping: max(1, remaining.nanoseconds / 1_000_000))
        _ = poll(&fds, 3, ms)
        if outOpen { outOpen = drain(outR.rawValue, into: &out) }
        if errOpen { errOpen = drain(errR.rawValue, into: &err) }
    }
    return Collected(status: child.tryReap() ?? .exited(-1), stdout: out, stderr: err, timedOut: timedOut)
}
