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
    /// SHA-256 of this line's JSON without the `hash` field.
    public var hash: String?
}

/// Problems `sor audit verify` finds; each names the file and line.
public struct AuditProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// The append-only, hash-chained audit log: `data/audit/YYYY-MM.jsonl`, one JSON object per line, each carrying the
/// hash of the line before and its own. Changing, removing or reordering any line breaks the chain; `HEAD` records
/// the last line so that cutting lines off the end is detected too.
///
/// Appends from several processes (the watcher, `sor calls delete`, `sor key rotate`) are serialised by `flock`.
public struct AuditLog: Sendable {
    public let directory: String
    public let now: @Sendable () -> Date
    static let genesis = String(repeating: "0", count: 64)

    public init(directory: String, now: @escaping @Sendable () -> Date = Date.init) {
        self.directory = directory
        self.now = now
    }

    /// The actor for a command run by a person at the shell.
    public static var commandLineActor: String {
        let environment = ProcessInfo.processInfo.environment
        if let login = environment["SUDO_USER"] ?? environment["USER"], !login.isEmpty { return "cli:" + login }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return "cli:" + String(cString: name) }
        return "cli:uid\(geteuid())"
    }

    /// Appends one event; returns it with its sequence number and hashes.
    @discardableResult
    public func append(
        actor: String, action: String, call: String? = nil, outcome: String = "ok", detail: [String: String]? = nil
    ) throws -> AuditEvent {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lockFD = open(directory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw RuntimeError.cannotWrite(path: directory + "/.lock", detail: String(cString: strerror(errno))) }
        defer { close(lockFD) }
        flock(lockFD, LOCK_EX)
        defer { flock(lockFD, LOCK_UN) }

        let last = try lastEvent()
        let time = now()
        let stamp = Timestamp.iso(time)
        var event = AuditEvent(
            seq: (last?.seq ?? 0) + 1, time: stamp, actor: actor, action: action, call: call, outcome: outcome,
            detail: detail?.isEmpty == true ? nil : detail, prev: last?.hash ?? Self.genesis, hash: nil)
        let line = try Self.line(for: &event)
        let path = directory + "/" + stamp.prefix(7) + ".jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard written == line.count, fsync(fd) == 0 else {
            throw RuntimeError.cannotWrite(path: path, detail: String(cString: strerror(errno)))
        }
        try FileSystem.writeAtomically(Data("\(event.seq) \(event.hash!)\n".utf8), to: directory + "/HEAD")
        return event
    }

    /// The line for an event: its JSON (sorted keys) with the hash of that JSON appended as the last field.
    static func line(for event: inout AuditEvent) throws -> Data {
        event.hash = nil
        let body = try encoder.encode(event)
        let hash = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        event.hash = hash
        var line = body.dropLast()
        line.append(Data(",\"hash\":\"\(hash)\"}\n".utf8))
        return Data(line)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The monthly files in order.
    func files() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") && !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
    }

    /// The last complete line of the newest file. A line cut short by a crash mid-write is cut off (it was never
    /// part of the chain), so the next append continues from the last whole line.
    private func lastEvent() throws -> AuditEvent? {
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
                    return try lastEvent()
                }
                lines.removeLast()  // the empty piece after the final newline
                if let last = lines.last, start == 0 || lines.count >= 2 {
                    guard let event = try? JSONDecoder().decode(AuditEvent.self, from: Data(last)), event.hash != nil else {
                        throw RuntimeError.corruptResult(
                            path: path, detail: "its last line is not an audit record, so the chain cannot continue; run `sor audit verify`")
                    }
                    return event
                }
                window *= 4
            }
        }
        return nil
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

    /// Checks the whole chain; returns the number of lines checked and every problem found.
    public func verify() -> (lines: Int, problems: [AuditProblem]) {
        var problems: [AuditProblem] = []
        var previousHash = Self.genesis
        var previousSeq = 0
        var count = 0
        let suffixLength = ",\"hash\":\"".count + 64 + "\"}".count
        for path in files() {
            let name = (path as NSString).lastPathComponent
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append(AuditProblem(file: name, line: 0, message: "cannot be read"))
                continue
            }
            if !data.isEmpty && data.last != UInt8(ascii: "\n") {
                problems.append(AuditProblem(file: name, line: 0, message: "the last line is incomplete"))
            }
            for (index, raw) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
                count += 1
                let number = index + 1
                let line = Data(raw)
                guard line.count > suffixLength,
                    let event = try? JSONDecoder().decode(AuditEvent.self, from: line), let hash = event.hash
                else {
                    problems.append(AuditProblem(file: name, line: number, message: "not an audit record"))
                    continue
                }
                var body = Data(line.prefix(line.count - suffixLength))
                body.append(UInt8(ascii: "}"))
                let actual = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
                let expectedTail = Data(",\"hash\":\"\(hash)\"}".utf8)
                if actual != hash || line.suffix(expectedTail.count) != expectedTail {
                    problems.append(AuditProblem(file: name, line: number, message: "altered: its content does not match its hash (seq \(event.seq))"))
                }
                if event.prev != previousHash {
                    problems.append(AuditProblem(
                        file: name, line: number,
                        message: "the chain is broken before seq \(event.seq): a line was removed, inserted or reordered here (previous seq \(previousSeq))"))
                }
                if event.seq != previousSeq + 1 {
                    problems.append(AuditProblem(file: name, line: number, message: "sequence jumps from \(previousSeq) to \(event.seq)"))
                }
                previousHash = hash
                previousSeq = event.seq
            }
        }
        if let head = try? String(contentsOfFile: directory + "/HEAD", encoding: .utf8) {
            let parts = head.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if parts.count == 2, let seq = Int(parts[0]) {
                if seq > previousSeq {
                    problems.append(AuditProblem(file: "HEAD", line: 1, message: "the log ends at seq \(previousSeq) but HEAD records seq \(seq): lines were removed from the end"))
                } else if seq == previousSeq && parts[1] != previousHash {
                    problems.append(AuditProblem(file: "HEAD", line: 1, message: "the last line (seq \(seq)) is not the one HEAD records: it was replaced"))
                }
            }
        } else if count > 0 {
            problems.append(AuditProblem(file: "HEAD", line: 0, message: "missing"))
        }
        return (count, problems)
    }
}
