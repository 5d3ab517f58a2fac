import Foundation

/// What the inbox holds under a name, seen without following links, and small files read safely from it. The inbox
/// is written by people and programs SOR does not control: a symbolic link could make SOR read (and seal, and show
/// on the site) any file on the server, and a named pipe or a device like `/dev/zero` would never end.
enum InboxFile {
    enum Kind: Equatable {
        case regular(size: Int64)
        case directory
        /// Something else, in words: "a symbolic link", "a named pipe (FIFO)", "a device", "a socket".
        case other(String)
        case missing
    }

    /// The kind of `path` itself (`lstat`: a link is a link, whatever it points to).
    static func kind(_ path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular(size: Int64(info.st_size))
        case S_IFDIR: return .directory
        case S_IFLNK: return .other("a symbolic link")
        case S_IFIFO: return .other("a named pipe (FIFO)")
        case S_IFCHR, S_IFBLK: return .other("a device")
        default: return .other("a socket")
        }
    }

    /// Whether something is there under `path` (a dangling link counts: it is there, and will be refused).
    static func exists(_ path: String) -> Bool { kind(path) != .missing }

    /// Opens `path` for reading as a plain file: without following a link unless `followLinks` (a file named on the
    /// command line may be one), never blocking on a pipe, and checking what was opened, so what is read is what was
    /// checked.
    static func open(_ path: String, followLinks: Bool) throws(InboxFileError) -> (handle: FileHandle, size: Int64) {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            if errno == ELOOP { throw .notAFile(path: path, what: "a symbolic link") }
            throw .unreadable(path: path, detail: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            if case .other(let what) = kind(path) { throw .notAFile(path: path, what: what) }
            throw .notAFile(path: path, what: followLinks ? "not a plain file once its links are followed" : "not a plain file")
        }
        // Reads block again as usual: a plain file never blocks.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (FileHandle(fileDescriptor: fd, closeOnDealloc: true), Int64(info.st_size))
    }

    /// Reads a small file (a sidecar, an edit document) whole: a plain file of at most `limit` bytes.
    static func read(_ path: String, limit: Int, followLinks: Bool = false) throws(InboxFileError) -> Data {
        let (handle, size) = try open(path, followLinks: followLinks)
        defer { try? handle.close() }
        guard size <= Int64(limit) else { throw .tooLarge(path: path, size: size, limit: limit) }
        do {
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            guard data.count <= limit else { throw InboxFileError.tooLarge(path: path, size: Int64(data.count), limit: limit) }
            return data
        } catch let error as InboxFileError {
            throw error
        } catch {
            throw .unreadable(path: path, detail: error.localizedDescription)
        }
    }
}

/// Why a file in the inbox was not read.
enum InboxFileError: Error, Equatable, LocalizedError {
    case notAFile(path: String, what: String)
    case tooLarge(path: String, size: Int64, limit: Int)
    case unreadable(path: String, detail: String)

    var errorDescription: String? {
        switch self {
        case .notAFile(let path, let what):
            "\(path) is \(what), not a file; SOR takes only plain files from the inbox. Copy the file itself there."
        case .tooLarge(let path, let size, let limit):
            "\(path) is larger than \(Self.size(Int64(limit))) (\(Self.size(size))), more than such a file can be"
        case .unreadable(let path, let detail):
            "\(path) cannot be read: \(detail)"
        }
    }

    /// The reason code in `NAME.error.txt`.
    var code: String {
        switch self {
        case .notAFile: "not-a-file"
        case .tooLarge: "too-large"
        case .unreadable: "unreadable"
        }
    }

    static func size(_ bytes: Int64) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : bytes >= 1 << 10 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
    }
}
