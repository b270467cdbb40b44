// Child processes for the tests, without Foundation's Process.
//
// Why: on Linux, Foundation's Process waits for each child with a blocking
// wait4 on a libdispatch worker thread. On a 2-core machine the pool is
// small, so a few long-running children (routers, daemons) occupy it and a
// short command's exit is never noticed: `waitUntilExit()` hangs for ever
// (seen: a whole CI run stuck on a zombie `sh`). Here each child is reaped by
// whoever asks, with waitpid(WNOHANG) and no background thread, and pipes
// are drained with poll(2) on the calling thread.
import Foundation

/// A child started with posix_spawn; reaped on demand, never by a helper thread.
public final class ChildProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    public let processIdentifier: Int32
    private let lock = NSLock()
    private var waitStatus: Int32?

    init(pid: Int32) { processIdentifier = pid }

    /// Reaps the child if it has ended; true once it has.
    @discardableResult
    private func reap() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if waitStatus != nil { return true }
        var s: Int32 = 0
        let r = waitpid(processIdentifier, &s, WNOHANG)
        if r == processIdentifier { waitStatus = s; return true }
        if r == -1 && errno == ECHILD { waitStatus = 0; return true }
        return false
    }

    public var isRunning: Bool { !reap() }

    public func waitUntilExit() {
        while !reap() { usleep(2_000) }
    }

    /// The exit code, or the signal number when `terminationReason` is `.uncaughtSignal`.
    public var terminationStatus: Int32 {
        waitUntilExit()
        let s = lock.withLock { waitStatus ?? 0 }
        return s & 0x7f == 0 ? (s >> 8) & 0xff : s & 0x7f
    }

    public var terminationReason: TerminationReason {
        waitUntilExit()
        let s = lock.withLock { waitStatus ?? 0 }
        return s & 0x7f == 0 ? .exit : .uncaughtSignal
    }

    /// Starts argv with the given descriptors as its 0, 1 and 2 (which must be
    /// close-on-exec in this process; everything the tests open is).
    static func spawn(_ argv: [String], environment: [String: String]?, directory: String?,
                      stdin: Int32, stdout: Int32, stderr: Int32) throws -> ChildProcess {
        var argv = argv
        if let directory {
            // posix_spawn_file_actions_addchdir_np is not exported to Swift here.
            argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + argv
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        // The child starts with no blocked signals and default dispositions:
        // the test runner's threads block some, and children inherit masks.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env: [String] = (environment ?? ProcessInfo.processInfo.environment).map { "\($0)=\($1)" }
        let path = argv[0].hasPrefix("/") ? argv[0] : try which(argv[0])
        var pid: pid_t = 0
        var rc: Int32 = 0
        // A binary a test has just copied can be briefly busy (ETXTBSY): a
        // child forked elsewhere in the process (outside our lock, e.g. by
        // Foundation) inherited the copy's descriptor until it execs.
        for attempt in 0..<50 {
            rc = withCStrings(argv) { cArgv in
                withCStrings(env) { cEnv in
                    spawnLock.withLock { posix_spawn(&pid, path, &actions, &attributes, cArgv, cEnv) }
                }
            }
            guard rc == ETXTBSY, attempt < 49 else { break }
            usleep(20_000)
        }
        guard rc == 0 else { throw TestFailure("posix_spawn \(path): \(String(cString: strerror(rc)))") }
        return ChildProcess(pid: pid)
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Held while a pipe is made close-on-exec and while a child is spawned, so
/// no child spawned on another thread inherits a pipe in between (pipe2 is
/// not exported to Swift here).
let spawnLock = NSLock()

/// A pipe whose two ends are close-on-exec (so no other child inherits them).
func cloexecPipe() throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    try spawnLock.withLock {
        guard pipe(&fds) == 0 else { throw TestFailure("pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    }
    return (fds[0], fds[1])
}

/// Runs argv to completion, feeding `stdin` and collecting stdout and stderr
/// on this thread; kills it (SIGKILL) after `timeout` seconds.
func runChild(_ argv: [String], stdin input: Data?, environment: [String: String]?,
              directory: String?, timeout: Double) throws -> (ChildProcess, Data, Data) {
    let out = try cloexecPipe(), err = try cloexecPipe(), inp = try cloexecPipe()
    let child: ChildProcess
    do {
        child = try ChildProcess.spawn(argv, environment: environment, directory: directory,
                                       stdin: inp.read, stdout: out.write, stderr: err.write)
    } catch {
        for fd in [out.read, out.write, err.read, err.write, inp.read, inp.write] { close(fd) }
        throw error
    }
    close(out.write)
    close(err.write)
    close(inp.read)
    var pending = input ?? Data()
    var inFD: Int32 = inp.write
    if pending.isEmpty { close(inFD); inFD = -1 } else { _ = fcntl(inFD, F_SETFL, O_NONBLOCK) }

    var stdoutData = Data(), stderrData = Data()
    var open: [Int32] = [out.read, err.read]
    let deadline = Date().addingTimeInterval(timeout)
    var killedAt: Date?
    var buffer = [UInt8](repeating: 0, count: 65536)
    while !open.isEmpty || inFD >= 0 {
        var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        if inFD >= 0 { fds.append(pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)) }
        let now = Date()
        if killedAt == nil, now >= deadline {
            kill(child.processIdentifier, SIGKILL)
            killedAt = now
        }
        // After a kill, give grandchildren holding the pipes a moment, then stop reading.
        if let k = killedAt, now.timeIntervalSince(k) > 2 { break }
        let n = poll(&fds, nfds_t(fds.count), 100)
        if n <= 0 { continue }
        for f in fds where f.revents != 0 {
            if f.fd == inFD {
                let written = pending.withUnsafeBytes { write(inFD, $0.baseAddress, min($0.count, 65536)) }
                if written > 0 { pending.removeFirst(written) }
                if written < 0 && errno != EAGAIN && errno != EINTR || pending.isEmpty {
                    close(inFD)
                    inFD = -1
                }
                continue
            }
            let r = buffer.withUnsafeMutableBytes { read(f.fd, $0.baseAddress, $0.count) }
            if r > 0 {
                if f.fd == out.read { stdoutData.append(contentsOf: buffer[0..<r]) } else { stderrData.append(contentsOf: buffer[0..<r]) }
            } else if r == 0 || (errno != EINTR && errno != EAGAIN) {
                close(f.fd)
                open.removeAll { $0 == f.fd }
            }
        }
    }
    for fd in open { close(fd) }
    if inFD >= 0 { close(inFD) }
    // The pipes are closed: wait for the exit, still bounded by the deadline.
    while child.isRunning {
        if killedAt == nil, Date() >= deadline {
            kill(child.processIdentifier, SIGKILL)
            killedAt = Date()
        }
        usleep(2_000)
    }
    return (child, stdoutData, stderrData)
}
