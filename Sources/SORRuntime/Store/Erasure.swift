import Foundation
import SORCore

/// Erasing a call, by request (`sor calls delete`) or by the retention policy (`retention.days`, applied by
/// `sor calls expire` and hourly by the watcher): the call folder goes (or, archived, moves still sealed to
/// `retention.archive_dir`), its pages leave the site, and the audit log keeps a tombstone (who, when, the
/// recording's hash), never its content.
public struct Erasure: Sendable {
    let runtime: Runtime
    let store: CallStore

    public init(runtime: Runtime) throws {
        self.runtime = runtime
        store = try runtime.store
    }

    /// Erases the call `id` (a unique prefix is enough); returns its full id.
    public func delete(_ id: String, actor: String, reason: String?) throws -> String {
        let folder = try store.find(id)
        let record = try? store.record(in: folder)
        let callID = (folder as NSString).lastPathComponent
        try store.delete(folder: folder)
        runtime.deriver.erased(callID)
        var detail = ["sha256": record?.source.sha256 ?? "?", "received_at": record?.source.receivedAt ?? "?"]
        if let reason { detail["reason"] = reason }
        try runtime.audit.append(actor: actor, action: "delete", call: callID, outcome: "erased", detail: detail)
        return callID
    }

    /// Expires calls older than `retention.days` at `now`: erased or archived (still sealed). Returns the ids handled.
    public func expire(actor: String, now: Date) throws -> [String] {
        let retention = runtime.config.retention
        guard retention.days > 0 else { return [] }
        let cutoff = now.addingTimeInterval(-Double(retention.days) * 86_400)
        var handled: [String] = []
        for (id, folder) in store.folders().sorted(by: { $0.key < $1.key }) {
            guard let record = try? store.record(in: folder), let when = Timestamp.date(record.metadata.callTime ?? record.source.receivedAt),
                when < cutoff
            else { continue }
            let detail = ["sha256": record.source.sha256, "call_time": record.metadata.callTime ?? record.source.receivedAt, "days": String(retention.days)]
            switch retention.action {
            case .delete:
                try store.delete(folder: folder)
                try runtime.audit.append(actor: actor, action: "delete", call: id, outcome: "expired", detail: detail)
            case .archive:
                let target = try archive(folder)
                try runtime.audit.append(actor: actor, action: "archive", call: id, outcome: "expired", detail: detail.merging(["to": target]) { $1 })
            }
            runtime.deriver.erased(id)
            handled.append(id)
        }
        return handled
    }

    /// Moves a call folder under the archive folder, keeping its `YYYY/MM/DD/<id>` path; returns where it went.
    private func archive(_ folder: String) throws -> String {
        let relative = String(folder.dropFirst(store.callsDirectory.count + 1))
        let target = runtime.workspace.archive + "/" + relative
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if rename(folder, target) != 0 {
            // Another file system: copy, then remove the original.
            try FileManager.default.copyItem(atPath: folder, toPath: target + ".copying")
            guard rename(target + ".copying", target) == 0 else { throw RuntimeError.cannotWrite(path: target, detail: String(cString: strerror(errno))) }
            try store.delete(folder: folder)
        }
        return target
    }
}
