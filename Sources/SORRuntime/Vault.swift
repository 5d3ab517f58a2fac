import Crypto
import Foundation

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
            throw VaultError.badKeyFile(path: path, detail: "it is not a SOR key file (\(error))")
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
        let stamp = Pipeline.iso(now)
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

/// AES-256-GCM sealing of whole files, streamed in 1 MiB chunks so a two-hour recording never sits in memory.
///
/// Layout: `SORSEAL1`, key-id length (1 byte), key id, chunk size (4 bytes, big-endian), an 8-byte random nonce
/// prefix; then each chunk's ciphertext followed by its 16-byte tag. Chunk *i* uses the nonce prefix + *i*
/// (4 bytes), and authenticates the header plus a final-chunk flag, so chunks cannot be reordered, dropped or
/// truncated, and the key id cannot be swapped, without the tag failing.
public struct Vault: Sendable {
    public let keyring: Keyring
    static let magic = Data("SORSEAL1".utf8)
    static let chunkSize = 1 << 20
    static let tagSize = 16
    /// Suffix of sealed files on disk: `transcript.json` is stored as `transcript.json.sealed`.
    public static let suffix = ".sealed"

    public init(keyring: Keyring) {
        self.keyring = keyring
    }

    // MARK: Whole values

    public func seal(_ plaintext: Data) throws -> Data {
        var output = Data()
        try seal(reader: ChunkReader(data: plaintext), keyID: keyring.current) { output.append($0) }
        return output
    }

    /// Opens sealed bytes; `file` names them in errors.
    public func open(_ sealed: Data, file: String) throws -> Data {
        var output = Data()
        try open(reader: ChunkReader(data: sealed), file: file) { output.append($0) }
        return output
    }

    /// Reads and opens a sealed file.
    public func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError.cannotRead(path: path, detail: "missing or not readable")
        }
        return try open(data, file: path)
    }

    /// Seals `data` into `path` atomically (temporary file, fsync, rename).
    public func write(_ data: Data, to path: String, sync: Bool = true) throws {
        try FileSystem.writeAtomically(try seal(data), to: path, sync: sync)
    }

    // MARK: Files, streamed

    /// Seals the file at `source` into `target` (atomically); memory stays at two chunks.
    public func sealFile(_ source: String, to target: String, keyID: String? = nil) throws {
        guard let input = FileHandle(forReadingAtPath: source) else {
            throw RuntimeError.cannotRead(path: source, detail: "missing or not readable")
        }
        defer { try? input.close() }
        try FileSystem.writeStreaming(to: target) { write in
            try seal(reader: ChunkReader(handle: input), keyID: keyID ?? keyring.current, emit: write)
        }
    }

    /// Opens the sealed file at `source` into plaintext at `target` (atomically).
    public func openFile(_ source: String, to target: String, mode: mode_t = 0o644) throws {
        guard let input = FileHandle(forReadingAtPath: source) else {
            throw RuntimeError.cannotRead(path: source, detail: "missing or not readable")
        }
        defer { try? input.close() }
        try FileSystem.writeStreaming(to: target, mode: mode) { write in
            try open(reader: ChunkReader(handle: input), file: source, emit: write)
        }
    }

    /// Re-seals a file under the current key (atomically); returns false when it already was.
    public func reseal(_ path: String) throws -> Bool {
        let keyID = try Self.keyID(of: path)
        guard keyID != keyring.current else { return false }
        guard let input = FileHandle(forReadingAtPath: path) else { throw RuntimeError.cannotRead(path: path, detail: "not readable") }
        defer { try? input.close() }
        try FileSystem.writeStreaming(to: path) { write in
            // Opened chunk by chunk and sealed again as it goes; the old file stays until the rename.
            var pending = Data()
            var sealer = Sealer(key: keyring.currentKey)
            try write(sealer.header.bytes)
            try open(reader: ChunkReader(handle: input), file: path) { plain in
                pending.append(plain)
                while pending.count > Self.chunkSize {
                    try write(sealer.chunk(pending.prefix(Self.chunkSize), final: false))
                    pending = Data(pending.dropFirst(Self.chunkSize))
                }
            }
            try write(sealer.chunk(pending, final: true))
        }
        return true
    }

    /// The id of the key that sealed the file at `path`.
    public static func keyID(of path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RuntimeError.cannotRead(path: path, detail: "not readable") }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 9 + 255)) ?? Data()
        return try Header.parse(head, file: path).keyID
    }

    // MARK: The format

    struct Header {
        var keyID: String
        var chunkSize: Int
        var noncePrefix: Data
        var bytes: Data

        init(keyID: String, noncePrefix: Data) {
            self.keyID = keyID
            self.chunkSize = Vault.chunkSize
            self.noncePrefix = noncePrefix
            var bytes = Vault.magic
            bytes.append(UInt8(keyID.utf8.count))
            bytes.append(contentsOf: Array(keyID.utf8))
            withUnsafeBytes(of: UInt32(chunkSize).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(noncePrefix)
            self.bytes = bytes
        }

        static func parse(_ data: Data, file: String) throws -> Header {
            let bytes = [UInt8](data)
            guard bytes.count >= 9, Data(bytes[0..<8]) == Vault.magic else { throw VaultError.notSealed(file: file) }
            let length = Int(bytes[8])
            guard bytes.count >= 9 + length + 12 else { throw VaultError.damaged(file: file, detail: "the header is cut short") }
            let keyID = String(decoding: bytes[9..<(9 + length)], as: UTF8.self)
            let size = bytes[(9 + length)..<(13 + length)].reduce(0) { $0 << 8 | Int($1) }
            guard size == Vault.chunkSize else { throw VaultError.damaged(file: file, detail: "unsupported chunk size \(size)") }
            return Header(keyID: keyID, noncePrefix: Data(bytes[(13 + length)..<(21 + length)]))
        }

        var length: Int { bytes.count }
    }

    /// Seals chunk after chunk under one header.
    struct Sealer {
        let key: SymmetricKey
        let header: Header
        var index: UInt32 = 0

        init(key: Keyring.Key) {
            self.key = key.material
            self.header = Header(keyID: key.id, noncePrefix: Data((0..<8).map { _ in UInt8.random(in: 0...255) }))
        }

        mutating func chunk(_ plain: Data, final: Bool) throws -> Data {
            let box = try AES.GCM.seal(
                plain, using: key, nonce: Vault.nonce(header.noncePrefix, index),
                authenticating: header.bytes + [final ? 1 : 0])
            index += 1
            return box.ciphertext + box.tag
        }
    }

    static func nonce(_ prefix: Data, _ index: UInt32) throws -> AES.GCM.Nonce {
        var bytes = prefix
        withUnsafeBytes(of: index.bigEndian) { bytes.append(contentsOf: $0) }
        return try AES.GCM.Nonce(data: bytes)
    }

    private func seal(reader: ChunkReader, keyID: String, emit: (Data) throws -> Void) throws {
        guard let key = keyring.key(keyID) else { throw VaultError.unknownKey(file: "(new file)", keyID: keyID, keyFile: keyring.path) }
        var sealer = Sealer(key: key)
        try emit(sealer.header.bytes)
        var current = try reader.next(Self.chunkSize)
        while true {
            let following = try reader.next(Self.chunkSize)
            let final = following.isEmpty
            try emit(sealer.chunk(current, final: final))
            if final { return }
            current = following
        }
    }

    private func open(reader: ChunkReader, file: String, emit: (Data) throws -> Void) throws {
        let start = try reader.next(9 + 255 + 12, peek: true)
        let header = try Header.parse(start, file: file)
        _ = try reader.next(header.length)
        guard let key = keyring.key(header.keyID) else {
            throw VaultError.unknownKey(file: file, keyID: header.keyID, keyFile: keyring.path)
        }
        let stride = Self.chunkSize + Self.tagSize
        var current = try reader.next(stride)
        var index: UInt32 = 0
        while true {
            guard current.count >= Self.tagSize else { throw VaultError.damaged(file: file, detail: "it is cut short") }
            let following = try reader.next(stride)
            let final = following.isEmpty
            let plain: Data
            do {
                let box = try AES.GCM.SealedBox(
                    nonce: Self.nonce(header.noncePrefix, index), ciphertext: current.dropLast(Self.tagSize),
                    tag: current.suffix(Self.tagSize))
                plain = try AES.GCM.open(box, using: key.material, authenticating: header.bytes + [final ? 1 : 0])
            } catch {
                // The first chunk failing means the wrong key (or a rewritten file); a later one means damage.
                if index == 0 {
                    throw VaultError.cannotOpen(file: file, keyID: header.keyID, keyFile: keyring.path)
                }
                throw VaultError.damaged(file: file, detail: "chunk \(index) does not authenticate (altered or cut short)")
            }
            try emit(plain)
            if final { return }
            current = following
            index += 1
        }
    }
}

