// The programs' swift-log handler: syslog by default (facility from -S),
// the console too with -l (each line stamped with the local time, as
// keepalived's -l does), debug detail with -D. Set up before the sandbox,
// which keeps the syslog socket open and the time zone loaded.
import CShim
import Glibc
import Logging

public struct LogSettings: Sendable, Equatable {
    /// Syslog facility (LOG_DAEMON, LOG_LOCAL0, ...); nil: no syslog.
    public var syslogFacility: Int32?
    /// Also write each message to stderr.
    public var console: Bool
    /// Log debug detail.
    public var detail: Bool

    public init(syslogFacility: Int32? = LOG_DAEMON, console: Bool = false, detail: Bool = false) {
        self.syslogFacility = syslogFacility
        self.console = console
        self.detail = detail
    }

    /// keepalived's -S values: 0-7 mean local0-local7; also the names
    /// local0..local7, user, daemon.
    public static func facility(named s: String) -> Int32? {
        if let n = Int(s), (0...7).contains(n) { return (16 + Int32(n)) << 3 }
        switch s.lowercased() {
        case "daemon": return LOG_DAEMON
        case "user": return LOG_USER
        default:
            if s.lowercased().hasPrefix("local"), let n = Int(s.dropFirst(5)), (0...7).contains(n) {
                return (16 + Int32(n)) << 3
            }
            return nil
        }
    }
}

public enum DaemonLogging {
    nonisolated(unsafe) private static var ident: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) public private(set) static var isBootstrapped = false

    /// Installs our handler for every Logger of the process, before the
    /// sandbox is entered. Only the first call counts (swift-log allows one).
    public static func bootstrap(program: String, _ settings: LogSettings) {
        guard !isBootstrapped else { return }
        isBootstrapped = true
        if let facility = settings.syslogFacility {
            // openlog keeps the pointer: it must live for the whole process.
            ident = strdup(program)
            openlog(ident, LOG_PID | LOG_NDELAY, facility)
        }
        tzset()
        let pid = getpid()
        LoggingSystem.bootstrap { label in
            var h = KeepalivedLogHandler(label: label, program: program, pid: pid, settings: settings)
            h.logLevel = settings.detail ? .debug : .info
            return h
        }
    }
}

public struct KeepalivedLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let label: String
    let program: String
    let pid: Int32
    let settings: LogSettings

    public init(label: String, program: String, pid: Int32, settings: LogSettings) {
        self.label = label
        self.program = program
        self.pid = pid
        self.settings = settings
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var text = event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        if settings.syslogFacility != nil {
            cshim_syslog(KeepalivedLogHandler.priority(event.level), text)
        }
        if settings.console {
            let line = "\(KeepalivedLogHandler.timestamp()): \(program)[\(pid)]: \(text)\n"
            var bytes = Array(line.utf8)
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + done, $0.count - done) }
                if n <= 0 { break }
                done += n
            }
        }
    }

    static func priority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: return LOG_DEBUG
        case .info: return LOG_INFO
        case .notice: return LOG_NOTICE
        case .warning: return LOG_WARNING
        case .error: return LOG_ERR
        case .critical: return LOG_CRIT
        }
    }

    /// `Tue Nov 25 17:44:20 2025`, keepalived's console stamp (ctime without the newline).
    static func timestamp() -> String {
        var t = time(nil)
        var tm = Glibc.tm()
        localtime_r(&t, &tm)
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, "%a %b %e %H:%M:%S %Y", &tm)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
