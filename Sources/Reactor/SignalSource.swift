// Signals read from a signalfd, so a handler is ordinary code on the
// reactor thread rather than an async-signal-safe fragment.
import CShim
import Glibc
import Posix

public struct SignalEvent: Sendable {
    public var signal: Int32
    /// Who sent it (0 from the kernel).
    public var senderPID: Int32
    public var senderUID: UInt32
}

final class SignalSource {
    private let descriptor: Descriptor
    var fd: Int32 { descriptor.rawValue }

    init(signals: [Int32]) throws(SysError) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        _ = try sys("sigprocmask(SIG_BLOCK)") { sigprocmask(SIG_BLOCK, &set, nil) }
        descriptor = Descriptor(owning: try sys("signalfd") { signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC)) })
    }

    func next() -> SignalEvent? {
        var info = signalfd_siginfo()
        let fd = self.fd
        let n = withUnsafeMutableBytes(of: &info) { read(fd, $0.baseAddress, $0.count) }
        guard n == MemoryLayout<signalfd_siginfo>.size else { return nil }
        return SignalEvent(signal: Int32(info.ssi_signo), senderPID: Int32(bitPattern: info.ssi_pid), senderUID: info.ssi_uid)
    }
}
