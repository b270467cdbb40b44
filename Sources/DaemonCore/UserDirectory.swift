// Users and groups by name, resolved to the ids a child is started with.
import Glibc
import Reactor

public struct ResolvedUser: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]
    public var description: String { "\(name) (\(uid):\(gid))" }
    public var identity: SpawnSpec.Identity { .init(uid: uid, gid: gid, groups: groups) }
}

public enum UserDirectory {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case noSuchUser(String)
        case noSuchGroup(String)
        public var description: String {
            switch self {
            case .noSuchUser(let u): return "user '\(u)' does not exist"
            case .noSuchGroup(let g): return "group '\(g)' does not exist"
            }
        }
    }

    public static func exists(user: String) -> Bool { getpwnam(user) != nil }

    /// The user with its primary group (or `group`, if given) and its
    /// supplementary groups, as login would set them.
    public static func resolve(user: String, group: String? = nil) throws(Failure) -> ResolvedUser {
        guard let pw = getpwnam(user) else { throw .noSuchUser(user) }
        let uid = pw.pointee.pw_uid
        var gid = pw.pointee.pw_gid
        if let group {
            if let gr = getgrnam(group) { gid = gr.pointee.gr_gid }
            else if let n = UInt32(group) { gid = n }
            else { throw .noSuchGroup(group) }
        }
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, gid, &list, &count) == -1 {
            list = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(user, gid, &list, &count)
        }
        var groups = Array(list.prefix(Int(max(0, count))))
        if !groups.contains(gid) { groups.insert(gid, at: 0) }
        return ResolvedUser(name: user, uid: uid, gid: gid, groups: groups)
    }
}
