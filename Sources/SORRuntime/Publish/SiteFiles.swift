import Foundation
import SORCore

/// How files are written to the site: mode 0640 and the configured group (`site.group`, the group nginx's workers
/// run as), so pages and recordings are not readable by every account on the server.
public struct SiteFiles: Sendable {
    /// The mode of every file sor writes to the site.
    public static let mode: mode_t = 0o640
    let group: String
    /// The group id to give site files; nil for the writer's own.
    let gid: gid_t?

    /// Resolves `site.group` once; a configured group that does not exist is an error.
    public init(_ config: Config.Site) throws {
        // Started as root, nginx's workers run as site.nginx_user and must read the site: its files get that user's group.
        group = config.group.isEmpty && geteuid() == 0 ? (getpwnam(config.nginxUser).flatMap { getgrgid($0.pointee.pw_gid) }.map { String(cString: $0.pointee.gr_name) } ?? "") : config.group
        guard !group.isEmpty else {
            gid = nil
            return
        }
        guard let entry = getgrnam(group) else {
            throw RuntimeError.commandFailed(
                command: "site.group", detail: "there is no group \(group) on this machine; set site.group in sor.yaml to the group nginx runs as (getent group)")
        }
        gid = entry.pointee.gr_gid
    }

    /// Writes `data` to `path` when it differs, then gives the file the site's mode and group (also to a file
    /// written by an older sor).
    func write(_ data: Data, to path: String) throws {
        if FileManager.default.contents(atPath: path) != data {
            try FileSystem.writeAtomically(data, to: path, mode: Self.mode)
        }
        try own(path)
    }

    /// Gives an existing file the site's mode and group.
    func own(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & 0o7777 != Self.mode { chmod(path, Self.mode) }
        if let gid, info.st_gid != gid, chown(path, uid_t.max, gid) != 0 {
            throw RuntimeError.cannotWrite(path: path, detail: "cannot give it the group \(group): \(String(cString: strerror(errno)))")
        }
    }
}
