import Foundation
import SORCore

/// The kinds of edit document, one per `type`. Everything that differs by kind is decided here, once.
public enum EditKind: String, CaseIterable, Sendable {
    case transcriptText = "transcript.text"
    case callMetadata = "call.metadata"
    case evaluationManual = "evaluation.manual"
    case rolesSwap = "roles.swap"
    case speakerRole = "speaker.role"
    case speakerRename = "speaker.rename"
    case utteranceSpeaker = "utterance.speaker"
    case utteranceSplit = "utterance.split"
    case utteranceText = "utterance.text"
    /// Erases the call, as `sor calls delete` does (an admin's, with a reason).
    case callDelete = "call.delete"
    /// An agent disputes one criterion's answer on their own call, with a comment.
    case evaluationDispute = "evaluation.dispute"
    /// A team lead or evaluator accepts (setting the answer) or rejects a dispute, with a reason.
    case disputeResolve = "evaluation.dispute.resolve"
    /// A team lead's coaching note (Markdown) on the call, or through it on its agent.
    case coachingNote = "coaching.note"

    /// The keys a document of this kind has besides the common ones.
    var keys: Set<String> {
        switch self {
        case .transcriptText: ["segment", "text"]
        case .evaluationManual: ["card", "answers", "comments"]
        case .callMetadata: ["metadata"]
        case .rolesSwap: []
        case .speakerRole: ["speaker", "role"]
        case .speakerRename: ["speaker", "name"]
        case .utteranceSpeaker: ["utterance", "speaker"]
        case .utteranceSplit: ["utterance", "at_word", "speaker"]
        case .utteranceText: ["utterance", "text"]
        case .callDelete: ["reason"]
        case .evaluationDispute: ["card", "criterion", "answer"]
        case .disputeResolve: ["dispute", "decision", "answer"]
        case .coachingNote: ["note", "about"]
        }
    }

    /// Whether it corrects the call's analysis (speakers, roles, utterances) rather than its transcript,
    /// metadata or evaluation.
    var correctsAnalysis: Bool {
        switch self {
        case .transcriptText, .callMetadata, .evaluationManual, .callDelete, .evaluationDispute, .disputeResolve, .coachingNote: false
        case .rolesSwap, .speakerRole, .speakerRename, .utteranceSpeaker, .utteranceSplit, .utteranceText: true
        }
    }

    /// Where the change enters the derive step: what must be derived again afterwards.
    var derivation: CallDeriver.Change {
        switch self {
        case .transcriptText: .words
        case .callMetadata, .callDelete: .metadata
        case .evaluationManual, .evaluationDispute, .disputeResolve, .coachingNote: .answers
        case .rolesSwap, .speakerRole, .speakerRename, .utteranceSpeaker, .utteranceSplit, .utteranceText: .utterances
        }
    }
}

/// An edit document, decoded and checked once: its kind, call, base revision and comment, and the kind's own
/// fields (validated against the call when the change is worked out).
struct EditDocument {
    static let commonKeys: Set<String> = ["schema", "type", "call", "base_revision", "comment", "id"]
    /// The largest document read.
    static let sizeLimit = 1 << 20
    /// The longest comment, on the edit or on one criterion.
    static let commentLimit = 2000
    /// How many comments one user may leave on one call (a page or script stuck in a loop must not fill its history).
    static let commentsPerCall = 100
    /// How many of one user's rejected documents a call's history keeps; later ones are still reported and kept in
    /// `inbox/failed/edits/`.
    static let rejectionsPerCall = 20

    var kind: EditKind
    var call: String
    var baseRevision: Int
    var comment: String?
    /// The whole JSON object; the kind's fields are read from it.
    var fields: [String: Any]

    /// Decodes `data`, checking in the order a person fixing the document needs: size, JSON, schema, type, keys,
    /// call, base revision. `context` learns the type, comment and call as soon as they are known, so a rejection
    /// is filed under them.
    init(_ data: Data, context: inout EditProcessor.Context) throws(EditProcessor.Rejection) {
        typealias Rejection = EditProcessor.Rejection
        guard data.count <= Self.sizeLimit else { throw Rejection(reason: "the document is larger than 1 MiB") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Rejection(reason: "the document is not valid JSON (\(EditProcessor.describe(error)))")
        }
        guard let object = parsed as? [String: Any] else { throw Rejection(reason: "the document must be a JSON object") }
        let known = (EditKind.allCases.map(\.rawValue) + ["quarantine.requeue"] + EditProcessor.calibrationTypes).joined(separator: ", ")
        guard let schema = object["schema"] as? Int else {
            throw Rejection(reason: "missing \"schema\" (it must be \(EditProcessor.schemaVersion))")
        }
        guard schema == EditProcessor.schemaVersion else {
            throw Rejection(reason: "\"schema\" is \(schema); this sor understands schema \(EditProcessor.schemaVersion)")
        }
        guard let type = object["type"] as? String else { throw Rejection(reason: "missing \"type\" (one of: \(known))") }
        context.type = type
        guard let kind = EditKind(rawValue: type) else {
            throw Rejection(reason: "unknown type \"\(type)\"; known types: \(known)")
        }
        let allowed = Self.commonKeys.union(kind.keys)
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw Rejection(reason: "unknown key \"\(key)\" for type \(type); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        if let comment = object["comment"] as? String {
            guard comment.count <= Self.commentLimit else {
                throw Rejection(reason: "the comment is longer than \(Self.commentLimit) characters; shorten it")
            }
            context.comment = comment
        }
        guard let call = object["call"] as? String, !call.isEmpty else { throw Rejection(reason: "missing \"call\" (the call id)") }
        context.call = call
        guard let base = object["base_revision"] as? Int else {
            throw Rejection(reason: "missing \"base_revision\" (the revision shown on the page the change was made on)")
        }
        self.kind = kind
        self.call = call
        baseRevision = base
        comment = context.comment
        fields = object
    }

    /// A text field of the kind's own, or a rejection saying what it should hold.
    func string(_ key: String, _ what: String) throws(EditProcessor.Rejection) -> String {
        guard let value = fields[key] as? String else { throw EditProcessor.Rejection(reason: "missing \"\(key)\" (\(what))") }
        return value
    }

    /// A whole-number field of the kind's own, or a rejection saying what it should hold.
    func integer(_ key: String, _ what: String) throws(EditProcessor.Rejection) -> Int {
        guard let value = fields[key] as? Int else {
            throw EditProcessor.Rejection(reason: "missing \"\(key)\" (\(what), a whole number)")
        }
        return value
    }
}
