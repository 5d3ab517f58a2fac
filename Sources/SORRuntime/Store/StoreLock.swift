import Foundation

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
