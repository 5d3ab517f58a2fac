import Foundation
import SORCore

/// Erasing a call, by request (`sor calls delete`) or by the retention policy (`retention.days`, applied by
/// `sor calls expire` and hourly by the watcher): the call folder goes (or, archived, moves still sealed to
/// `retention.archive_dir`), and so does every plaintext copy SOR made of it outside the store: its pages and
/// recording on the site, a duplicate set aside in `inbox/duplicates/`, rejected edit documents about it in
/// `inbox/failed/edits/` and their status files in `site/edit-status/`, and working copies in `var/tmp/`. The audit
/// log keeps a tombstone (who, when, the recording's hash), never its content. Run under the store lock (the
/// watcher holds it; the commands take it), then rebuild the site so no list names the call.
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
        var detail = ["sha256": record?.source.sha256 ?? "?", "received_at": record?.source.receivedAt ?? "?"]
        if let reason { detail["reason"] = reason }
        // The tombstone first: an erasure the log cannot record is not done.
        try runtime.audit.append(actor: actor, action: "delete", call: callID, outcome: "erased", detail: detail)
        try store.delete(folder: folder)
        removeCopies(of: callID)
        return callID
    }

    /// Expires calls older than `retention.days` at `now`: erased or archived (still sealed). Returns the ids handled.
    public func expire(actor: String, now: Date) throws -> [String] {
        let retention = runtime.config.retention
        guard retention.days > 0 else { return [] }
        let cutoff = now.addingTimeInterval(-Double(retention.days) * 86_400)
        var handled: [String] = []
        for (id, folder) in store.folders().sorted(by: { $0.key < $1.key }) {
            // A call time stored before dates were checked strictly may not parse: the time received counts then.
            guard let record = try? store.record(in: folder),
                let when = record.metadata.callTime.flatMap(Timestamp.date) ?? Timestamp.date(record.source.receivedAt), when < cutoff
            else { continue }
            let detail = ["sha256": record.source.sha256, "call_time": record.metadata.callTime ?? record.source.receivedAt, "days": String(retention.days)]
            switch retention.action {
            case .delete:
                try runtime.audit.append(actor: actor, action: "delete", call: id, outcome: "expired", detail: detail)
                try store.delete(folder: folder)
            case .archive:
                let target = archivePath(of: folder)
                try runtime.audit.append(actor: actor, action: "archive", call: id, outcome: "expired", detail: detail.merging(["to": target]) { $1 })
                try archive(folder, to: target)
            }
            removeCopies(of: id)
            handled.append(id)
        }
        return handled
    }

    /// Where a call folder goes in the archive: the same `YYYY/MM/DD/<id>` path.
    private func archivePath(of folder: String) -> String {
        runtime.workspace.archive + "/" + String(folder.dropFirst(store.callsDirectory.count + 1))
    }

    /// Moves a call folder to `target` in the archive.
    private func archive(_ folder: String, to target: String) throws {
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if rename(folder, target) != 0 {
            // Another file system: copy, then remove the original.
            try FileManager.default.copyItem(atPath: folder, toPath: target + ".copying")
            guard rename(target + ".copying", target) == 0 else { throw RuntimeError.cannotWrite(path: target, detail: String(cString: strerror(errno))) }
            try store.delete(folder: folder)
        }
    }

    /// Every plaintext copy of the call outside the store, and its pages.
    func removeCopies(of id: String) {
        let fm = FileManager.default
        let workspace = runtime.workspace
        runtime.deriver.erased(id)
        // A recording set aside as a duplicate of this call, with its note and sidecar.
        for note in InboxLayout.names(in: workspace.duplicates) where note.hasSuffix(".duplicate.txt") {
            let path = workspace.duplicates + "/" + note
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("call \(id)") else { continue }
            let recording = String(note.dropLast(".duplicate.txt".count))
            let base = (recording as NSString).deletingPathExtension
            for name in InboxLayout.names(in: workspace.duplicates) where name == recording || name == note || name.hasPrefix(recording + ".") || name.hasPrefix(base + ".") && InboxLayout.isSidecar(name) {
                try? fm.removeItem(atPath: workspace.duplicates + "/" + name)
            }
        }
        // Rejected edit documents about the call (they may quote its words), their notes and status files.
        for root in [workspace.failed + "/edits", workspace.site + "/edit-status"] {
            for user in InboxLayout.names(in: root) where InboxLayout.isUserName(user) {
                let folder = root + "/" + user
                for name in InboxLayout.names(in: folder) where name.hasSuffix(".json") {
                    guard let data = try? InboxFile.read(folder + "/" + name, limit: EditDocument.sizeLimit),
                        let call = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["call"] as? String,
                        !call.isEmpty, id.hasPrefix(call)
                    else { continue }
                    try? fm.removeItem(atPath: folder + "/" + name)
                    try? fm.removeItem(atPath: folder + "/" + name + ".error.txt")
                }
            }
        }
        // Decoded audio of the call (named after it) and anything a killed run left.
        runtime.copies.sweep()
        for name in InboxLayout.names(in: workspace.work + "/tmp") where name.hasPrefix(id + ".") {
            try? fm.removeItem(atPath: workspace.work + "/tmp/" + name)
        }
    }
}
