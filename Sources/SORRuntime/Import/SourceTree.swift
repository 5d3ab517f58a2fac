import Crypto
import Foundation
import SORCore
import SORSpeech

/// Where a source's files are: a local (or mounted) monitor tree, or the same tree on the exchange over SFTP.
/// Both list the recordings under the root, fetch the CDR file, and copy one recording to a local path (flushed,
/// returning its SHA-256).
struct SourceTree {
    enum Location {
        case local(root: String)
        case sftp(SFTPClient, root: String)
    }

    let location: Location
    /// The CDR file: a local path (resolved), or the path on the exchange; empty: none.
    let cdrPath: String

    init(_ source: Config.Source, workspace: Workspace) throws {
        switch source.kind {
        case .asteriskDir:
            let root = workspace.resolve(source.path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw RuntimeError.cannotRead(path: root, detail: "source \(source.name): the monitor tree is not there (mounted?); check sources.\(source.name).path")
            }
            location = .local(root: root)
            cdrPath = source.cdr.isEmpty ? "" : workspace.resolve(source.cdr)
        case .asteriskSFTP:
            var password: String?
            if !source.passwordEnv.isEmpty {
                guard let value = ProcessInfo.processInfo.environment[source.passwordEnv], !value.isEmpty else {
                    throw RuntimeError.commandFailed(
                        command: "source \(source.name)", detail: "the environment variable \(source.passwordEnv) (sources.\(source.name).password_env) is not set; give it the SFTP password")
                }
                password = value
            } else if !source.passwordFile.isEmpty {
                let path = workspace.resolve(source.passwordFile)
                var info = stat()
                guard stat(path, &info) == 0, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw RuntimeError.cannotRead(path: path, detail: "source \(source.name): the password file cannot be read (sources.\(source.name).password_file)")
                }
                guard info.st_mode & 0o077 == 0 else {
                    throw RuntimeError.commandFailed(command: "source \(source.name)", detail: "\(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
                }
                password = text.trimmingCharacters(in: .newlines)
            }
            let knownHosts = workspace.resolve(source.knownHosts)
            guard FileManager.default.isReadableFile(atPath: knownHosts) else {
                throw RuntimeError.cannotRead(path: knownHosts, detail: "source \(source.name): the exchange's host key file is missing; make it with ssh-keyscan -p \(source.port) \(source.host) and check the key")
            }
            let client = SFTPClient(
                host: source.host, port: source.port, user: source.user, privateKey: source.keyFile.isEmpty ? nil : workspace.resolve(source.keyFile),
                password: password, knownHosts: knownHosts)
            location = .sftp(client, root: source.path)
            cdrPath = source.cdr
        }
    }

    /// Every recording under the root (FreePBX's `YYYY/MM/DD/` folders, or any depth up to six), as paths under it,
    /// sorted.
    func recordings() throws -> [String] {
        switch location {
        case .local(let root):
            guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
            var found: [String] = []
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name.hasPrefix(".") {
                    walker.skipDescendants()
                    continue
                }
                if InboxLayout.isCandidate(name), (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { found.append(relative) }
            }
            return found.sorted()
        case .sftp(let client, let root):
            var found: [String] = []
            func walk(_ relative: String, depth: Int) throws {
                let entries: [SFTPClient.Entry]
                do {
                    entries = try client.list(relative.isEmpty ? root : root + "/" + relative)
                } catch {
                    throw RuntimeError.cannotRead(path: "sftp:" + root + "/" + relative, detail: error.localizedDescription)
                }
                for entry in entries where !entry.name.hasPrefix(".") {
                    let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
                    if entry.isDirectory {
                        if depth < 6 { try walk(path, depth: depth + 1) }
                    } else if InboxLayout.isCandidate(entry.name) {
                        found.append(path)
                    }
                }
            }
            try walk("", depth: 0)
            return found.sorted()
        }
    }

    /// The CDR file, locally: the configured path itself, or a fresh download of it into `local`.
    func cdr(into local: String) throws -> String {
        switch location {
        case .local:
            return cdrPath
        case .sftp(let client, _):
            try FileManager.default.createDirectory(atPath: (local as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            do {
                try client.download(cdrPath, to: local)
            } catch {
                throw RuntimeError.cannotRead(path: "sftp:" + cdrPath, detail: error.localizedDescription)
            }
            return local
        }
    }

    /// Deletes a recording on the exchange (or the mounted tree).
    func remove(_ relative: String) throws {
        switch location {
        case .local(let root):
            guard unlink(root + "/" + relative) == 0 || errno == ENOENT else {
                throw RuntimeError.cannotWrite(path: root + "/" + relative, detail: String(cString: strerror(errno)))
            }
        case .sftp(let client, let root):
            do {
                try client.run(["rm " + Self.quoted(root + "/" + relative)])
            } catch {
                throw RuntimeError.cannotWrite(path: "sftp:" + root + "/" + relative, detail: error.localizedDescription)
            }
        }
    }

    /// Moves a recording to the same relative path under `folder` (absolute, or relative to the root's parent on
    /// a local tree), making the folders it needs.
    func move(_ relative: String, under folder: String) throws {
        switch location {
        case .local(let root):
            let base = folder.hasPrefix("/") ? folder : (root as NSString).deletingLastPathComponent + "/" + folder
            let target = base + "/" + relative
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard rename(root + "/" + relative, target) == 0 else {
                throw RuntimeError.cannotWrite(path: target, detail: String(cString: strerror(errno)))
            }
        case .sftp(let client, let root):
            let target = folder + "/" + relative
            var folders: [String] = []
            var current = folder
            for part in (relative as NSString).deletingLastPathComponent.split(separator: "/") {
                current += "/" + part
                folders.append(current)
            }
            // `*` lets a mkdir of a folder that exists fail without failing the command.
            let commands = (["*mkdir " + Self.quoted(folder)] + folders.map { "*mkdir " + Self.quoted($0) })
                + ["rename " + Self.quoted(root + "/" + relative) + " " + Self.quoted(target)]
            do {
                try client.run(commands)
            } catch {
                throw RuntimeError.cannotWrite(path: "sftp:" + target, detail: error.localizedDescription)
            }
        }
    }

    /// A path as libcurl's SFTP quote commands take it.
    static func quoted(_ path: String) -> String { "\"" + path.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

    /// Copies one recording to `target` (flushed) and returns its SHA-256.
    func fetch(_ relative: String, to target: String) throws -> String {
        switch location {
        case .local(let root):
            let path = root + "/" + relative
            guard let input = FileHandle(forReadingAtPath: path) else {
                throw RuntimeError.cannotRead(path: path, detail: FileManager.default.fileExists(atPath: path) ? "it cannot be opened (permissions?)" : "it vanished before it was copied")
            }
            defer { try? input.close() }
            var hasher = SHA256()
            try FileSystem.writeStreaming(to: target, mode: 0o640) { write in
                while true {
                    let chunk = try input.read(upToCount: 1 << 20) ?? Data()
                    if chunk.isEmpty { break }
                    hasher.update(data: chunk)
                    try write(chunk)
                }
            }
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        case .sftp(let client, let root):
            do {
                try client.download(root + "/" + relative, to: target)
            } catch {
                unlink(target)
                throw RuntimeError.cannotRead(path: "sftp:" + root + "/" + relative, detail: error.localizedDescription)
            }
            let fd = open(target, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
            return try Pipeline.hash(target, followLinks: false, limit: .max).0
        }
    }
}
