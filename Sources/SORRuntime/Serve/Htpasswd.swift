import CCrypt
import Foundation

/// The users who may sign in: an htpasswd file (`access/htpasswd`, one `NAME:HASH` per line) that nginx's
/// `auth_basic_user_file` reads, with bcrypt hashes made by the system's libcrypt (libxcrypt), the same library
/// nginx checks them with.
///
/// nginx checks the password on every request (basic authentication keeps no session), so the hash's cost is a
/// per-request price: cost 5 (htpasswd -B's default) takes about 3 ms here; each step up doubles it.
public enum Htpasswd {
    public static let defaultCost = 5

    /// The users in the file, in its order; empty when it does not exist.
    public static func users(at path: String) -> [String] {
        entries(at: path).map(\.name)
    }

    static func entries(at path: String) -> [(name: String, hash: String)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("#") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]))
        }
    }

    /// Sets `user`'s password (adding the user when new); the file is replaced atomically, mode 0640.
    public static func set(_ user: String, password: String, cost: Int = defaultCost, at path: String) throws {
        let hash = try bcrypt(password, cost: cost)
        var lines = entries(at: path).filter { $0.name != user }
        lines.append((user, hash))
        try write(lines, to: path)
    }

    /// Removes `user`; returns whether the file held them.
    @discardableResult
    public static func remove(_ user: String, at path: String) throws -> Bool {
        let lines = entries(at: path)
        guard lines.contains(where: { $0.name == user }) else { return false }
        try write(lines.filter { $0.name != user }, to: path)
        return true
    }

    /// Whether `password` is `user`'s (as nginx will decide).
    public static func verify(_ user: String, password: String, at path: String) -> Bool {
        guard let hash = entries(at: path).first(where: { $0.name == user })?.hash else { return false }
        return (try? crypt(password, setting: hash)) == hash
    }

    static func write(_ lines: [(name: String, hash: String)], to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let text = lines.map { $0.name + ":" + $0.hash + "\n" }.joined()
        try FileSystem.writeAtomically(Data(text.utf8), to: path, mode: 0o640)
    }

    /// A bcrypt hash (`$2b$COST$…`) of `password` with a fresh random salt.
    static func bcrypt(_ password: String, cost: Int) throws -> String {
        guard (4...31).contains(cost) else { throw RuntimeError.commandFailed(command: "bcrypt", detail: "the cost must be 4–31, not \(cost)") }
        var salt = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn("$2b$", UInt(cost), nil, 0, &salt, Int32(salt.count)) != nil else {
            throw RuntimeError.commandFailed(command: "crypt_gensalt", detail: String(cString: strerror(errno)))
        }
        let setting = String(decoding: salt.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return try crypt(password, setting: setting)
    }

    static func crypt(_ password: String, setting: String) throws -> String {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, setting, data), result.pointee != 0x2A /* "*": failure */ else {
            throw RuntimeError.commandFailed(command: "crypt", detail: "the password could not be hashed")
        }
        return String(cString: result)
    }
}
