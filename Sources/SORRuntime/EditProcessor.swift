import Crypto
import Foundation
import SORCore

/// What became of one edit document.
public enum EditOutcome: Sendable, Equatable {
    case applied(call: String, revision: Int)
    /// Refused; the reason is written beside the kept document, into the call's history and for the page.
    case rejected(reason: String)
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
    public let workspace: Workspace
    public let store: CallStore
    public let audit: AuditLog
    public let scorer: Scorer
    let now: @Sendable () -> Date
    public static let schemaVersion = 1
    public static let types = ["transcript.text", "call.metadata", "evaluation.manual"] + analysisTypes
    /// The edit types that correct the call's analysis (speakers, roles, utterances).
    public static let analysisTypes = ["roles.swap", "speaker.role", "speaker.rename", "utterance.speaker", "utterance.split", "utterance.text"]
    /// Thresholds for re-deriving talk statistics after a correction (`diarization.talk` in `sor.yaml`).
    public var talkParameters: TalkParameters

    public init(workspace: Workspace, store: CallStore, scorer: Scorer? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.workspace = workspace
        self.store = store
        self.scorer = scorer ?? Scorer(workspace: workspace)
        self.audit = AuditLog(directory: workspace.audit, now: now)
        self.talkParameters = workspace.config.diarization.talk
        self.now = now
    }

    var editsDirectory: String { workspace.inbox + "/edits" }

    /// The user a document belongs to: the folder it was written into (`inbox/edits/<user>/`), which nginx fills
    /// from the authenticated name.
    static func user(of path: String, inbox: String) -> String? {
        let parts = path.dropFirst(inbox.count).split(separator: "/")
        guard parts.count == 3, parts[0] == "edits", isUserName(String(parts[1])) else { return nil }
        return String(parts[1])
    }

