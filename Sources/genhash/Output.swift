import Glibc

func monotonicMicroseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000 + UInt64(t.tv_nsec) / 1000
}

/// write(2) until every byte is out; if stdout cannot take it, that is a local failure (exit 5).
func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                exit(fd == 1 ? 5 : 0)
            }
            offset += n
        }
    }
}

func writeAll(_ fd: Int32, _ text: String) {
    writeAll(fd, Array(text.utf8))
}