/// Reads fixed-size pieces from memory or a file handle, with a one-piece look-ahead for `peek`.
final class ChunkReader {
    private var data: Data?
    private var offset = 0
    private let handle: FileHandle?
    private var buffer = Data()

    init(data: Data) {
        self.data = data
        self.handle = nil
    }

    init(handle: FileHandle) {
        self.data = nil
        self.handle = handle
    }

    /// Up to `count` bytes; empty at the end. With `peek`, the bytes are returned and read again next time.
    func next(_ count: Int, peek: Bool = false) throws -> Data {
        while buffer.count < count {
            let more: Data
            if let data {
                let end = min(data.count, offset + (count - buffer.count))
                more = data.subdata(in: data.startIndex + offset..<data.startIndex + end)
                offset = end
            } else {
                more = try handle?.read(upToCount: count - buffer.count) ?? Data()
            }
            if more.isEmpty { break }
            buffer.append(more)
        }
        let piece = buffer.prefix(count)
        if !peek { buffer = Data(buffer.dropFirst(piece.count)) }
        return Data(piece)
    }
}

extension Vault {
    /// `data/key-check.sealed`: a small sealed file that proves the key file matches the store before anything
    /// is read or written. Created with the first key; re-sealed by rotation.
    public static func checkFile(in dataDirectory: String) -> String { dataDirectory + "/key-check" + suffix }

    /// Fails, touching nothing, when the key file cannot open this store; creates the check file in a new store.
    public func check(dataDirectory: String) throws {
        let path = Self.checkFile(in: dataDirectory)
        if FileManager.default.fileExists(atPath: path) {
            _ = try read(path)
        } else {
            try write(Data("SOR key check\n".utf8), to: path)
        }
    }
}

/// One writing process at a time per store (`sor watch`, `sor process`, `sor key rotate`): an exclusive `flock` on
/// `data/.lock`, which names its holder so the refusal can say who.
public final class StoreLock {
    private let fd: Int32

    public init(dataDirectory: String, purpose: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let path = dataDirectory + "/.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw RuntimeError.commandFailed(
                command: purpose,
                detail: "the store \(dataDirectory) is in use by \(holder.isEmpty ? "another sor process" : holder); "
                    + "wait for it to finish or stop it (a running `sor watch` processes whatever is dropped into the inbox)")
        }
        ftruncate(fd, 0)
        let note = "\(purpose) (pid \(getpid()))\n"
        _ = note.withCString { write(fd, $0, strlen($0)) }
    }

    deinit { close(fd) }
}
