import Foundation
import SORCore

/// The review edits: an agent's dispute of a criterion's answer, its resolution by a team lead or evaluator, and
/// coaching notes. Each lives on as its history entry (`Dispute.from(history:)`, `CoachingNote.from(history:)`);
/// only an accepted dispute changes the evaluation, as a manual answer scored through the derive step.
extension EditProcessor {
    static let noteLimit = 10_000

    func reviewChange(_ edit: EditDocument, document: CallDocument) throws -> ([String: String], [String: String]) {
        switch edit.kind {
        case .evaluationDispute:
            guard let comment = edit.comment?.trimmingCharacters(in: .whitespacesAndNewlines), !comment.isEmpty else {
                throw Rejection(reason: "a dispute needs a \"comment\": why the answer is wrong")
            }
            let (cardID, criterion, current) = try criterion(edit, in: document)
            var after = ["card": cardID, "criterion": criterion.id]
            if let value = edit.fields["answer"] {
                let answer = Self.text(value)
                guard Answer.isValid(answer, for: criterion) else {
                    throw Rejection(reason: "\(criterion.id): \"\(answer)\" is not an answer to this criterion; \(Self.allowed(criterion))")
                }
                guard answer != current?.final?.value else {
                    throw Rejection(reason: "\(criterion.id) is already answered \"\(answer)\"; nothing to dispute")
                }
                after["answer"] = answer
            }
            if let open = Dispute.from(history: document.history).first(where: { $0.card == cardID && $0.criterion == criterion.id && $0.state == .open }) {
                throw Rejection(reason: "\(criterion.id) is already disputed by \(open.user) (\(open.time)); wait for the team lead's decision")
            }
            return (["answer": current?.final?.value ?? "—"], after)
        case .disputeResolve:
            guard let comment = edit.comment?.trimmingCharacters(in: .whitespacesAndNewlines), !comment.isEmpty else {
                throw Rejection(reason: "a decision on a dispute needs a \"comment\": the reason, which the agent reads")
            }
            let id = try edit.string("dispute", "the id of the dispute edit, as the call's history shows it")
            let disputes = Dispute.from(history: document.history)
            guard let dispute = disputes.first(where: { $0.id == id }) else {
                throw Rejection(reason: "the call has no dispute \(id); disputes: \(disputes.map(\.id).joined(separator: ", ").ifEmpty("none"))")
            }
            guard dispute.state == .open else {
                throw Rejection(reason: "dispute \(id) was \(dispute.state.rawValue) already by \(dispute.resolvedBy ?? "?") (\(dispute.resolvedAt ?? "?"))")
            }
            let decision = try edit.string("decision", "accepted or rejected")
            guard let state = Dispute.State(rawValue: decision), state != .open else {
                throw Rejection(reason: "\"decision\" is \"\(decision)\"; it must be accepted or rejected")
            }
            var after = ["dispute": id, "decision": decision, "card": dispute.card, "criterion": dispute.criterion]
            var before: [String: String] = [:]
            if state == .accepted {
                guard let scoring = scorer.current, let card = scoring.scorecards.set.card(dispute.card),
                    let criterion = card.sections.flatMap(\.criteria).first(where: { $0.id == dispute.criterion })
                else { throw Rejection(reason: "the disputed criterion \(dispute.card).\(dispute.criterion) is no longer on the scorecards") }
                guard let answer = edit.fields["answer"].map(Self.text) ?? dispute.proposed else {
                    throw Rejection(reason: "the dispute names no answer, so accepting it needs \"answer\": the answer that counts now; \(Self.allowed(criterion))")
                }
                guard Answer.isValid(answer, for: criterion) else {
                    throw Rejection(reason: "\(criterion.id): \"\(answer)\" is not an answer to this criterion; \(Self.allowed(criterion))")
                }
                after["answer"] = answer
                let current = document.evaluation?.card(dispute.card)
                before = ["answer": current?.sections.flatMap(\.criteria).first { $0.id == criterion.id }?.final?.value ?? "—",
                          "total": current.map { String(format: "%.2f", $0.total) } ?? "—"]
            }
            return (before, after)
        case .coachingNote:
            guard let note = (edit.fields["note"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !note.isEmpty else {
                throw Rejection(reason: "missing \"note\" (the coaching note, Markdown)")
            }
            guard note.count <= Self.noteLimit else { throw Rejection(reason: "the note is longer than \(Self.noteLimit) characters; shorten it") }
            let about = (edit.fields["about"] as? String) ?? "call"
            guard about == "call" || about == "agent" else {
                throw Rejection(reason: "\"about\" is \"\(about)\"; it must be call (a note on this call) or agent (on the call's agent)")
            }
            if about == "agent" && (document.call.metadata.agent ?? "").isEmpty {
                throw Rejection(reason: "the call names no agent, so the note cannot be about its agent; set the call's agent first or make it about the call")
            }
            return ([:], ["note": note, "about": about])
        default:
            throw Rejection(reason: "\(edit.kind.rawValue) is not a review edit")
        }
    }

    /// The card and criterion a dispute names, with its current result.
    private func criterion(_ edit: EditDocument, in document: CallDocument) throws -> (String, Criterion, CriterionResult?) {
        guard let scoring = scorer.current else { throw Rejection(reason: "no valid scorecards are in use; fix scorecards.yaml (sor check)") }
        let cardID = try edit.string("card", "the scorecard's id")
        guard let card = scoring.scorecards.set.card(cardID), let result = document.evaluation?.card(cardID) else {
            let cards = document.evaluation?.cards.map(\.card).joined(separator: ", ") ?? ""
            throw Rejection(reason: "the call is not scored on card \(cardID); its cards: \(cards.ifEmpty("none"))")
        }
        let id = try edit.string("criterion", "the criterion's id")
        guard let criterion = card.sections.flatMap(\.criteria).first(where: { $0.id == id }) else {
            throw Rejection(reason: "card \(cardID) has no criterion \(id)")
        }
        return (cardID, criterion, result.sections.flatMap(\.criteria).first { $0.id == id })
    }

    static func allowed(_ criterion: Criterion) -> String {
        let values = switch criterion.answer {
        case .yesNo: "yes, no"
        case .partial: "yes, partial, no"
        case .scale: "0…\(criterion.scale)"
        }
        return "allowed: " + values + (criterion.naAllowed ? ", na" : "")
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
