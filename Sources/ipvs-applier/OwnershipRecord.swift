// What the applier placed in the kernel, kept in <runtime-dir>/ipvs-applier.owned
// across restarts: a restart over a table left by an earlier run (after a
// crash, or --dont-release-ipvs) then removes entries that the config no
// longer names but that were ours, and still leaves everybody else's alone.
// The file is opened before the sandbox and rewritten in place through that
// descriptor, so the running daemon needs no file system access.
import Codec
import Glibc
import IPVS
import Posix

final class OwnershipRecord {
    let path: String
    private let file: Descriptor
    private var saved: Ownership?

    init(directory: String) throws(SysError) {
        path = directory + "/ipvs-applier.owned"
        file = try openDescriptor(path, flags: O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600)
    }

    /// What an earlier run recorded; empty when none or unreadable (then only
    /// what the config names is ours, as in keepalived).
    func load() -> (Ownership, String?) {
        guard let bytes = try? readFile(path, limit: 256 << 20), !bytes.isEmpty else { return (Ownership(), nil) }
        do {
            let o = try Codec.decode(Ownership.self, from: bytes)
            saved = o
            return (o, nil)
        } catch {
            return (Ownership(), "\(path) unreadable, ignored: \(error)")
        }
    }

    /// Rewrites the record when it changed.
    func save(_ o: Ownership) throws {
        guard o != saved else { return }
        let bytes = try Codec.encode(o)
        let fd = file.rawValue
        var off = 0
        while off < bytes.count {
            let n = try sys("pwrite(\(path))") {
                bytes[off...].withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(off)) }
            }
            off += n
        }
        _ = try sys("ftruncate(\(path))") { ftruncate(fd, off_t(bytes.count)) }
        saved = o
    }
}
