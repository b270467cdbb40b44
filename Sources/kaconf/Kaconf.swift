// kaconf: the keepalived.conf compiler.
//
// Peers: none (reads the configuration and its includes, writes the
// compiled file). User: whoever runs it. Capabilities: none; the supervisor
// runs it with only CAP_DAC_READ_SEARCH so root-only includes are readable.
// Host facts (interfaces, users, script files) are read unless --offline.

import CommandLineOptions
import ConfigModel
import KeepalivedConfig

#if canImport(Glibc)
import Glibc
#endif

@main
enum Kaconf {
    static func main() {
        let invocation: Invocation
        do {
            invocation = try KaconfCommandLine.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            switch error {
            case .help(let text):
                Output.out(text)
                exit(0)
            case .usage(let text):
                Output.put(text, fd: 2)
                exit(CommandLineOutcome.usageStatus)
            }
        }
        switch invocation.command {
        case .lint:
            let result = compileText(invocation)
            Output.report(result)
            let status = invocation.keepalivedExitStatus
                ? result.diagnostics.configTestExitStatus : result.exitStatus
            exitKeeping(result, status: status)
        case .compile:
            let result = compileText(invocation)
            exitKeeping(result, status: compile(invocation, result))
        case .dump:
            exit(dump(invocation))
        }
    }

    /// Exits with the model still alive: the kernel takes its pages back at
    /// once, where releasing 100,000 real servers one by one took 60 ms.
    static func exitKeeping(_ result: CompileResult, status: Int32) -> Never {
        withExtendedLifetime(result) { exit(status) }
    }

    static func options(_ inv: Invocation) -> CompileOptions {
        CompileOptions(configID: inv.configId, offline: inv.offline, werror: inv.werror, allConfig: inv.allConfig)
    }

    static func compileText(_ inv: Invocation) -> CompileResult {
        Compiler.compile(file: inv.file, host: RealHost(online: !inv.offline), options: options(inv))
    }

    static func compile(_ inv: Invocation, _ result: CompileResult) -> Int32 {
        let output = inv.output ?? ""
        Output.report(result)
        guard result.isValid else {
            let why = result.diagnostics.hasErrors ? "it has errors" : "it has warnings (--werror)"
            Output.error("refusing to compile \(inv.file): \(why)")
            let guesses = result.guesses
            if !guesses.isEmpty {
                Output.error("to run it anyway, keepalived would have had to guess:")
                for g in guesses { Output.error("  \(g)") }
            }
            return 1
        }
        for s in result.unactedSections {
            Output.error("warning: \(s) is configured, but no program acts on it yet")
        }
        let parts: [[UInt8]]
        do {
            parts = try result.compiled.serializedParts()
        } catch {
            Output.error("cannot encode the compiled configuration: \(error)")
            return 1
        }
        if let problem = Output.write(parts, to: output) {
            Output.error("cannot write \(output): \(problem)")
            return 1
        }
        return 0
    }

    static func dump(_ inv: Invocation) -> Int32 {
        let host = RealHost(online: !inv.offline)
        let compiled: CompiledConfig
        var status: Int32 = 0
        if let bytes = host.readFile(inv.file), CompiledConfig.looksCompiled(bytes) {
            do {
                compiled = try CompiledConfig.load(from: bytes)
            } catch {
                Output.error("\(inv.file): \(error)")
                return 1
            }
        } else {
            let result = Compiler.compile(file: inv.file, host: host, options: options(inv))
            Output.report(result)
            compiled = result.compiled
            status = result.exitStatus
        }
        do {
            let text = inv.json ? try JSONDump.string(compiled) : try TextDump.render(compiled)
            Output.out(text)
        } catch {
            Output.error("cannot show the configuration: \(error)")
            return 1
        }
        return status
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
