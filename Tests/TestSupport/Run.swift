// Shared plumbing for the integration tests: running programs, finding the
// built binaries, temporary directories. Test-only code: Foundation is fine here.
import Foundation

public enum TestEnvironment {
    public static var isRoot: Bool { getuid() == 0 }

    /// The directory holding the built products (the test bundle sits beside them).
    public static let binDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["KA_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // swift-testing runs the .xctest binary from inside the build directory.
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("kaconf").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return exe.deletingLastPathComponent()
    }()

    /// The package root (for corpus-relative paths and scripts).
    public static let packageRoot: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// ../shared next to the checkout, where the corpus and tools live.
    public static let sharedDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["KA_SHARED_DIR"] { return URL(fileURLWithPath: dir) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    public static func binary(_ name: String) -> String { binDirectory.appendingPathComponent(name).path }
}

public struct RunResult: Sendable {
    public var status: Int32
    public var signaled: Bool
    public var stdout: String
    public var stderr: String
    public var stdoutBytes: Data
}

/// Runs a program to completion (killing it after `timeout` seconds) and captures its output.
@discardableResult
public func run(_ argv: [String], stdin: Data? = nil, environment: [String: String]? = nil,
                directory: String? = nil, timeout: Double = 60) throws -> RunResult {
    let (child, out, err) = try runChild(argv, stdin: stdin, environment: environment,
                                         directory: directory, timeout: timeout)
    return RunResult(status: child.terminationStatus, signaled: child.terminationReason == .uncaughtSignal,
                     stdout: String(decoding: out, as: UTF8.self),
                     stderr: String(decoding: err, as: UTF8.self), stdoutBytes: out)
}

/// Runs a shell command line; throws when it fails.
@discardableResult
public func sh(_ command: String, timeout: Double = 60) throws -> String {
    let r = try run(["/bin/sh", "-c", command], timeout: timeout)
    guard r.status == 0 else {
        throw TestFailure("`\(command)` exited \(r.status): \(r.stderr)\(r.stdout)")
    }
    return r.stdout
}

public func which(_ name: String) throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw TestFailure("\(name) not found in PATH")
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// A fresh directory under /tmp, removed by `remove()`.
public final class TempDirectory: @unchecked Sendable {
    public let path: String
    public init(_ prefix: String = "ka-test") throws {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: p)
        chmod(path, 0o755)
    }
    public func file(_ name: String) -> String { "\(path)/\(name)" }
    @discardableResult
    public func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        let f = file(name)
        try FileManager.default.createDirectory(atPath: (f as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: f, atomically: true, encoding: .utf8)
        chmod(f, mode_t(mode))
        return f
    }
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A process started in the background, its stdout and stderr going to
/// `outputFile`; stopped by `stop()` (only this PID).
public final class Spawned: @unchecked Sendable {
    public let process: ChildProcess
    public let outputFile: String
    public var pid: Int32 { process.processIdentifier }

    public init(_ argv: [String], environment: [String: String]? = nil, directory: String? = nil, outputFile: String) throws {
        let fd = open(outputFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TestFailure("open \(outputFile): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        process = try ChildProcess.spawn(argv, environment: environment, directory: directory,
                                         stdin: null, stdout: fd, stderr: fd)
        self.outputFile = outputFile
    }

    public var output: String { (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "" }
    public var isRunning: Bool { process.isRunning }

    public func signal(_ sig: Int32) { if process.isRunning { kill(pid, sig) } }

    /// SIGTERM, then SIGKILL after `grace` seconds; waits for the exit.
    public func stop(grace: Double = 5) {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let end = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < end { usleep(10_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits until `predicate` holds for the output, or `timeout` passes.
    public func waitForOutput(timeout: Double = 10, _ predicate: (String) -> Bool) -> Bool {
        waitUntil(timeout: timeout) { predicate(self.output) }
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass.
public func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
