// -v, -h and --signum, printed as keepalived prints them.
import Glibc

enum Banner {
    static let version = "0.1.0"

    /// keepalived prints its banner to stderr.
    static func versionText() -> String {
        var u = utsname()
        uname(&u)
        func field<T>(_ t: T) -> String {
            withUnsafeBytes(of: t) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return """
        Keepalived v2.2.7 compatible, keepalived-swift \(version)

        A split-privilege rebuild in Swift: keepalived (supervisor), vrrpd, checkd, ipvs-applier, kaconf.
        Running on \(field(u.sysname)) \(field(u.release)) \(field(u.version))

        """
    }

    /// keepalived's --signum table (Debian 2.2.7's numbers).
    static func signalNumber(_ name: String) -> Int32? {
        switch name {
        case "STOP": return SIGTERM
        case "RELOAD": return SIGHUP
        case "DATA": return SIGUSR1
        case "STATS": return SIGUSR2
        case "STATS_CLEAR": return statsClearSignal
        case "JSON": return jsonSignal
        default: return nil
        }
    }

    /// SIGRTMAX-1 and SIGRTMIN+2, 63 and 36 with glibc, as keepalived uses them.
    static var statsClearSignal: Int32 { Int32(__libc_current_sigrtmax()) - 1 }
    static var jsonSignal: Int32 { Int32(__libc_current_sigrtmin()) + 2 }
}
