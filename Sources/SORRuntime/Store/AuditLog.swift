import Crypto
import Foundation

/// One line of the audit log: a state change, who caused it, and its outcome.
public struct AuditEvent: Codable, Sendable, Equatable {
    /// Position in the log, from 1, continuous across the monthly files.
    public var seq: Int
    public var time: String
    /// `watcher` for what sor does by itself, `user:<name>` for a person on the site, `cli:<login>` for a command.
    public var actor: String
    /// `ingest`, `claim`, `process`, `quarantine`, `duplicate`, `edit`, `rescore`, `export`, `delete`, `archive`,
    /// `key-init`, `key-rotate`, ….
    public var action: String
    public var call: String?
    /// `ok`, `applied`, `rejected`, `failed`, ….
    public var outcome: String
    public var detail: [String: String]?
    /// The hash of the line before (64 zeros for the first line).
    public var prev: String
    /// SHA-256 of this line's JSON without the `hash` and `mac` fields.
    public var hash: String?
    /// HMAC-SHA256 of the same JSON under the audit key, which is kept outside `data/`: who can write `data/` but
    /// not the key folder cannot write a line that verifies. Absent on lines written before SOR authenticated them.
    public var mac: String?
}

/// Problems `sor audit verify` finds; each names the file and line.
public struct AuditProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// The append-only, hash-chained and authenticated audit log: `data/audit/YYYY-MM.jsonl`, one JSON object per
/// line, each carrying the hash of the line before, its own hash and an HMAC under the audit key. Changing,
/// removing, reordering or inserting a line breaks the chain; recomputing the chain without the key breaks the
/// MACs; cutting lines off the end is caught by the anchor, the last line's seq and hash kept beside the key
/// (outside `data/`, see `keyDirectory`), and by `HEAD` beside the log.
///
/// Appends from several processes (the watcher, `sor calls delete`, `sor key rotate`) are serialised by `flock`.
/// An append that cannot be written throws, and the caller does not do the action it records.
public struct AuditLog: Sendable {
    public let directory: String
    /// The folder of the key file: it holds `audit.key` (the HMAC key, mode 0600) and `audit.anchor`. It is kept
    /// apart from `data/` and backed up with the key file; `var/` would not do, being scratch that may be wiped.
    public let keyDirectory: String
    public let now: @Sendable () -> Date
    static let genesis = String(repeating: "0", count: 64)

    public init(directory: String, keyDirectory: String, now: @escaping @Sendable () -> Date = Date.init) {
        self.directory = directory
        self.keyDirectory = keyDirectory
        self.now = now
    }

    var keyPath: String { keyDirectory + "/audit.key" }
    var anchorPath: String { keyDirectory + "/audit.anchor" }
    var headPath: String { directory + "/HEAD" }

