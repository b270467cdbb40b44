// Running scripts (MISC_CHECK, notify_up/down, quorum_up/down): checkd asks
// for script N of its configuration, to the supervisor (which owns users and
// privileges) or, alone, to ka-script-host, started before checkd's sandbox
// as its own user (DaemonSupport refuses at start-up scripts for other users).
import Checkers
import ConfigModel
import Glibc
import Posix
import Reactor

protocol ScriptExecutor: AnyObject {
    /// Runs script `id` of the configuration, killed after `timeout`.
    func run(_ id: ScriptID, timeout: Interval?, completion: @escaping (ScriptEnd) -> Void)
    var running: Int { get }
}

