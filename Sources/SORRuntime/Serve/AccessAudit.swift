import Foundation
import SORCore

/// Who saw what: nginx's access log (`var/nginx/access.log`, one JSON line per request, written by the generated
/// configuration) read into the audit trail.
///
/// Kept of each request is what a data protection officer asks about: a call's page opened (`view`), its recording
/// played (`listen`, the player's range requests within ten minutes counted once), a PDF, spreadsheet or CSV
/// fetched (`download`), a read refused by role (outcome `refused`), and a sign-in with a wrong password or an
/// unknown login (`login-failed`). Assets, data files and the search index are not: they say nothing a page view
/// does not. Where reading stopped is kept in `var/nginx/audit-position.json` (the file's inode and offset), so
/// each line is ingested once; a log rotated since (`access.log.1`, logrotate's default) is read to its end first.
public struct AccessAudit: Sendable {
    public let workspace: Workspace
    public let audit: AuditLog

    public init(workspace: Workspace, audit: AuditLog) {
        self.workspace = workspace
        self.audit = audit
    }

    var logPath: String { workspace.work + "/nginx/access.log" }
    var positionPath: String { workspace.work + "/nginx/audit-position.json" }

    /// What one run found.
    public struct Outcome: Sendable, Equatable {
        public var lines = 0
        public var recorded = 0
        public var unreadable = 0
    }

    /// One line of nginx's log, as `log_format sor` writes it.
    struct Request: Decodable {
        var time: String
        var user: String
        var address: String
        var method: String
        var uri: String
        var status: Int
        var bytes: Int
    }

    struct Position: Codable, Equatable {
        var inode: UInt64
        var offset: UInt64
    }

    /// Reads what was logged since the last run into the audit trail.
    @discardableResult
    public func ingest() throws -> Outcome {
        var outcome = Outcome()
        let saved = (FileManager.default.contents(atPath: positionPath)).flatMap { try? JSONDecoder().decode(Position.self, from: $0) }
        var text = Data()
        // The log was rotated since the last run: the rest of the old file first.
        if let saved, Self.inode(logPath) != saved.inode, Self.inode(logPath + ".1") == saved.inode {
            text.append(try Self.read(logPath + ".1", from: saved.offset).data)
        }
        guard let inode = Self.inode(logPath) else {
            if !text.isEmpty { try record(text, into: &outcome) }
            return outcome
        }
        let start = saved?.inode == inode ? saved!.offset : 0
        let (data, end) = try Self.read(logPath, from: start)
        text.append(data)
        try record(text, into: &outcome)
        let position = try JSONEncoder().encode(Position(inode: inode, offset: end))
        try FileSystem.writeAtomically(position, to: positionPath, mode: 0o600)
        return outcome
    }

