import Crypto
import Foundation
import Yams


/// The keys that seal the store: a small YAML file (mode 0600) holding the current key and, during a rotation,
/// the keys being retired. Every sealed file names the key that sealed it.
public struct Keyring: Sendable {
    public struct Key: Sendable {
        public var id: String
        public var created: String
        /// The 32 key bytes (kept as Data: swift-crypto's SymmetricKey is not Sendable).
        var bytes: Data
        var material: SymmetricKey { SymmetricKey(data: bytes) }
    }

    public let path: String
    public private(set) var current: String
    public private(set) var keys: [Key]

    public var currentKey: Key { keys.first { $0.id == current }! }

    public func key(_ id: String) -> Key? { keys.first { $0.id == id } }

    /// Loads the key file; a missing, unreadable or malformed one is an error that says how to fix it.
    public static func load(path: String) throws -> Keyring {
        guard FileManager.default.fileExists(atPath: path) else { throw VaultError.noKeyFile(path: path) }
        try checkPermissions(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VaultError.badKeyFile(path: path, detail: "it cannot be read (permission denied?)")
        }
        struct File: Decodable {
            struct Entry: Decodable {
                var id: String
                var created: String
                var key: String
            }
            var version: Int
            var current: String
            var keys: [Entry]
        }
        let file: File
        do {
            file = try FileFormats.decodeYAML(File.self, from: data)
        } catch {
            // Never the text of the line: it may be a key.
            throw VaultError.badKeyFile(path: path, detail: "it is not a SOR key file (\(Self.describe(error)))")
        }
        var keys: [Key] = []
        for entry in file.keys {
            guard let bytes = Data(base64Encoded: entry.key), bytes.count == 32 else {
                throw VaultError.badKeyFile(path: path, detail: "key \(entry.id) is not 32 bytes of base64")
            }
            keys.append(Key(id: entry.id, created: entry.created, bytes: bytes))
        }
        guard keys.contains(where: { $0.id == file.current }) else {
            throw VaultError.badKeyFile(path: path, detail: "the current key \(file.current) is not among its keys")
        }
        return Keyring(path: path, current: file.current, keys: keys)
    }

    /// Refuses a key file that others could read or change: readable or writable by group or others, or owned by
    /// a user other than the one running sor.
    static func checkPermissions(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw VaultError.badKeyFile(path: path, detail: "it is not a plain file (a link or a device); put the key file itself there")
        }
        guard info.st_uid == geteuid() else {
            throw VaultError.badKeyFile(
                path: path, detail: "it belongs to uid \(info.st_uid), not to the user running sor (uid \(geteuid())); `chown \(geteuid()) \(path)` if it is yours")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw VaultError.badKeyFile(
                path: path, detail: "group or others may read it (mode \(String(info.st_mode & 0o777, radix: 8))); run `chmod 600 \(path)`")
        }
    }

    /// Where a key file's YAML is wrong, without quoting it.
    static func describe(_ error: Error) -> String {
        switch error {
        case YamlError.scanner(_, let problem, let mark, _), YamlError.parser(_, let problem, let mark, _),
            YamlError.composer(_, let problem, let mark, _):
            "YAML error at line \(mark.line), column \(mark.column): \(problem)"
        case let decoding as DecodingError:
            switch decoding {
            case .keyNotFound(let key, _): "missing \(key.stringValue)"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                "wrong value for \(context.codingPath.map(\.stringValue).joined(separator: "."))"
            @unknown default: "unreadable"
            }
        default: "unreadable"
        }
    }

    /// Creates a key file with one fresh key; refuses to overwrite an existing one.
    @discardableResult
    public static func create(path: String, now: Date = Date()) throws -> Keyring {
        let directory = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let ring = Keyring(path: path, current: "", keys: []).adding(newKeyAt: now)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw VaultError.keyFileExists(path: path) }
            throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(errno)))
        }
        close(fd)
        try ring.save()
        return ring
    }

    /// A copy with a new current key (the old ones are kept until `removingAll(except:)`).
    func adding(newKeyAt now: Date) -> Keyring {
        let stamp = Timestamp.iso(now)
        let id = stamp.prefix(10).replacingOccurrences(of: "-", with: "") + "-" + UUID().uuidString.prefix(6).lowercased()
        var copy = self
        copy.keys.append(Key(id: id, created: stamp, bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }))
        copy.current = id
        return copy
    }

    func keeping(only ids: Set<String>) -> Keyring {
        var copy = self
        copy.keys.removeAll { !ids.contains($0.id) && $0.id != current }
        return copy
    }

    /// Writes the key file atomically with mode 0600.
    func save() throws {
        var text = """
            # SOR key file: the keys that seal recordings and results under data/.
            # Keep it secret (mode 0600), outside the data folder, and back it up separately:
            # without it nothing in data/ can be read. Rotate with `sor key rotate`.
            version: 1
            current: \(current)
            keys:

            """
        for key in keys {
            let material = key.bytes.base64EncodedString()
            text += "  - id: \(key.id)\n    created: \"\(key.created)\"\n    key: \(material)\n"
        }
        try FileSystem.writeAtomically(Data(text.utf8), to: path, mode: 0o600)
    }
}

/// Problems with keys and sealed files. Each message names the file and the way out.
public enum VaultError: Error, Equatable, LocalizedError, Sendable {
    case noKeyFile(path: String)
    case keyFileExists(path: String)
    case badKeyFile(path: String, detail: String)
    case unknownKey(file: String, keyID: String, keyFile: String)
    case cannotOpen(file: String, keyID: String, keyFile: String)
    case notSealed(file: String)
    case damaged(file: String, detail: String)

    public var errorDescription: String? {
        switch self {
        case .noKeyFile(let path):
            "no key file at \(path). Create one with `sor key init` (a new installation), or restore the key file "
                + "from your backup, or set security.key_file in sor.yaml to where it is."
        case .keyFileExists(let path):
            "\(path) already exists; nothing was changed. Use `sor key rotate` to replace its key."
        case .badKeyFile(let path, let detail):
            "the key file \(path) is unusable: \(detail). Restore it from your backup."
        case .unknownKey(let file, let keyID, let keyFile):
            "\(file) is sealed with key \(keyID), which \(keyFile) does not hold. Restore the key file that has this "
                + "key (from your backup); nothing was changed."
        case .cannotOpen(let file, let keyID, let keyFile):
            "\(file) cannot be opened with key \(keyID) from \(keyFile): the key file holds a different key under that "
                + "id, or the file was altered. Restore the right key file; nothing was changed."
        case .notSealed(let file):
            "\(file) is not a SOR sealed file (wrong header)"
        case .damaged(let file, let detail):
            "\(file) is damaged: \(detail). Restore it from a backup."
        }
    }
}
