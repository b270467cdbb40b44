// Turning a configured script into something to run: keepalived's
// script_user rules, its script-security check, and the clean environment.
import ConfigModel
import Glibc
import Reactor

/// A script ready to start: the command, who runs it, and for how long.
public struct ScriptJob: Hashable, Sendable {
    public var argv: [String]
    public var user: ResolvedUser
    public var timeout: Duration
    public init(argv: [String], user: ResolvedUser, timeout: Duration) {
        self.argv = argv
        self.user = user
        self.timeout = timeout
    }
}

public enum ScriptRules {
    /// keepalived's default script user when `script_user` is not set.
    public static let defaultScriptUser = "keepalived_script"
    /// Scripts whose configuration gives no timeout are killed after this long.
    public static let defaultTimeout: Duration = .seconds(30)
    /// The longest a daemon may ask a script to run (its own request, e.g. a
    /// MISC_CHECK's misc_timeout or delay_loop); a day is past any checker's.
    public static let maximumRequestedTimeout: Duration = .seconds(86_400)
    /// The only environment a script gets.
    public static let environment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"]

    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case user(UserDirectory.Failure)
        case unsafe(path: String, because: String)
        case notFound(String)
        case otherUser(script: String, wants: String, runningAs: String)
        case timeout(Duration)

        public var description: String {
            switch self {
            case .user(let f): return "\(f)"
            case .unsafe(let p, let why): return "Unsafe permissions found for script '\(p)': \(why) (enable_script_security)"
            case .notFound(let p): return "script '\(p)' not found in PATH"
            case .otherUser(let s, let wants, let running):
                return "script '\(s)' is configured to run as '\(wants)', but this program runs alone as '\(running)' "
                    + "and can run scripts only as itself: start it from keepalived, or configure the script for '\(running)'"
            case .timeout(let d):
                return "a timeout of \(d) was asked for; it must be above zero and at most \(ScriptRules.maximumRequestedTimeout)"
            }
        }
    }

    /// The user (and group) a script runs as: its own `user [group]` if the
    /// keyword line gives one, else `script_user`, else keepalived_script if
    /// that user exists, else root.
    public static func userAndGroup(of script: Script, global: GlobalDefinitions) -> (user: String, group: String?) {
        if let u = script.user { return (u, script.group) }
        if let u = global.scriptUser { return (u, global.scriptGroup) }
        if UserDirectory.exists(user: defaultScriptUser) { return (defaultScriptUser, nil) }
        return ("root", nil)
    }

    /// How long a script may run: what the daemon asked for (MISC_CHECK
    /// knows its misc_timeout, or delay_loop when none is set), else the
    /// script's configured timeout, else the default.
    public static func timeout(requested: Duration?, configured: Interval?) throws(Refusal) -> Duration {
        if let requested {
            guard requested > .zero && requested <= maximumRequestedTimeout else { throw .timeout(requested) }
            return requested
        }
        return configured.map { Duration.microseconds($0.microseconds) } ?? defaultTimeout
    }

    /// The job for `script` with the notify words appended, checked as keepalived checks it.
    public static func job(for script: Script, arguments: [String], global: GlobalDefinitions,
                           requestedTimeout: Duration? = nil) throws(Refusal) -> ScriptJob {
        let (userName, group) = userAndGroup(of: script, global: global)
        let user: ResolvedUser
        do { user = try UserDirectory.resolve(user: userName, group: group) } catch { throw .user(error) }
        guard let first = script.argv.first, !first.isEmpty else { throw .notFound("") }
        let path = try resolveCommand(first)
        if global.enableScriptSecurity && user.uid == 0 { try checkSecure(path) }
        var argv = script.argv
        argv[0] = path
        return ScriptJob(argv: argv + arguments, user: user, timeout: try timeout(requested: requestedTimeout, configured: script.timeout))
    }

    /// An absolute path as given, or the first match in the scripts' PATH.
    static func resolveCommand(_ command: String) throws(Refusal) -> String {
        if command.contains("/") { return command }
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] where access("\(dir)/\(command)", X_OK) == 0 {
            return "\(dir)/\(command)"
        }
        throw .notFound(command)
    }

    /// enable_script_security: a script run as root must not be changeable by
    /// anyone else: the file and every directory above it owned by root and
    /// not writable by group or others.
    public static func checkSecure(_ path: String) throws(Refusal) {
        guard path.hasPrefix("/") else { throw .unsafe(path: path, because: "not an absolute path") }
        var prefix = ""
        let parts = path.split(separator: "/").map(String.init)
        var components = ["/"]
        for p in parts {
            prefix += "/" + p
            components.append(prefix)
        }
        for c in components {
            var st = stat()
            guard stat(c, &st) == 0 else { throw .unsafe(path: path, because: "\(c) cannot be examined") }
            if st.st_uid != 0 { throw .unsafe(path: path, because: "\(c) is owned by uid \(st.st_uid)") }
            if st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
                throw .unsafe(path: path, because: "\(c) is writable by group or others")
            }
        }
    }
}