    /// Appends the events of these lines (complete lines only: `read` stops at the last newline).
    private func record(_ text: Data, into outcome: inout Outcome) throws {
        var records: [AuditLog.Record] = []
        var lastListen: [String: Date] = [:]
        let decoder = JSONDecoder()
        for line in text.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            outcome.lines += 1
            guard let request = try? decoder.decode(Request.self, from: Data(line)) else {
                outcome.unreadable += 1
                continue
            }
            guard let record = Self.record(for: request) else { continue }
            if record.action == "listen", let time = Timestamp.date(request.time) {
                let key = record.actor + " " + request.uri
                if let last = lastListen[key], time.timeIntervalSince(last) < 600 { continue }
                lastListen[key] = time
            }
            records.append(record)
        }
        // In batches, so a log of a busy day is not one huge write.
        var start = 0
        while start < records.count {
            let batch = Array(records[start..<min(start + 2000, records.count)])
            try audit.append(batch)
            start += batch.count
        }
        outcome.recorded += records.count
    }

    /// The audit event a request makes, or nil when it is not one worth keeping.
    static func record(for request: Request) -> AuditLog.Record? {
        let actor = request.user.isEmpty ? "anonymous" : "user:" + request.user
        var detail = ["at": request.time, "address": request.address, "uri": request.uri, "status": String(request.status)]
        if request.status == 401 {
            // A browser's first request carries no credentials: only a login that was given and refused counts.
            guard !request.user.isEmpty else { return nil }
            return AuditLog.Record(actor: actor, action: "login-failed", outcome: "refused", detail: detail)
        }
        guard request.method == "GET" || request.method == "HEAD" else { return nil }
        var path = Substring(request.uri)
        if path.hasPrefix("/v/"), let slash = path.dropFirst(3).firstIndex(of: "/") {
            detail["view"] = String(path[path.index(path.startIndex, offsetBy: 3)..<slash])
            path = path[slash...]
        }
        let outcome: String
        switch request.status {
        case 200, 206, 304: outcome = "ok"
        case 403: outcome = "refused"
        default: return nil
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 3, parts[1] == "calls", !parts[2].isEmpty {
            let call = parts[2]
            let file = parts.count > 3 ? parts[3...].joined(separator: "/") : ""
            let action: String
            switch (file as NSString).pathExtension.lowercased() {
            case "", "html": action = "view"
            case "pdf": action = "download"
            case let ext where InboxLayout.audioExtensions.contains(ext): action = "listen"
            default: return nil
            }
            if !file.isEmpty, action != "view" { detail["file"] = file }
            return AuditLog.Record(actor: actor, action: action, call: call, outcome: outcome, detail: detail)
        }
        if parts.count >= 3, parts[1] == "downloads" || parts[1] == "reports",
            ["pdf", "xlsx", "csv"].contains((path as NSString).pathExtension.lowercased())
        {
            detail["file"] = String(path.dropFirst())
            return AuditLog.Record(actor: actor, action: "download", outcome: outcome, detail: detail)
        }
        return nil
    }

    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// The file's bytes from `offset` to its last newline, and the offset after them. A file shorter than the
    /// offset (truncated by `copytruncate`) is read from its start.
    static func read(_ path: String, from offset: UInt64) throws -> (data: Data, end: UInt64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RuntimeError.cannotRead(path: path, detail: "it cannot be opened; sor audit ingest must run as a user who can read nginx's log")
        }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        let start = offset <= size ? offset : 0
        try handle.seek(toOffset: start)
        let data = try handle.readToEnd() ?? Data()
        guard let last = data.lastIndex(of: UInt8(ascii: "\n")) else { return (Data(), start) }
        let complete = data[data.startIndex...last]
        return (Data(complete), start + UInt64(complete.count))
    }
}

/// The report of who saw what (`sor audit report`), from the audit trail.
public struct AccessReport: Sendable {
    public struct Line: Sendable, Encodable {
        public var time: String
        public var user: String
        public var action: String
        public var outcome: String
        public var call: String?
        public var file: String?
        public var address: String?
    }

    public var lines: [Line]

    static let actions: Set<String> = ["view", "listen", "download", "login-failed", "export"]

    /// The access events in `[from, to)` (times as the log wrote them, compared as instants), optionally of one user.
    public init(events: [AuditEvent], from: Date?, to: Date?, user: String?) {
        lines = events.compactMap { event in
            guard Self.actions.contains(event.action) else { return nil }
            let time = event.detail?["at"] ?? event.time
            let instant = Timestamp.date(time)
            if let from, let instant, instant < from { return nil }
            if let to, let instant, instant >= to { return nil }
            let login = event.actor.hasPrefix("user:") ? String(event.actor.dropFirst(5)) : event.actor
            if let user, login != user { return nil }
            return Line(
                time: time, user: login, action: event.action, outcome: event.outcome, call: event.call,
                file: event.detail?["file"], address: event.detail?["address"])
        }
    }

    /// The report as text: by user, what they opened, played and downloaded (and what they were refused), then
    /// the failed sign-ins.
    public var text: String {
        var out = ""
        let reads = lines.filter { $0.action != "login-failed" }
        let users = Set(reads.map(\.user)).sorted()
        if users.isEmpty { out += "No views or downloads in this period.\n" }
        for user in users {
            let own = reads.filter { $0.user == user }
            let calls = Set(own.compactMap(\.call)).count
            out += "\(user): \(own.count) events, \(calls) calls\n"
            for line in own {
                let what = [line.call, line.file].compactMap { $0 }.joined(separator: " ")
                out += "  \(line.time)  \(line.action)\(line.outcome == "ok" ? "" : " (" + line.outcome + ")")  \(what)\n"
            }
        }
        let failed = lines.filter { $0.action == "login-failed" }
        out += "\nFailed sign-ins: \(failed.count)\n"
        for line in failed { out += "  \(line.time)  \(line.user)  from \(line.address ?? "?")\n" }
        return out
    }
}
