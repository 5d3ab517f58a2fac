import Foundation

/// Small, careful file operations: results become visible whole or not at all.
enum FileSystem {
    /// Writes `data` to a temporary file beside `path`, flushes it to disk and renames it into place.
    static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o644, sync: Bool = true) throws {
        try writeStreaming(to: path, mode: mode, sync: sync) { write in try write(data) }
    }

    /// Flushes everything written (after many writes made with `sync: false`): one `sync()` instead of an
    /// fsync per file. (`syncfs` would limit it to one file system but is a GNU extension Glibc's module hides.)
    static func syncDirectoryTree(_ path: String) {
        sync()
    }

    /// Like `writeAtomically`, for content produced piece by piece: `body` is given a function that appends.
    static func writeStreaming(to path: String, mode: mode_t = 0o644, sync: Bool = true, _ body: (_ write: (Data) throws -> Void) throws -> Void) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = directory + "/.\((path as NSString).lastPathComponent).\(getpid()).\(UUID().uuidString.prefix(8)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(errno))) }
        fchmod(fd, mode)
        do {
            try body { data in
                var offset = 0
                let failure: Int32? = data.withUnsafeBytes { buffer in
                    while offset < buffer.count {
                        let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                        if written <= 0 { return errno }
                        offset += written
                    }
                    return nil
                }
                if let failure { throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(failure))) }
            }
            guard !sync || fsync(fd) == 0 else { throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(errno))) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let detail = String(cString: strerror(errno))
            unlink(temporary)
            throw RuntimeError.cannotWrite(path: path, detail: detail)
        }
    }

    /// Claims a free name for a new file: `path`, or `path` with ` (2)`, ` (3)`… before the extension. The name is
    /// created empty with O_EXCL, so two workers never get the same one; fill it with `replace` or `copy(_:over:)`.
    static func reserve(_ path: String) throws -> String {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let base = (path as NSString).deletingPathExtension
        let ext = (path as NSString).pathExtension
        for index in 1...10_000 {
            let candidate = index == 1 ? path : (ext.isEmpty ? "\(base) (\(index))" : "\(base) (\(index)).\(ext)")
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd >= 0 {
                close(fd)
                return candidate
            }
            if errno != EEXIST { throw RuntimeError.cannotWrite(path: candidate, detail: String(cString: strerror(errno))) }
        }
        throw RuntimeError.cannotWrite(path: path, detail: "10 000 files of that name already exist")
    }

    /// Moves `source` onto a name made by `reserve` (rename replaces the empty placeholder atomically).
    static func replace(_ reserved: String, with source: String) throws {
        if rename(source, reserved) == 0 { return }
        try copy(source, over: reserved)
        try FileManager.default.removeItem(atPath: source)
    }

    /// Copies `source` onto a name made by `reserve`, via a temporary file so the name never holds half a copy.
    static func copy(_ source: String, over reserved: String) throws {
        let temporary = reserved + ".\(UUID().uuidString.prefix(8)).copying"
        try FileManager.default.copyItem(atPath: source, toPath: temporary)
        guard rename(temporary, reserved) == 0 else {
            let detail = String(cString: strerror(errno))
            unlink(temporary)
            throw RuntimeError.cannotWrite(path: reserved, detail: detail)
        }
    }

    /// Whether `path` lies inside `directory`.
    static func isInside(_ path: String, _ directory: String) -> Bool {
        let file = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let folder = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        return file.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }
}
