import Foundation
import SORCore

/// Managing calls and refused files from the site (seed stage 2): deleting a call (`call.delete`, an admin's) and
/// putting a quarantined recording back in the queue (`quarantine.requeue`, an admin's or a manager's, once its
/// cause is fixed). Both arrive as edit documents like any correction, so the person who did it is the folder's
/// owner, and both are audited under their name.
extension EditProcessor {
    /// Erases the call as `sor calls delete` does, when the document was made on the call's current revision (the
    /// person saw what they delete) and gives a reason.
    func delete(_ edit: EditDocument, document: CallDocument, context: Context) throws -> EditOutcome {
        guard edit.baseRevision == document.call.revision else {
            throw Rejection(reason: "stale: the deletion was asked on revision \(edit.baseRevision), but the call is now at revision \(document.call.revision); reload the page and look again before deleting")
        }
        guard let reason = (edit.fields["reason"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
            throw Rejection(reason: "missing \"reason\": say why the call is deleted (it goes into the audit)")
        }
        guard reason.count <= EditDocument.commentLimit else { throw Rejection(reason: "the reason is longer than \(EditDocument.commentLimit) characters") }
        do {
            _ = try Erasure(runtime: runtime).delete(document.call.id, actor: "user:" + context.user, reason: reason)
        } catch let error as RuntimeError {
            if case .cannotWrite = error { throw AuditUnavailable(reason: error.localizedDescription) }
            throw Rejection(reason: "the call could not be erased: \(error.localizedDescription)")
        }
        runtime.siteChanges.mark()
        return .applied(call: document.call.id, revision: document.call.revision)
    }

    /// A re-queue request: `{"schema": 1, "type": "quarantine.requeue", "file": "NAME as kept in inbox/failed/",
    /// "comment": "…"}`; nil for any other document (an edit of a call).
    struct RequeueRequest {
        var file: String
    }

    func requeueRequest(_ data: Data, context: inout Context) throws -> RequeueRequest? {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], object["type"] as? String == "quarantine.requeue" else {
            return nil
        }
        context.type = "quarantine.requeue"
        guard object["schema"] as? Int == Self.schemaVersion else { throw Rejection(reason: "\"schema\" must be \(Self.schemaVersion)") }
        for key in object.keys.sorted() where !["schema", "type", "file", "comment", "id"].contains(key) {
            throw Rejection(reason: "unknown key \"\(key)\" for type quarantine.requeue; allowed: comment, file, id, schema, type")
        }
        guard let file = object["file"] as? String, !file.isEmpty else {
            throw Rejection(reason: "missing \"file\" (the name the file is kept under in inbox/failed/, as the quarantine page shows it)")
        }
        if let comment = object["comment"] as? String { context.comment = String(comment.prefix(EditDocument.commentLimit)) }
        return RequeueRequest(file: file)
    }

    /// Moves the kept recording (and its metadata, if kept beside it) back into the inbox under its name (or a free
    /// variant), removes its note, and audits who did it and why it had been refused.
    func requeue(_ request: RequeueRequest, context: Context) throws -> EditOutcome {
        let access: Access
        do {
            access = try Access(workspace: workspace)
        } catch {
            throw Rejection(reason: "the roles file cannot be read (\(error.localizedDescription)); an admin must fix it, then send the request again")
        }
        if access.enforced {
            guard let person = access.roles.people[context.user] else {
                throw Rejection(reason: "not permitted: \(context.user) has no role in \(Workspace.accessFolderName)/roles.yaml")
            }
            guard person.role == .admin || person.role == .manager else {
                throw Rejection(reason: "not permitted: \(context.user) is \(person.role.rawValue): re-queueing a refused file is a manager's or an admin's")
            }
        }
        let name = request.file
        guard !name.contains("/"), !name.hasPrefix("."), !name.hasSuffix(".error.txt"), InboxLayout.isCandidate(name) else {
            throw Rejection(reason: "\"\(name)\" is not a recording kept in inbox/failed/ (give the name the quarantine page shows)")
        }
        let failed = workspace.failed
        let source = failed + "/" + name
        var info = stat()
        guard lstat(source, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw Rejection(reason: "there is no recording \(name) in inbox/failed/ (it may have been re-queued or removed already)")
        }
        let note = QuarantineNote.read(name, in: failed)
        let original = note?.file ?? name
        let target = try Self.place(source, into: workspace.inbox, as: original)
        do {
            try audit.append(actor: "user:" + context.user, action: "requeue", call: nil, outcome: "done", detail: [
                "file": name, "to": (target as NSString).lastPathComponent, "refused_for": note?.reason ?? "?",
                "comment": context.comment ?? "",
            ])
        } catch {
            _ = rename(target, source)
            throw AuditUnavailable(reason: "the audit log cannot be written (\(error.localizedDescription)); the request waits until it can")
        }
        // Its metadata, if it was kept beside it, goes back with it; the note goes.
        let stem = (name as NSString).deletingPathExtension
        let targetStem = ((target as NSString).lastPathComponent as NSString).deletingPathExtension
        for ext in ["yaml", "yml", "json"] where FileManager.default.fileExists(atPath: "\(failed)/\(stem).\(ext)") {
            _ = try? Self.place("\(failed)/\(stem).\(ext)", into: workspace.inbox, as: "\(targetStem).\(ext)")
        }
        unlink(source + ".error.txt")
        runtime.siteChanges.mark()
        return .applied(call: "", revision: 0)
    }

    /// Moves `source` into `folder` as `name`, or `name (2)`, … when that is taken, without ever replacing a file
    /// (a hard link made where nothing is, then the old name removed); returns where it went.
    static func place(_ source: String, into folder: String, as name: String) throws -> String {
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        for index in 1...1000 {
            let candidate = folder + "/" + (index == 1 ? name : (ext.isEmpty ? "\(base) (\(index))" : "\(base) (\(index)).\(ext)"))
            if link(source, candidate) == 0 {
                unlink(source)
                return candidate
            }
            guard errno == EEXIST else {
                throw Rejection(reason: "\(name) cannot be put back into the inbox: \(String(cString: strerror(errno)))")
            }
        }
        throw Rejection(reason: "\(name) cannot be put back into the inbox: every name is taken")
    }
}
