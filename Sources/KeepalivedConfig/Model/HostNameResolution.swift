// Name resolution for the one keyword that takes a host name
// (global_defs smtp_server): keepalived resolves it while reading and
// refuses a name that does not resolve.
#if canImport(Glibc)
import Glibc

extension RealHost {
    public func resolves(hostName: String) -> Bool {
        guard isOnline else { return false }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(hostName, nil, &hints, &result)
        if let result { freeaddrinfo(result) }
        return rc == 0
    }
}
#endif
