// keepalived -t: check the configuration as kaconf lint does and exit as
// keepalived 2.2.7 does: 0 clean, 4 fatal, 5 any other error or any
// warning, 6 script security. Messages go to stderr, or are appended to the
// -t=LOG_FILE.
import DaemonSupport
import Glibc
import Posix
import Reactor

struct ConfigTest {
    let compiler: ConfigCompiler
    let path: String
    let logFile: String?

    func run() -> Int32 {
        var args = [compiler.kaconfPath, "lint", path, "--keepalived-exit-status"]
        if let id = compiler.configID { args += ["--config-id", id] }
        let r: Collected
        do {
            if geteuid() == 0 {
                r = try compiler.run(args)
            } else {
                r = try runCollecting(SpawnSpec(path: compiler.kaconfPath, arguments: args,
                                                environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"],
                                                limitBoundingSet: false),
                                      timeout: ConfigCompiler.timeout)
            }
        } catch {
            report("\(error)\n")
            return 6
        }
        report(String(decoding: r.stderr + r.stdout, as: UTF8.self))
        switch r.status {
        case .exited(let s) where [0, 4, 5, 6].contains(s): return s
        case .exited: return 5
        case .signaled: return 6
        }
    }

    func report(_ text: String) {
        guard !text.isEmpty else { return }
        let bytes = Array(text.utf8)
        if let logFile, let fd = try? openDescriptor(logFile, flags: O_WRONLY | O_CREAT | O_APPEND, mode: 0o644) {
            try? fd.writeAll(bytes)
        } else {
            _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
    }
}
