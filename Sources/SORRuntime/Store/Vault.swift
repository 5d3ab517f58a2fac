import Crypto
import Foundation

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
