import Foundation

/// Small, careful file operations: results become visible whole or not at all.
enum FileSystem {
    /// Writes `data` to a temporary file beside `path`, flushes it to disk and renames it into place.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = directory + "/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(errno))) }
        var offset = 0
        let ok = data.withUnsafeBytes { buffer -> Bool in
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard ok, synced, rename(temporary, path) == 0 else {
            let detail = String(cString: strerror(errno))
            unlink(temporary)
            throw RuntimeError.cannotWrite(path: path, detail: detail)
        }
    }

    /// Moves a file, falling back to copy + delete across file systems; never overwrites an existing file.
    static func move(_ source: String, to destination: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if rename(source, destination) == 0 { return }
        try fm.copyItem(atPath: source, toPath: destination)
        try fm.removeItem(atPath: source)
    }

    /// `path`, or `path` with ` (2)`, ` (3)`… before the extension when it exists, so nothing is overwritten.
    static func freePath(_ path: String) -> String {
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else { return path }
        let base = (path as NSString).deletingPathExtension
        let ext = (path as NSString).pathExtension
        for index in 2... {
            let candidate = ext.isEmpty ? "\(base) (\(index))" : "\(base) (\(index)).\(ext)"
            if !fm.fileExists(atPath: candidate) { return candidate }
        }
        fatalError("unreachable")
    }

    /// Whether `path` lies inside `directory`.
    static func isInside(_ path: String, _ directory: String) -> Bool {
        let file = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let folder = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        return file.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }
}
