import Foundation

/// An agent's dispute of one criterion's answer, and what became of it: read from the call's history, where the
/// `evaluation.dispute` edit and the `evaluation.dispute.resolve` edit that answers it are kept as files.
public struct Dispute: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case open
        case accepted
        case rejected
    }

    /// The dispute edit's id; the resolution names it.
    public var id: String
    public var card: String
    public var criterion: String
    /// Who disputed, when, why, the answer they asked for (if they named one) and the answer that counted then.
    public var user: String
    public var time: String
    public var comment: String
    public var proposed: String?
    public var disputed: String?
    public var state: State
    public var resolvedBy: String?
    public var resolvedAt: String?
    public var resolution: String?
    /// The answer set by an accepted dispute.
    public var answer: String?

    /// The history's disputes, oldest first, each with its resolution where there is one.
    public static func from(history: [HistoryEntry]) -> [Dispute] {
        var disputes: [Dispute] = []
        for entry in history where entry.state == "applied" {
            if entry.type == EditType.dispute, let after = entry.after, let card = after["card"], let criterion = after["criterion"] {
                disputes.append(Dispute(
                    id: entry.edit, card: card, criterion: criterion, user: entry.user, time: entry.time, comment: entry.comment ?? "",
                    proposed: after["answer"], disputed: entry.before?["answer"], state: .open))
            } else if entry.type == EditType.disputeResolve, let after = entry.after, let id = after["dispute"],
                let index = disputes.firstIndex(where: { $0.id == id })
            {
                disputes[index].state = after["decision"] == State.accepted.rawValue ? .accepted : .rejected
                disputes[index].resolvedBy = entry.user
                disputes[index].resolvedAt = entry.time
                disputes[index].resolution = entry.comment
                disputes[index].answer = after["answer"]
            }
        }
        return disputes
    }

    /// The edit types' names, shared by the edit processor and the pages.
    public enum EditType {
        public static let dispute = "evaluation.dispute"
        public static let disputeResolve = "evaluation.dispute.resolve"
        public static let coachingNote = "coaching.note"
    }
}

/// A team lead's coaching note on a call, or through a call on its agent (`about: agent`): Markdown, kept in the
/// call's history as the `coaching.note` edit that made it.
public struct CoachingNote: Sendable, Equatable, Codable {
    public var id: String
    public var user: String
    public var time: String
    /// `call` or `agent`.
    public var about: String
    public var text: String

    public static func from(history: [HistoryEntry]) -> [CoachingNote] {
        history.compactMap { entry in
            guard entry.state == "applied", entry.type == Dispute.EditType.coachingNote, let text = entry.after?["note"] else { return nil }
            return CoachingNote(id: entry.edit, user: entry.user, time: entry.time, about: entry.after?["about"] ?? "call", text: text)
        }
    }
}