    static func isUserName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._@-".unicodeScalars.contains($0) }
    }

    /// Edit documents waiting in `inbox/edits/<user>/`, oldest name first.
    public func pending() -> [(path: String, user: String)] {
        let fm = FileManager.default
        var result: [(String, String)] = []
        for user in ((try? fm.contentsOfDirectory(atPath: editsDirectory)) ?? []).sorted() where Self.isUserName(user) {
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
        guard let data = FileManager.default.contents(atPath: path) else {
            return .rejected(reason: "\(path) cannot be read")
        }
        let editID = SHA256.hash(data: data).prefix(8).map { String(format: "%02x", $0) }.joined()
        var context = Context(user: user, file: name, editID: editID, type: "?", call: nil, comment: nil)
        let outcome: EditOutcome
        do {
            outcome = try applyDocument(data, context: &context)
        } catch let failure as Rejection {
            outcome = .rejected(reason: failure.reason)
        } catch {
            outcome = .rejected(reason: error.localizedDescription)
        }
        finish(path, outcome: outcome, context: context)
        return outcome
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

    private func applyDocument(_ data: Data, context: inout Context) throws -> EditOutcome {
        guard data.count <= 1 << 20 else { throw Rejection(reason: "the document is larger than 1 MiB") }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw Rejection(reason: "the document must be a JSON object")
            }
            object = parsed
        } catch let rejection as Rejection {
            throw rejection
        } catch {
            throw Rejection(reason: "the document is not valid JSON (\(Self.describe(error)))")
        }
        let common: Set<String> = ["schema", "type", "call", "base_revision", "comment", "id"]
        guard let schema = object["schema"] as? Int else { throw Rejection(reason: "missing \"schema\" (it must be \(Self.schemaVersion))") }
        guard schema == Self.schemaVersion else {
            throw Rejection(reason: "\"schema\" is \(schema); this sor understands schema \(Self.schemaVersion)")
        }
        guard let type = object["type"] as? String else {
            throw Rejection(reason: "missing \"type\" (one of: \(Self.types.joined(separator: ", ")))")
        }
        context.type = type
        guard Self.types.contains(type) else {
            throw Rejection(reason: "unknown type \"\(type)\"; known types: \(Self.types.joined(separator: ", "))")
        }
        let specific: Set<String> = switch type {
        case "transcript.text": ["segment", "text"]
        case "evaluation.manual": ["card", "answers", "comments"]
        case "call.metadata": ["metadata"]
        case "roles.swap": []
        case "speaker.role": ["speaker", "role"]
        case "speaker.rename": ["speaker", "name"]
        case "utterance.speaker": ["utterance", "speaker"]
        case "utterance.split": ["utterance", "at_word", "speaker"]
        default: ["utterance", "text"]  // utterance.text
        }
        for key in object.keys.sorted() where !common.contains(key) && !specific.contains(key) {
            throw Rejection(reason: "unknown key \"\(key)\" for type \(type); allowed: \((common.union(specific)).sorted().joined(separator: ", "))")
        }
        context.comment = object["comment"] as? String
        guard let callID = object["call"] as? String, !callID.isEmpty else { throw Rejection(reason: "missing \"call\" (the call id)") }
        context.call = callID
        guard let base = object["base_revision"] as? Int else {
            throw Rejection(reason: "missing \"base_revision\" (the revision shown on the page the change was made on)")
        }
        let folder: String
        do {
            folder = try store.find(callID)
        } catch {
            throw Rejection(reason: "there is no call \(callID) (it may have been deleted)")
        }
        var document = try store.load(folder: folder)
        context.call = document.call.id
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
            guard base == document.call.revision else {
                let by = document.call.updatedBy.map { " by \($0)" } ?? ""
                let at = document.call.updatedAt.map { " at \($0)" } ?? ""
                throw Rejection(reason: "stale: the change was made on revision \(base), but the call is now at revision \(document.call.revision) (changed\(by)\(at)); reload the page and make the change again")
            }
            let (before, after) = Self.analysisTypes.contains(type)
                ? try analysisChange(type: type, object: object, document: document, user: context.user)
                : try change(type: type, object: object, document: document)
            entry = HistoryEntry(
                edit: context.editID, state: "applied", type: type, user: context.user, time: Pipeline.iso(now()), file: context.file,
                baseRevision: base, revision: base + 1, before: before, after: after, comment: context.comment)
            try store.write(FileFormats.json(entry), as: journal, in: folder)
        }
        // Apply the recorded change (idempotent), score again, then commit with call.yaml.
        try perform(entry, on: &document)
        if let transcript = document.transcript, entry.type == "transcript.text" {
            try store.write(FileFormats.json(transcript), as: "transcript.json", in: folder)
        }
        if let analysis = document.analysis, Self.analysisTypes.contains(entry.type) {
            try store.replaceAnalysis(analysis, in: folder)
        }
        if let scoring = scorer.current, let evaluation = scoring.evaluate(document, previous: document.evaluation) {
            document.evaluation = evaluation
            try store.write(FileFormats.json(evaluation), as: "evaluation.json", in: folder)
        }
        document.call.revision = entry.revision ?? document.call.revision + 1
        document.call.updatedBy = context.user
        document.call.updatedAt = entry.time
        document.call.lastEdit = context.editID
        try store.write(FileFormats.yaml(document.call), as: "call.yaml", in: folder)
        // A new call time files the call under another day.
        let wanted = store.folder(for: document.call)
        if wanted != folder {
            try FileManager.default.createDirectory(atPath: (wanted as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = rename(folder, wanted)
        }
        return .applied(call: document.call.id, revision: document.call.revision)
    }

    /// Validates a change and describes it as before/after values.
    private func change(type: String, object: [String: Any], document: CallDocument) throws -> ([String: String], [String: String]) {
        switch type {
        case "transcript.text":
            guard let transcript = document.transcript else { throw Rejection(reason: "the call has no transcript yet") }
            guard !document.hasUtterances else {
                throw Rejection(reason: "this call is shown as speakers' utterances, not segments; correct its text with an \"utterance.text\" edit naming the utterance")
            }
            guard let segment = object["segment"] as? Int else { throw Rejection(reason: "missing \"segment\" (the segment's number)") }
            guard let index = transcript.segments.firstIndex(where: { $0.id == segment }) else {
                throw Rejection(reason: "segment \(segment) does not exist; the call has segments 0…\(max(0, transcript.segments.count - 1))")
            }
            guard let text = (object["text"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                throw Rejection(reason: "\"text\" must be the segment's new, non-empty text")
            }
            guard text.count <= 5000 else { throw Rejection(reason: "\"text\" is longer than 5000 characters") }
            let old = transcript.segments[index].text.trimmingCharacters(in: .whitespaces)
            guard text != old else { throw Rejection(reason: "the text of segment \(segment) is already \"\(text)\"; nothing to change") }
            return (["segment": String(segment), "text": old], ["segment": String(segment), "text": text])
        case "evaluation.manual":
            guard let scoring = scorer.current else { throw Rejection(reason: "no valid scorecards are in use; fix scorecards.yaml (sor check)") }
            guard let cardID = object["card"] as? String else { throw Rejection(reason: "missing \"card\" (the scorecard's id)") }
            guard let card = scoring.scorecards.set.card(cardID) else {
                throw Rejection(reason: "unknown card \(cardID); cards: \(scoring.scorecards.set.cards.map(\.id).joined(separator: ", "))")
            }
            guard let answers = object["answers"] as? [String: Any], !answers.isEmpty else {
                throw Rejection(reason: "\"answers\" must map criterion ids to answers (yes, no, partial, na, a scale value, or auto to drop a manual answer)")
            }
            let comments = object["comments"] as? [String: Any] ?? [:]
            let criteria = Dictionary(card.sections.flatMap(\.criteria).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let current = (document.evaluation ?? scoring.evaluate(document, previous: nil))?.card(cardID)
            let previous = Dictionary((current?.sections.flatMap(\.criteria) ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var before: [String: String] = ["card": cardID, "total": current.map { String(format: "%.2f", $0.total) } ?? "—"]
            var after: [String: String] = ["card": cardID]
            for (id, value) in answers.sorted(by: { $0.key < $1.key }) {
                guard let criterion = criteria[id] else {
                    throw Rejection(reason: "card \(cardID) has no criterion \(id)")
                }
                let text = Self.text(value)
                guard text == "auto" || Answer.isValid(text, for: criterion) else {
                    let allowed = switch criterion.answer {
                    case .yesNo: "yes, no"
                    case .partial: "yes, partial, no"
                    case .scale: "0…\(criterion.scale)"
                    }
                    throw Rejection(reason: "\(id): \"\(text)\" is not an answer; allowed: \(allowed)\(criterion.naAllowed ? ", na" : ""), or auto")
                }
                before[id] = previous[id]?.final?.value ?? "—"
                after[id] = text
            }
            for key in comments.keys where criteria[key] == nil {
                throw Rejection(reason: "a comment names criterion \(key), which card \(cardID) does not have")
            }
            var payload: [String: Any] = ["answers": answers]
            if !comments.isEmpty { payload["comments"] = comments }
            after["json"] = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
            return (before, after)
        default:  // call.metadata
            guard let fields = object["metadata"] as? [String: Any], !fields.isEmpty else {
                throw Rejection(reason: "\"metadata\" must be an object with the fields to change, e.g. {\"agent\": \"Anna Nowak\"}")
            }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
            let (parsed, diagnostics) = MetadataParser.parse(json, file: "metadata")
            guard parsed != nil else {
                throw Rejection(reason: diagnostics.map(\.message).joined(separator: "; "))
            }
            var before: [String: String] = [:]
            var after: [String: String] = [:]
            let current = try JSONSerialization.jsonObject(with: FileFormats.json(document.call.metadata)) as? [String: Any] ?? [:]
            for (key, value) in fields {
                before[key] = current[key].map(Self.text) ?? ""
                after[key] = Self.text(value)
            }
            guard before != after else { throw Rejection(reason: "the metadata already has these values; nothing to change") }
            after["json"] = json
            return (before, after)
        }
    }

    /// Applies a recorded change to a call's documents.
    func perform(_ entry: HistoryEntry, on document: inout CallDocument) throws {
        switch entry.type {
        case "evaluation.manual":
            guard let scoring = scorer.current, let cardID = entry.after?["card"], let card = scoring.scorecards.set.card(cardID),
                let json = entry.after?["json"],
                let payload = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                let answers = payload["answers"] as? [String: Any]
            else { throw Rejection(reason: "the recorded evaluation no longer fits the scorecards") }
            let comments = payload["comments"] as? [String: Any] ?? [:]
            var evaluation = document.evaluation
                ?? Evaluation(scorecardsSha256: scoring.scorecards.sha256, scorecardsCommit: scoring.scorecards.commit, scoredAt: entry.time, cards: [])
            var result = evaluation.card(cardID) ?? Scoring.score(card: card, auto: [:], manual: [:])
            var manual: [String: ManualAnswer] = [:]
            for criterion in result.sections.flatMap(\.criteria) { manual[criterion.id] = criterion.manual }
            for (id, value) in answers {
                let text = Self.text(value)
                if text == "auto" {
                    manual[id] = nil
                } else {
                    manual[id] = ManualAnswer(answer: Answer(text), comment: comments[id].map(Self.text), evaluator: entry.user, time: entry.time)
                }
            }
            result = Scoring.score(card: card, auto: [:], manual: manual, evaluator: entry.user, comment: entry.comment ?? result.comment)
            if let index = evaluation.cards.firstIndex(where: { $0.card == cardID }) {
                evaluation.cards[index] = result
            } else {
                evaluation.cards.append(result)
            }
            // Scored in full (automatic answers included) by the caller, with these manual answers kept.
            document.evaluation = evaluation
        case "transcript.text":
            guard var transcript = document.transcript, let after = entry.after, let text = after["text"],
                let segmentID = after["segment"].flatMap(Int.init),
                let index = transcript.segments.firstIndex(where: { $0.id == segmentID })
            else { throw Rejection(reason: "the recorded change no longer fits the transcript") }
            transcript.segments[index] = Self.retext(transcript.segments[index], to: text)
            transcript.text = transcript.segments.map { $0.text.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            document.transcript = transcript
        case "call.metadata":
            guard let json = entry.after?["json"] else { throw Rejection(reason: "the recorded change has no metadata") }
            let (parsed, _) = MetadataParser.parse(json, file: "metadata")
            guard let update = parsed else { throw Rejection(reason: "the recorded metadata is invalid") }
            var merged = document.call.metadata
            let keys = Set((try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?.keys.map { $0 } ?? [])
            if keys.contains("agent") { merged.agent = update.agent }
            if keys.contains("team") { merged.team = update.team }
            if keys.contains("direction") { merged.direction = update.direction }
            if keys.contains("client_number") { merged.clientNumber = update.clientNumber }
            if keys.contains("campaign") { merged.campaign = update.campaign }
            if keys.contains("scorecard") { merged.scorecard = update.scorecard }
            if keys.contains("call_time") { merged.callTime = update.callTime }
            if keys.contains("language") { merged.language = update.language }
            if keys.contains("channels") { merged.channels = update.channels }
            document.call.metadata = merged
        case let type where Self.analysisTypes.contains(type):
            guard let analysis = document.analysis, let after = entry.after else {
                throw Rejection(reason: "the recorded change no longer fits the call's analysis")
            }
            let decoder = FileFormats.jsonDecoder()
            do {
                let speakers = try after["speakers"].map { try decoder.decode([Speaker].self, from: Data($0.utf8)) } ?? []
                let utterances = try after["utterances"].map { try decoder.decode([Utterance].self, from: Data($0.utf8)) } ?? []
                let roles = try after["roles"].map { try decoder.decode(RoleDecision.self, from: Data($0.utf8)) }
                document.analysis = analysis.merging(speakers: speakers, utterances: utterances, roles: roles)
                    .recomputed(talkParameters, duration: document.call.audio.duration)
            } catch {
                throw Rejection(reason: "the recorded change of the analysis cannot be read (\(Self.describe(error)))")
            }
        default:
            throw Rejection(reason: "unknown type \(entry.type)")
        }
    }

    /// Validates a correction of the call's analysis and describes it: readable before/after values for the page
    /// (`speaker`, `role`, `name`, `utterance`, `text`, …) and, as JSON, the speakers, utterances and role decision
    /// it changes (only those, not the whole file), from which `perform` applies it.
    private func analysisChange(type: String, object: [String: Any], document: CallDocument, user: String) throws -> ([String: String], [String: String]) {
        guard let analysis = document.analysis else {
            throw Rejection(reason: "the call has no speaker analysis yet (analysis.json), so it has no speakers or utterances to correct")
        }
        func string(_ key: String, _ what: String) throws -> String {
            guard let value = object[key] as? String else { throw Rejection(reason: "missing \"\(key)\" (\(what))") }
            return value
        }
        func integer(_ key: String, _ what: String) throws -> Int {
            guard let value = object[key] as? Int else {
                throw Rejection(reason: "missing \"\(key)\" (\(what), a whole number)")
            }
            return value
        }
        let correction: AnalysisCorrection
        switch type {
        case "roles.swap":
            correction = .swapRoles
        case "speaker.role":
            let text = try string("role", "KLIENT or KONSULTANT")
            guard let role = Role(rawValue: text) else { throw Rejection(reason: "\"role\" is \"\(text)\"; it must be KLIENT or KONSULTANT") }
            correction = .setRole(speaker: try string("speaker", "the speaker's id, e.g. S1"), role: role)
        case "speaker.rename":
            correction = .renameSpeaker(try string("speaker", "the speaker's id, e.g. S1"), name: try string("name", "the display name"))
        case "utterance.speaker":
            correction = .moveUtterance(try integer("utterance", "the utterance's number"), to: try string("speaker", "the speaker's id, e.g. S2"))
        case "utterance.split":
            var speaker: String?
            if let value = object["speaker"], !(value is NSNull) { speaker = try string("speaker", "the second part's speaker, e.g. S2") }
            correction = .splitUtterance(
                try integer("utterance", "the utterance's number"), atWord: try integer("at_word", "the index of the word the second part starts with"),
                speaker: speaker)
        default:  // utterance.text
            correction = .retextUtterance(try integer("utterance", "the utterance's number"), text: try string("text", "the utterance's new text"))
        }
        let corrected: Analysis
        do {
            corrected = try analysis.correcting(correction, by: user)
        } catch {
            throw Rejection(reason: error.errorDescription ?? "\(error)")
        }
        let changed = analysis.changes(to: corrected)
        // Readable values for the page's history, then the changed parts as JSON.
        func label(_ speaker: Speaker?) -> String {
            guard let speaker else { return "—" }
            return [speaker.name ?? speaker.id, speaker.role?.rawValue].compactMap { $0 }.joined(separator: " · ")
        }
        var before: [String: String] = [:]
        var after: [String: String] = [:]
        switch correction {
        case .swapRoles, .setRole:
            let ids = changed.speakers.map(\.id)
            for id in ids {
                before[id] = analysis.role(of: id)?.rawValue ?? "—"
                after[id] = corrected.role(of: id)?.rawValue ?? "—"
            }
        case .renameSpeaker(let id, _):
            before["speaker"] = id
            after["speaker"] = id
            before["name"] = analysis.speaker(id)?.name ?? ""
            after["name"] = corrected.speaker(id)?.name ?? ""
        case .moveUtterance(let id, let to):
            let from = analysis.utterances.first { $0.id == id }?.speaker
            before["utterance"] = String(id)
            after["utterance"] = String(id)
            before["speaker"] = label(from.flatMap(analysis.speaker))
            after["speaker"] = label(corrected.speaker(to))
            before["text"] = analysis.utterances.first { $0.id == id }?.text.trimmingCharacters(in: .whitespaces) ?? ""
        case .splitUtterance(let id, let atWord, _):
            let parts = changed.utterances
            before["utterance"] = String(id)
            before["text"] = analysis.utterances.first { $0.id == id }?.text.trimmingCharacters(in: .whitespaces) ?? ""
            after["utterance"] = parts.map { String($0.id) }.joined(separator: ", ")
            after["at_word"] = String(atWord)
            after["text"] = parts.map { "\(label(corrected.speaker($0.speaker))): \($0.text.trimmingCharacters(in: .whitespaces))" }.joined(separator: " | ")
        case .retextUtterance(let id, _):
            before["utterance"] = String(id)
            after["utterance"] = String(id)
            before["text"] = analysis.utterances.first { $0.id == id }?.text.trimmingCharacters(in: .whitespaces) ?? ""
            after["text"] = corrected.utterances.first { $0.id == id }?.text ?? ""
        }
        func json<T: Encodable>(_ value: T) throws -> String {
            String(decoding: try FileFormats.json(value, compact: true), as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        let oldSpeakers = changed.speakers.compactMap { analysis.speaker($0.id) }
        let oldUtterances = changed.utterances.compactMap { new in analysis.utterances.first { $0.id == new.id } }
        if !changed.speakers.isEmpty {
            before["speakers"] = try json(oldSpeakers)
            after["speakers"] = try json(changed.speakers)
        }
        if !changed.utterances.isEmpty {
            before["utterances"] = try json(oldUtterances)
            after["utterances"] = try json(changed.utterances)
        }
        if let roles = changed.roles {
            before["roles"] = try json(analysis.roles)
            after["roles"] = try json(roles)
        }
        return (before, after)
    }

    /// A segment with new text. Word timings are kept when the word count is unchanged; otherwise the new words
    /// share the segment's span in proportion to their length.
    static func retext(_ segment: Segment, to text: String) -> Segment {
        var segment = segment
        let tokens = text.split(whereSeparator: \.isWhitespace).map(String.init)
        segment.text = " " + text
        guard let first = segment.words.first, let last = segment.words.last else { return segment }
        segment.words = Word.retexted(segment.words, to: tokens, start: first.start, end: last.end)
        return segment
    }

    static func text(_ value: Any) -> String {
        if let string = value as? String { return string }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }

    static func describe(_ error: Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
        return text
    }

    /// Records the outcome: audit, the call's history (rejections), the status file the page polls, and the
    /// document itself (removed when applied; kept with its reason when rejected).
    private func finish(_ path: String, outcome: EditOutcome, context: Context) {
        let name = context.file
        var detail = ["type": context.type, "file": name, "edit": context.editID]
        let status: [String: String]
        switch outcome {
        case .applied(let call, let revision):
            detail["revision"] = String(revision)
            status = ["state": "applied", "call": call, "revision": String(revision), "time": Pipeline.iso(now())]
            record(context, "applied", call: call, detail: detail)
            unlink(path)
        case .rejected(let reason):
            detail["reason"] = reason
            status = ["state": "rejected", "call": context.call ?? "", "reason": reason, "time": Pipeline.iso(now())]
            if let call = context.call, let folder = try? store.find(call) {
                let entry = HistoryEntry(
                    edit: context.editID, state: "rejected", type: context.type, user: context.user, time: Pipeline.iso(now()),
                    file: name, reason: reason, comment: context.comment)
                try? store.write(FileFormats.json(entry), as: "history/rejected-\(context.editID).json", in: folder)
            }
            record(context, "rejected", call: context.call, detail: detail)
            let failed = workspace.failed + "/edits/" + context.user
            if let target = try? FileSystem.reserve(failed + "/" + name) {
                let report = "edit: \(name)\nuser: \(context.user)\ntime: \(Pipeline.iso(now()))\n\nrejected: \(reason)\n"
                try? FileSystem.writeAtomically(Data(report.utf8), to: target + ".error.txt")
                try? FileSystem.replace(target, with: path)
            }
        }
        // For the page: site/edit-status/<user>/<file>, which nginx serves to that user only.
        if let data = try? JSONSerialization.data(withJSONObject: status, options: [.sortedKeys]) {
            try? FileSystem.writeAtomically(data, to: workspace.site + "/edit-status/" + context.user + "/" + name)
        }
    }

    private func record(_ context: Context, _ outcome: String, call: String?, detail: [String: String]) {
        do {
            try audit.append(actor: "user:" + context.user, action: "edit", call: call, outcome: outcome, detail: detail)
        } catch {
            FileHandle.standardError.write(Data("error: audit log: \(error.localizedDescription)\n".utf8))
        }
    }
}
