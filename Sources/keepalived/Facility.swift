import DaemonSupport

/// -S parsing shared with the daemons' options.
enum LogSettingsFacility {
    static func parse(_ s: String) -> Int32? { LogSettings.facility(named: s) }
}
