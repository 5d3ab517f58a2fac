import Crypto
import Foundation

/// The sealed file format (see `Vault`): the header, the chunk sealer and the streaming seal and open.
extension Vault {

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

    func seal(reader: ChunkReader, keyID: String, emit: (Data) throws -> Void) throws {
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

    func open(reader: ChunkReader, file: String, emit: (Data) throws -> Void) throws {
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
