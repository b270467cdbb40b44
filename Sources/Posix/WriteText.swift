// Printing without stdio: its globals are not concurrency-safe in Swift 6,
// and the static programs keep Foundation out.
import Glibc

/// Writes all of `text` to `fd`, retrying when interrupted; gives up
/// quietly on any other failure (a closed terminal is no reason to crash).
public func writeText(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        bytes = bytes.dropFirst(n)
    }
}
