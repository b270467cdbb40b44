// kaconf: the keepalived.conf compiler.
//
// Peers: none (reads the configuration and its includes, writes the
// compiled file). User: whoever runs it. Capabilities: none; the supervisor
// runs it with only CAP_DAC_READ_SEARCH so root-only includes are readable.
// Host facts (interfaces, users, script files) are read unless --offline.

import ArgumentParser
import ConfigModel
import KeepalivedConfig

#if canImport(Glibc)
import Glibc
#endif

@main
struct Kaconf: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kaconf",
        abstract: "Check, compile and show keepalived configurations.",
        discussion: """
            kaconf reads keepalived.conf (with its includes, $ definitions, @ conditionals and ~SEQ lines) \
            as keepalived 2.2.7 does, checks every section, and writes the compiled form the daemons load. \
            Exit status: 0 when the configuration is valid, 1 when it has errors (or warnings with --werror).
            """,
        subcommands: [Lint.self, Compile.self, Dump.self])
}

struct CommonOptions: ParsableArguments {
    @Argument(help: "The configuration file.")
    var file: String = "/etc/keepalived/keepalived.conf"

    @Flag(name: .long, help: "Treat warnings as errors.")
    var werror = false

    @Flag(name: .long, help: "Skip the checks that ask this machine (interfaces, users, script files).")
    var offline = false

    @Option(name: [.customShort("i"), .customLong("config-id")],
            help: "The config-id for @ID lines and ${_INSTANCE} (default: the host name up to its first '.').")
    var configId: String?

    @Flag(name: [.customShort("e"), .customLong("all-config")],
          help: "Make every include check an error, as keepalived's -e does.")
    var allConfig = false

    var options: CompileOptions {
        CompileOptions(configID: configId, offline: offline, werror: werror, allConfig: allConfig)
    }

    func compile() -> CompileResult {
        Compiler.compile(file: file, host: RealHost(online: !offline), options: options)
    }
}

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a configuration and report every problem.")

    @OptionGroup var common: CommonOptions

    // For `keepalived -t`, which runs this: exit as keepalived 2.2.7's -t
    // does (0 clean, 4 fatal, 5 other error or warning, 6 script security).
    @Flag(name: .customLong("keepalived-exit-status"), help: .hidden)
    var keepalivedExitStatus = false

    func run() throws {
        let result = common.compile()
        Output.report(result)
        if keepalivedExitStatus {
            let status = result.diagnostics.configTestExitStatus
            if status != 0 { throw ExitCode(status) }
            return
        }
        if result.exitStatus != 0 { throw ExitCode(result.exitStatus) }
    }
}

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a configuration into the form the daemons load.",
        discussion: "A configuration with errors is refused, with what keepalived would have had to guess to run it.")

    @OptionGroup var common: CommonOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "Where to write the compiled configuration.")
    var output: String

    func run() throws {
        let result = common.compile()
        Output.report(result)
        guard result.isValid else {
            let why = result.diagnostics.hasErrors ? "it has errors" : "it has warnings (--werror)"
            Output.error("refusing to compile \(common.file): \(why)")
            let guesses = result.guesses
            if !guesses.isEmpty {
                Output.error("to run it anyway, keepalived would have had to guess:")
                for g in guesses { Output.error("  \(g)") }
            }
            throw ExitCode(1)
        }
        for s in result.unactedSections {
            Output.error("warning: \(s) is configured, but no program acts on it yet")
        }
        let parts: (header: [UInt8], body: [UInt8])
        do {
            parts = try result.compiled.serializedParts()
        } catch {
            Output.error("cannot encode the compiled configuration: \(error)")
            throw ExitCode(1)
        }
        if let problem = Output.write([parts.header, parts.body], to: output) {
            Output.error("cannot write \(output): \(problem)")
            throw ExitCode(1)
        }
    }
}

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a configuration (text or compiled) as keepalived's --dump-conf would, or as JSON.")

    @OptionGroup var common: CommonOptions

    @Flag(name: .long, help: "Print JSON (keys are the keywords, intervals in seconds).")
    var json = false

    func run() throws {
        let host = RealHost(online: !common.offline)
        let compiled: CompiledConfig
        var status: Int32 = 0
        if let bytes = host.readFile(common.file), CompiledConfig.looksCompiled(bytes) {
            do {
                compiled = try CompiledConfig.load(from: bytes)
            } catch {
                Output.error("\(common.file): \(error)")
                throw ExitCode(1)
            }
        } else {
            let result = Compiler.compile(file: common.file, host: host, options: common.options)
            Output.report(result)
            compiled = result.compiled
            status = result.exitStatus
        }
        do {
            let text = json ? try JSONDump.string(compiled) : try TextDump.render(compiled)
            Output.out(text)
        } catch {
            Output.error("cannot show the configuration: \(error)")
            throw ExitCode(1)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

enum Output {
    static func report(_ result: CompileResult) {
        let d = result.diagnostics
        guard !d.all.isEmpty || d.suppressedCount > 0 else { return }
        put(DiagnosticRenderer.render(d), fd: 2)
    }

    static func out(_ s: String) { put(s, fd: 1) }

    static func error(_ s: String) { put("kaconf: " + s + "\n", fd: 2) }

    static func put(_ s: String, fd: Int32) {
        var s = s
        s.withUTF8 { buf in
            guard let base = buf.baseAddress else { return }
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(fd, base + offset, buf.count - offset)
                if n < 0 { if errno == EINTR { continue }; return }
                offset += n
            }
        }
    }

    /// Writes `bytes` to a temporary file beside `path`, then renames it into
    /// place, so a reader never sees half a file. Returns a problem or nil.
    static func write(_ chunks: [[UInt8]], to path: String) -> String? {
        let tmp = path + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        for bytes in chunks {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { buf -> Int in
                    guard let base = buf.baseAddress else { return 0 }
                    return Glibc.write(fd, base + offset, bytes.count - offset)
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    let e = String(cString: strerror(errno))
                    close(fd)
                    unlink(tmp)
                    return e
                }
                offset += n
            }
        }
        if fsync(fd) != 0 || close(fd) != 0 {
            let e = String(cString: strerror(errno))
            unlink(tmp)
            return e
        }
        if rename(tmp, path) != 0 {
            let e = String(cString: strerror(errno))
            unlink(tmp)
            return e
        }
        return nil
    }
}
