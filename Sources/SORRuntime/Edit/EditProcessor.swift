import Crypto
import Foundation
import SORCore

/// What became of one edit document.
public enum EditOutcome: Sendable, Equatable {
    case applied(call: String, revision: Int)
    /// Refused; the reason is written beside the kept document, into the call's history and for the page.
    case rejected(reason: String)
    /// Not done, because the audit log cannot be written; the document stays in the inbox and is tried again.
    case deferred(reason: String)
}

/// Applies edit documents, the JSON files people (through the site) or scripts write into `inbox/edits/<user>/`.
///
/// A document names its schema, type, call and the revision it was based on:
///
///     {"schema": 1, "type": "transcript.text", "call": "3f2a…", "base_revision": 1, "segment": 4, "text": "…"}
///
/// Types: `transcript.text` (one segment's text), `call.metadata` (agent, team, call time, … of the call),
/// `evaluation.manual` (an evaluator's answers on a scorecard), and the corrections of a call's analysis:
/// `roles.swap`, `speaker.role`, `speaker.rename`, `utterance.speaker`, `utterance.split`, `utterance.text`
/// (see `AnalysisCorrection`). After a change the call is scored again.
/// Applying is crash-safe: the history entry is written first as a journal, the changed files next, and `call.yaml`
/// (new revision, `last_edit`) last as the commit; a document seen again after a crash is finished, not re-applied.
public struct EditProcessor: Sendable {
    public let runtime: Runtime
    public let store: CallStore
    public static let schemaVersion = 1
    /// The edit types that correct the call's analysis (speakers, roles, utterances).
    public static let analysisTypes = EditKind.allCases.filter(\.correctsAnalysis).map(\.rawValue)

    public init(runtime: Runtime) throws {
        self.runtime = runtime
        store = try runtime.store
    }

    public var workspace: Workspace { runtime.workspace }
    public var audit: AuditLog { runtime.audit }
    public var scorer: Scorer { runtime.scorer }
    func now() -> Date { runtime.clock.now() }

    var editsDirectory: String { workspace.inbox + "/edits" }

    /// Edit documents waiting in `inbox/edits/<user>/`, oldest name first.
    public func pending() -> [(path: String, user: String)] {
        let fm = FileManager.default
        var result: [(String, String)] = []
        for user in ((try? fm.contentsOfDirectory(atPath: editsDirectory)) ?? []).sorted() where InboxLayout.isUserName(user) {
            for name in ((try? fm.contentsOfDirectory(atPath: editsDirectory + "/" + user)) ?? []).sorted()
            where name.hasSuffix(".json") && !name.hasPrefix(".") {
                result.append((editsDirectory + "/" + user + "/" + name, user))
            }
        }
        return result
    }

    /// Validates and applies one document. The document leaves the inbox either way: applied ones live on in the
    /// call's history, rejected ones go to `inbox/failed/edits/<user>/` with their reason.
    public func apply(_ path: String, user: String) -> EditOutcome {
        let name = (path as NSString).lastPathComponent
        let data: Data
        do {
            // Checked before it is read: a plain file of at most 1 MiB, not a link, pipe or device.
            data = try InboxFile.read(path, limit: EditDocument.sizeLimit)
        } catch {
            return finish(path, outcome: .rejected(reason: error.localizedDescription), context: Context(user: user, file: name, editID: "unread", type: "?", call: nil, comment: nil))
        }
        let editID = SHA256.hash(data: data).prefix(8).map { String(format: "%02x", $0) }.joined()
        var context = Context(user: user, file: name, editID: editID, type: "?", call: nil, comment: nil)
        let outcome: EditOutcome
        do {
            outcome = try applyDocument(data, context: &context)
        } catch let failure as AuditUnavailable {
            outcome = .deferred(reason: failure.reason)
        } catch let failure as Rejection {
            outcome = .rejected(reason: failure.reason)
        } catch {
            outcome = .rejected(reason: error.localizedDescription)
        }
        return finish(path, outcome: outcome, context: context)
    }

    struct Context {
        var user: String
        var file: String
        var editID: String
        var type: String
        var call: String?
        var comment: String?
    }

    struct Rejection: Error {
        var reason: String
    }

