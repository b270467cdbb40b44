// The texts keepalived's checker process writes for people and scripts:
// notify_fifo / lvs_notify_fifo lines (reference §2.2) and smtp_alert subjects.

public enum Notifications {
    /// `RS [1.2.3.4]:tcp:80 [192.168.201.15]:tcp:80 UP\n`
    public static func realServerLine(rs: String, vs: String, up: Bool) -> String {
        "RS \(rs) \(vs) \(up ? "UP" : "DOWN")\n"
    }

    /// `VS [192.168.201.15]:tcp:80 UP\n`
    public static func virtualServerLine(vs: String, up: Bool) -> String {
        "VS \(vs) \(up ? "UP" : "DOWN")\n"
    }

    public static func realServerSubject(router: String, rs: String, vs: String, state: String) -> String {
        "[\(router)] Realserver \(rs) of virtual server \(vs) - \(state)"
    }

    public static func virtualServerSubject(router: String, vs: String, state: String) -> String {
        "[\(router)] Virtualserver \(vs) - \(state)"
    }
}