    /// The actor for a command run by a person at the shell: the login of the real user id. Not `$USER` or
    /// `$SUDO_USER`, which whoever runs the command can set to any name.
    public static var commandLineActor: String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return "cli:" + String(cString: name) }
        return "cli:uid\(getuid())"
    }

    /// What one event says, before the log numbers, chains and signs it.
    public struct Record: Sendable {
        public var actor: String
        public var action: String
        public var call: String?
        public var outcome: String
        public var detail: [String: String]?

        public init(actor: String, action: String, call: String? = nil, outcome: String = "ok", detail: [String: String]? = nil) {
            self.actor = actor
            self.action = action
            self.call = call
            self.outcome = outcome
            self.detail = detail
        }
    }

    /// Appends one event; returns it with its sequence number, hash and MAC. Throws when the line cannot be written
    /// (the caller must then not do what it records).
    @discardableResult
    public func append(
        actor: String, action: String, call: String? = nil, outcome: String = "ok", detail: [String: String]? = nil
    ) throws -> AuditEvent {
        try append([Record(actor: actor, action: action, call: call, outcome: outcome, detail: detail)])[0]
    }

    /// Appends events in order under one lock and one flush (what `sor audit ingest` reads from nginx's log comes
    /// in thousands); returns them numbered, hashed and signed. Nothing of a batch that throws is in the chain's
    /// anchor, so `sor audit verify` stays right about what was written.
    @discardableResult
    public func append(_ records: [Record]) throws -> [AuditEvent] {
        guard !records.isEmpty else { return [] }
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lockFD = open(directory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw RuntimeError.cannotWrite(path: directory + "/.lock", detail: String(cString: strerror(errno))) }
        defer { close(lockFD) }
        flock(lockFD, LOCK_EX)
        defer { flock(lockFD, LOCK_UN) }

        let tail = try lastLine()
        let anchor = try readAnchor()
        let key = try key(creating: anchor == nil && tail.event?.mac == nil)
        // Continue from the last line if it is authentic and not behind the anchor; else from the anchor (the log's
        // end was cut or garbled: the gap stays visible to `sor audit verify`, and auditing goes on).
        var previous: (seq: Int, hash: String)?
        if let last = tail.event, let hash = last.hash, Self.authentic(last, line: tail.line, key: key) || (last.mac == nil && anchor == nil),
            last.seq >= (anchor?.seq ?? 0)
        {
            previous = (last.seq, hash)
        } else if let anchor {
            previous = anchor
        } else if tail.event != nil || tail.garbage {
            throw RuntimeError.corruptResult(
                path: directory, detail: "its last line is not an authentic audit record and there is no anchor to continue from; run `sor audit verify`")
        }
        let stamp = Timestamp.iso(now())
        var events: [AuditEvent] = []
        var lines = Data()
        for record in records {
            var event = AuditEvent(
                seq: (previous?.seq ?? 0) + 1, time: stamp, actor: record.actor, action: record.action, call: record.call,
                outcome: record.outcome, detail: record.detail?.isEmpty == true ? nil : record.detail, prev: previous?.hash ?? Self.genesis,
                hash: nil, mac: nil)
            lines.append(try Self.line(for: &event, key: key))
            previous = (event.seq, event.hash!)
            events.append(event)
        }
        let path = directory + "/" + stamp.prefix(7) + ".jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        let written = lines.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard written == lines.count, fsync(fd) == 0 else {
            throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(errno)))
        }
        let mark = Data("\(events.last!.seq) \(events.last!.hash!)\n".utf8)
        try FileSystem.writeAtomically(mark, to: anchorPath, mode: 0o600)
        try FileSystem.writeAtomically(mark, to: headPath)
        return events
    }

    /// The line for an event: its JSON (sorted keys) with the hash and the MAC of that JSON appended.
    static func line(for event: inout AuditEvent, key: SymmetricKey) throws -> Data {
        event.hash = nil
        event.mac = nil
        let body = try encoder.encode(event)
        let hash = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key).map { String(format: "%02x", $0) }.joined()
        event.hash = hash
        event.mac = mac
        var line = body.dropLast()
        line.append(Data(",\"hash\":\"\(hash)\",\"mac\":\"\(mac)\"}\n".utf8))
        return Data(line)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The JSON a line's hash and MAC cover: the line without its `hash` (and `mac`) fields.
    static func body(of line: Data, event: AuditEvent) -> Data? {
        guard let hash = event.hash else { return nil }
        let tail = Data((",\"hash\":\"\(hash)\"" + (event.mac.map { ",\"mac\":\"\($0)\"" } ?? "") + "}").utf8)
        guard line.count > tail.count, line.suffix(tail.count) == tail else { return nil }
        var body = Data(line.prefix(line.count - tail.count))
        body.append(UInt8(ascii: "}"))
        return body
    }

    /// Whether a line carries a MAC that the key confirms.
    static func authentic(_ event: AuditEvent, line: Data?, key: SymmetricKey?) -> Bool {
        guard let key, let line, let mac = event.mac, let body = body(of: line, event: event) else { return false }
        let expected = HMAC<SHA256>.authenticationCode(for: body, using: key).map { String(format: "%02x", $0) }.joined()
        return expected == mac
    }

    /// The audit key; created (mode 0600) only for a log that has never been authenticated, so a deleted key is
    /// an error, not a fresh start.
    func key(creating allowed: Bool) throws -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: keyPath) {
            guard let bytes = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                bytes.count == 32
            else { throw RuntimeError.corruptResult(path: keyPath, detail: "it is not 32 bytes of base64") }
            try Keyring.checkPermissions(keyPath)
            return SymmetricKey(data: bytes)
        }
        guard allowed else {
            throw RuntimeError.cannotRead(
                path: keyPath, detail: "the audit key is missing, but the log was authenticated with it; restore it from the backup of the key folder")
        }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try FileManager.default.createDirectory(atPath: keyDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileSystem.writeAtomically(Data((bytes.base64EncodedString() + "\n").utf8), to: keyPath, mode: 0o600)
        return SymmetricKey(data: bytes)
    }

    /// The key if it is there and usable (for `verify`).
    func existingKey() -> SymmetricKey? { FileManager.default.fileExists(atPath: keyPath) ? try? key(creating: false) : nil }

    /// `audit.anchor`: nil when absent; an error when unreadable.
    func readAnchor() throws -> (seq: Int, hash: String)? {
        try Self.readMark(anchorPath)
    }

    static func readMark(_ path: String) throws -> (seq: Int, hash: String)? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError.cannotRead(path: path, detail: "permission denied")
        }
        let parts = String(decoding: data, as: UTF8.self).split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard parts.count == 2, let seq = Int(parts[0]), parts[1].count == 64 else {
            throw RuntimeError.corruptResult(path: path, detail: "it is not `SEQ HASH`")
        }
        return (seq, parts[1])
    }

    /// The monthly files in order.
    func files() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") && !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
    }

    /// The last complete line of the newest file, decoded (`garbage` when it is not an audit record). A line cut
    /// short by a crash mid-write is cut off (it was never part of the chain), so the next append continues from
    /// the last whole line.
    private func lastLine() throws -> (event: AuditEvent?, line: Data?, garbage: Bool) {
        for path in files().reversed() {
            guard let handle = FileHandle(forUpdatingAtPath: path) else { continue }
            defer { try? handle.close() }
            let size = try handle.seekToEnd()
            if size == 0 { continue }
            var window: UInt64 = 4096
            while true {
                let start = size > window ? size - window : 0
                try handle.seek(toOffset: start)
                let tail = try handle.readToEnd() ?? Data()
                var lines = tail.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                if tail.last != UInt8(ascii: "\n") {
                    // A torn last line: cut it off.
                    let torn = lines.removeLast()
                    try handle.truncate(atOffset: size - UInt64(torn.count))
                    return try lastLine()
                }
                lines.removeLast()  // the empty piece after the final newline
                if let last = lines.last, start == 0 || lines.count >= 2 {
                    let line = Data(last)
                    guard let event = try? JSONDecoder().decode(AuditEvent.self, from: line), event.hash != nil else {
                        return (nil, line, true)
                    }
                    return (event, line, false)
                }
                window *= 4
            }
        }
        return (nil, nil, false)
    }

    /// Reads every event in order (without checking the chain).
    public func events() -> [AuditEvent] {
        var events: [AuditEvent] = []
        for path in files() {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                if let event = try? JSONDecoder().decode(AuditEvent.self, from: Data(line.utf8)) { events.append(event) }
            }
        }
        return events
    }
}