    /// The audit log cannot be written, so the edit is not applied.
    struct AuditUnavailable: Error {
        var reason: String
    }

    private func applyDocument(_ data: Data, context: inout Context) throws -> EditOutcome {
        if let requeue = try requeueRequest(data, context: &context) { return try self.requeue(requeue, context: context) }
        if let outcome = try calibration(data, context: &context) { return outcome }
        let edit = try EditDocument(data, context: &context)
        let folder: String
        do {
            folder = try store.find(edit.call)
        } catch {
            throw Rejection(reason: "there is no call \(edit.call) (it may have been deleted)")
        }
        var document = try store.load(folder: folder)
        context.call = document.call.id
        // Who may change what is the roles file's to say (read each time: `sor users` changes it while sor watch runs).
        let access: Access
        do {
            access = try Access(workspace: workspace)
        } catch {
            throw Rejection(reason: "the roles file cannot be read (\(error.localizedDescription)); an admin must fix it, then send the change again")
        }
        if let refusal = access.refusal(context.user, edit.kind, team: document.call.metadata.team ?? "", agent: document.call.metadata.agent ?? "") {
            throw Rejection(reason: "not permitted: " + refusal)
        }
        // Moving a call to another team or agent is also a change on that side: an evaluator may move a call only
        // between teams assigned to them (else it would leave their reach, or reach a team they cannot see).
        if edit.kind == .callMetadata, let fields = edit.fields["metadata"] as? [String: Any], fields["team"] != nil || fields["agent"] != nil {
            let team = (fields["team"] as? String) ?? document.call.metadata.team ?? ""
            let agent = (fields["agent"] as? String) ?? document.call.metadata.agent ?? ""
            if let refusal = access.refusal(context.user, edit.kind, team: team, agent: agent) {
                throw Rejection(reason: "not permitted: moving the call to team \(team.isEmpty ? "(none)" : team): " + refusal)
            }
        }
        if edit.comment != nil || edit.fields["comments"] != nil {
            let left = document.history.filter { entry in
                entry.user == context.user && entry.state == "applied"
                    && (entry.comment != nil || entry.after?["json"]?.contains("\"comments\"") == true)
            }.count
            guard left < EditDocument.commentsPerCall else {
                throw Rejection(reason: "\(context.user) has left \(left) comments on this call already, the most one person may; discuss the call elsewhere")
            }
        }
        if edit.kind == .callDelete { return try delete(edit, document: document, context: context) }
        if document.call.lastEdit == context.editID {
            // Applied already; a crash came before the document was removed.
            return .applied(call: document.call.id, revision: document.call.revision)
        }
        let journal = "history/\(String(format: "%04d", document.call.revision + 1))-\(context.editID).json"
        var entry: HistoryEntry
        if let data = try store.read(journal, in: folder),
            let interrupted = try? FileFormats.jsonDecoder().decode(HistoryEntry.self, from: data),
            interrupted.baseRevision == document.call.revision
        {
            // Interrupted before its commit: finish with the change it recorded.
            entry = interrupted
        } else {
            guard edit.baseRevision == document.call.revision else {
                let by = document.call.updatedBy.map { " by \($0)" } ?? ""
                let at = document.call.updatedAt.map { " at \($0)" } ?? ""
                throw Rejection(reason: "stale: the change was made on revision \(edit.baseRevision), but the call is now at revision \(document.call.revision) (changed\(by)\(at)); reload the page and make the change again")
            }
            let (before, after) = try change(edit, document: document, user: context.user)
            entry = HistoryEntry(
                edit: context.editID, state: "applied", type: edit.kind.rawValue, user: context.user, time: Timestamp.iso(now()),
                file: context.file, baseRevision: edit.baseRevision, revision: edit.baseRevision + 1, before: before, after: after,
                comment: context.comment)
            try store.write(FileFormats.json(entry), as: journal, in: folder)
        }
        // Apply the recorded change (idempotent), derive the call again, then commit with call.yaml.
        guard let kind = EditKind(rawValue: entry.type) else { throw Rejection(reason: "unknown type \(entry.type)") }
        try perform(entry, kind: kind, on: &document)
        let derived = runtime.deriver.derive(&document, after: kind.derivation, scoring: scorer.current)
        if let transcript = document.transcript, kind == .transcriptText {
            try store.write(FileFormats.json(transcript), as: "transcript.json", in: folder)
        }
        if let analysis = document.analysis, derived.analysisChanged {
            try store.replaceAnalysis(analysis, in: folder)
        }
        if let evaluation = derived.evaluation {
            document.evaluation = evaluation
            try store.write(FileFormats.json(evaluation), as: "evaluation.json", in: folder)
        }
        document.call.revision = entry.revision ?? document.call.revision + 1
        document.call.updatedBy = context.user
        document.call.updatedAt = entry.time
        document.call.lastEdit = context.editID
        do {
            // Audited before the commit: an edit the log cannot record is not made.
            try audit.append(actor: "user:" + context.user, action: "edit", call: document.call.id, outcome: "applied", detail: [
                "type": entry.type, "file": context.file, "edit": context.editID, "revision": String(document.call.revision),
            ])
        } catch {
            throw AuditUnavailable(reason: "the audit log cannot be written (\(error.localizedDescription)); the edit waits until it can")
        }
        try store.write(FileFormats.yaml(document.call), as: "call.yaml", in: folder)
        // A new call time files the call under another day.
        let wanted = store.folder(for: document.call)
        if wanted != folder {
            try FileManager.default.createDirectory(atPath: (wanted as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = rename(folder, wanted)
        }
        runtime.deriver.published(document.call.id)
        return .applied(call: document.call.id, revision: document.call.revision)
    }

    /// Records the outcome: audit, the call's history (rejections), the status file the page polls, and the
    /// document itself (removed when applied; kept with its reason when rejected).
    @discardableResult
    private func finish(_ path: String, outcome: EditOutcome, context: Context) -> EditOutcome {
        let name = context.file
        let status: [String: String]
        switch outcome {
        case .applied(let call, let revision):
            status = ["state": "applied", "call": call, "revision": String(revision), "time": Timestamp.iso(now())]
            unlink(path)
        case .rejected(let reason):
            do {
                let detail = ["type": context.type, "file": name, "edit": context.editID, "reason": Self.withoutQuotes(reason)]
                try audit.append(actor: "user:" + context.user, action: "edit", call: context.call, outcome: "rejected", detail: detail)
            } catch {
                return .deferred(reason: "the audit log cannot be written (\(error.localizedDescription)); the rejection waits until it can")
            }
            status = ["state": "rejected", "call": context.call ?? "", "reason": reason, "time": Timestamp.iso(now())]
            if let call = context.call, let folder = try? store.find(call) {
                let entry = HistoryEntry(
                    edit: context.editID, state: "rejected", type: context.type, user: context.user, time: Timestamp.iso(now()),
                    file: name, reason: reason, comment: context.comment)
                let prefix = "rejected-\(context.user)-"
                let kept = ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/history")) ?? []).filter { $0.hasPrefix(prefix) }.count
                if kept < EditDocument.rejectionsPerCall {
                    try? store.write(FileFormats.json(entry), as: "history/\(prefix)\(context.editID).json", in: folder)
                }
            }
            let note = QuarantineNote(
                file: name, reason: "edit-rejected", time: now(), facts: [("user", context.user)], message: reason,
                advice: "The document is kept here. Correct it (or make the change again on the call's page) and write it into inbox/edits/\(context.user)/ again.")
            _ = try? note.keep(path, in: workspace.failed + "/edits/" + context.user)
        case .deferred:
            return outcome
        }
        // For the page: site/edit-status/<user>/<file>, which nginx serves to that user only.
        if let data = try? JSONSerialization.data(withJSONObject: status, options: [.sortedKeys]) {
            try? SiteFiles(workspace.config.site).write(data, to: workspace.site + "/edit-status/" + context.user + "/" + name)
        }
        return outcome
    }

    /// A rejection as the audit log keeps it: quoted text (which may be the call's words) replaced by `"…"`.
    /// The page and the call's sealed history get the full reason.
    static func withoutQuotes(_ reason: String) -> String {
        reason.replacing(/"[^"]*"/, with: "\"…\"")
    }
}
