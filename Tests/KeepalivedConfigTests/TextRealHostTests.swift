// RealHost against the real file system (a fresh temporary directory):
// globbing with braces, sorting, file kinds and modes, real paths, and the
// host facts the compiler asks for.
import Foundation
import Testing
@testable import KeepalivedConfig

@Suite struct TextRealHostTests {
    let host = RealHost()

    func withTree(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ka-realhost-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/conf.d/sub", withIntermediateDirectories: true)
        for (name, text) in [("conf.d/b.conf", "b\n"), ("conf.d/a.conf", "a\n"), ("conf.d/c.txt", "c\n"), ("x.conf", "x\n")] {
            try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
        }
        try "run\n".write(toFile: dir + "/conf.d/run.conf", atomically: true, encoding: .utf8)
        chmod(dir + "/conf.d/run.conf", 0o755)
        symlink(dir + "/x.conf", dir + "/link.conf")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    @Test func globSortsMatchesAndExpandsBraces() throws {
        try withTree { dir in
            #expect(host.glob(dir + "/conf.d/*.conf") == ["a", "b", "run"].map { "\(dir)/conf.d/\($0).conf" })
            #expect(host.glob(dir + "/conf.d/{c.txt,a.conf}") == ["\(dir)/conf.d/c.txt", "\(dir)/conf.d/a.conf"])
            #expect(host.glob(dir + "/nothing*") == [])
            #expect(host.glob(dir + "/x.conf") == [dir + "/x.conf"])
        }
    }

    @Test func statusTellsKindsAndModes() throws {
        try withTree { dir in
            #expect(host.status(of: dir + "/conf.d", follow: true)?.kind == .directory)
            #expect(host.status(of: dir + "/x.conf", follow: true)?.kind == .regular)
            #expect(host.status(of: dir + "/x.conf", follow: true)?.isExecutable == false)
            #expect(host.status(of: dir + "/conf.d/run.conf", follow: true)?.isExecutable == true)
            #expect(host.status(of: dir + "/link.conf", follow: false)?.kind == .symlink)
            #expect(host.status(of: dir + "/link.conf", follow: true)?.kind == .regular)
            #expect(host.status(of: dir + "/missing", follow: true) == nil)
        }
    }

    @Test func readFileAndRealPath() throws {
        try withTree { dir in
            #expect(host.readFile(dir + "/x.conf") == Array("x\n".utf8))
            #expect(host.readFile(dir + "/conf.d") == nil)
            #expect(host.readFile(dir + "/missing") == nil)
            let real = host.realPath(dir + "/link.conf")
            #expect(real?.hasSuffix("/x.conf") == true)
            #expect(host.realPath(dir + "/missing") == nil)
        }
    }

    @Test func hostFacts() {
        #expect(host.currentDirectory() == FileManager.default.currentDirectoryPath)
        #expect(!host.nodeName().isEmpty && !host.nodeName().contains("."))
        #expect(host.interfaceNames().contains("lo"))
        #expect(host.user(named: "root") == HostUser(name: "root", uid: 0, gid: 0))
        #expect(host.user(named: "no-such-user-here") == nil)
        #expect(host.group(named: "root") == 0)
        #expect(host.effectiveUID() == geteuid())
        #expect(RealHost(online: false).isOnline == false)
    }

    @Test func aFileReadInPiecesReadsAsAWholeOne() throws {
        // Several pieces (ReaderState.pieceSize) of lines of every length,
        // CRLF endings, comments, quotes, a line longer than keepalived
        // reads, and no newline at the end: RealHost hands the file over in
        // pieces, MemoryHost whole, and the lines must come out the same.
        var text = ""
        var n = 0
        while text.utf8.count < 3 * ReaderState.pieceSize + 1000 {
            n += 1
            switch n % 7 {
            case 0: text += "notify \"/bin/echo \(n) two words\"  # note \(n)\r\n"
            case 1: text += "priority \(n)\n"
            case 2: text += String(repeating: "x", count: n % 1500) + "\n"
            case 3: text += "\n"
            case 4: text += "  real_server 10.0.\(n % 250).1 \(n % 65000) {\n"
            case 5: text += "! comment \(n)\n"
            default: text += "}\n"
            }
        }
        text += "last_line_without_newline 1"
        try withTree { dir in
            try text.write(toFile: dir + "/big.conf", atomically: true, encoding: .utf8)
            let real = Preprocessor(host: host, diagnostics: Diagnostics()).lines(ofFile: dir + "/big.conf")
            let memory = MemoryHost(files: [:])
            memory.add("big.conf", text)
            let whole = Preprocessor(host: memory, diagnostics: Diagnostics()).lines(ofFile: "big.conf")
            #expect(real.count == whole.count)
            #expect(real.map(show) == whole.map(show))
            #expect(real.map(\.text) == whole.map(\.text))
            #expect(real.map(\.source) == whole.map(\.source))
            #expect(real.map(\.location.line) == whole.map(\.location.line))
            #expect(real.map(\.location.column) == whole.map(\.location.column))
        }
    }

    @Test func aWholeConfigurationIsReadThroughTheRealHost() throws {
        try withTree { dir in
            try "include conf.d/*.conf\ninclude {x,link}.conf\n".write(toFile: dir + "/main.conf", atomically: true, encoding: .utf8)
            let d = Diagnostics()
            let lines = Preprocessor(host: host, diagnostics: d).lines(ofFile: dir + "/main.conf")
            #expect(lines.map(show) == ["a", "b", "x", "x"])
            #expect(d.all.isEmpty)
        }
    }
}
