// Everything the compiler asks of the machine it runs on goes through `Host`,
// so tests hand it a fake one (FakeHost in the tests) and `--offline` can
// refuse the questions that only make sense on the director itself.

public struct FileStatus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case regular, directory, symlink, other }
    public var kind: Kind
    /// Permission bits (the low 12 bits of st_mode).
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32

    public init(kind: Kind, mode: UInt32, uid: UInt32 = 0, gid: UInt32 = 0) {
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }

    public var isExecutable: Bool { mode & 0o111 != 0 }
}

public struct HostUser: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public init(name: String, uid: UInt32, gid: UInt32) {
        self.name = name
        self.uid = uid
        self.gid = gid
    }
}

/// A file open for reading piece by piece.
public protocol FileReader: AnyObject {
    /// The file's size when it was opened.
    var size: Int { get }
    /// Appends up to `maxBytes` more bytes to `buffer`; returns how many (0
    /// at the end of the file), or nil when reading failed.
    func read(into buffer: inout [UInt8], maxBytes: Int) -> Int?
}

public protocol Host: AnyObject {
    /// The file's bytes, or nil when it cannot be read.
    func readFile(_ path: String) -> [UInt8]?
    /// The file open for reading piece by piece, or nil when it cannot be
    /// read (optional: by default, the whole of `readFile` as one piece).
    func openFile(_ path: String) -> (any FileReader)?
    /// lstat/stat of `path` (following symlinks when `follow`), or nil.
    func status(of path: String, follow: Bool) -> FileStatus?
    /// glob(3) with GLOB_BRACE, sorted; empty when nothing matches.
    func glob(_ pattern: String) -> [String]
    /// The real path (symlinks resolved), or nil.
    func realPath(_ path: String) -> String?
    /// The current working directory (for relative paths of the main file).
    func currentDirectory() -> String
    /// The node name up to its first '.' (keepalived's default config-id).
    func nodeName() -> String

    /// Whether host facts may be consulted (false with `--offline`).
    var isOnline: Bool { get }
    /// Names of the network interfaces that exist now.
    func interfaceNames() -> Set<String>
    func user(named: String) -> HostUser?
    func group(named: String) -> UInt32?
    /// The effective uid of the compiling process (script security rules
    /// depend on whether scripts would run as root).
    func effectiveUID() -> UInt32
    /// Whether `hostName` resolves to an address here (smtp_server by name).
    func resolves(hostName: String) -> Bool
}

extension Host {
    /// Hosts that cannot resolve names say no.
    public func resolves(hostName: String) -> Bool { false }

    public func openFile(_ path: String) -> (any FileReader)? {
        readFile(path).map(WholeFileReader.init)
    }
}

/// A file already read whole, handed out as one piece.
final class WholeFileReader: FileReader {
    private var bytes: [UInt8]?
    let size: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        size = bytes.count
    }

    func read(into buffer: inout [UInt8], maxBytes: Int) -> Int? {
        guard let b = bytes else { return 0 }
        bytes = nil
        if buffer.isEmpty { buffer = b } else { buffer += b }
        return b.count
    }
}
