import Foundation
import SORCore

/// The call page's scorecards: each card's verdict, sections and criteria with their answers in words, evidence,
/// guidance and evaluators' comments; and the history's one-line summaries.
extension SiteRenderer {
    /// The scorecards section: per card, sections and criteria with automatic answers, evidence and manual answers.
    func evaluationContext(_ evaluation: Evaluation?, disputes: [Dispute] = []) -> [[String: Any]] {
        guard let evaluation else { return [] }
        let t = Strings.table(settings.language)
        return evaluation.cards.map { card -> [String: Any] in
            var result: [String: Any] = [
                "card": card.card, "name": card.name, "total": Format.percent(card.total), "threshold": Format.percent(card.passThreshold),
                "passed": card.passed, "verdict": card.passed ? t["passed"]! : t["failed"]!,
                "scorecards": String(evaluation.scorecardsSha256.prefix(12)),
                "sections": card.sections.map { section -> [String: Any] in
                    [
                        "name": section.name, "weight": Format.number(section.weight),
                        "percent": section.percent.map(Format.percent) ?? t["not_applicable"]!,
                        "criteria": section.criteria.map { criterion -> [String: Any] in
                            var row: [String: Any] = [
                                "id": criterion.id, "name": criterion.name, "critical": criterion.critical,
                                "guidance": settings.guidance[card.card + "/" + criterion.id] as Any,
                                "points": Format.number(criterion.points),
                                "earned": criterion.earned.map(Format.number) ?? "—",
                                "final": criterion.final.map { Strings.answer($0.value, settings.language) } ?? t["unanswered"]!,
                                "final_value": criterion.final?.value ?? "",
                                "failed": criterion.final?.fraction(scale: 1) == 0,
                                "evidence": (criterion.auto?.evidence ?? []).prefix(5).map { item -> [String: Any] in
                                    var entry: [String: Any] = ["quote": item.quote]
                                    if let start = item.start { entry["start"] = Format.seconds(start); entry["clock"] = Format.clock(start) }
                                    return entry
                                },
                            ]
                            if let auto = criterion.auto {
                                row["auto"] = auto.answer.map { Strings.answer($0.value, settings.language) } ?? t["unanswered"]!
                                let (plain, rule) = Self.plainNote(auto.note, language: settings.language)
                                row["note"] = plain
                                if let rule { row["rule"] = rule }
                            }
                            row["options"] = criterion.answerValues.map { value -> [String: Any] in
                                var option: [String: Any] = ["value": value, "label": Strings.answer(value, settings.language)]
                                if criterion.manual?.answer.value == value { option["selected"] = true }
                                return option
                            }
                            let own = disputes.filter { $0.card == card.card && $0.criterion == criterion.id }
                            if !own.isEmpty { row["disputes"] = own.map(disputeContext) }
                            if let manual = criterion.manual {
                                row["manual"] = Strings.answer(manual.answer.value, settings.language)
                                row["manual_value"] = manual.answer.value
                                row["evaluator"] = manual.evaluator
                                if let comment = manual.comment, !comment.isEmpty {
                                    row["comment"] = comment
                                    row["comment_html"] = Markdown.html(comment)
                                }
                            }
                            return row
                        },
                    ]
                },
            ]
            if !card.criticalFailures.isEmpty { result["critical_failures"] = card.criticalFailures.joined(separator: ", ") }
            if !card.unanswered.isEmpty { result["unanswered"] = card.unanswered.count }
            if let evaluator = card.evaluator { result["evaluator"] = evaluator }
            if let comment = card.comment, !comment.isEmpty {
                result["comment"] = comment
                result["comment_html"] = Markdown.html(comment)
            }
            if let commit = evaluation.scorecardsCommit { result["commit"] = String(commit.prefix(10)) }
            return result
        }
    }

    /// One dispute under its criterion: who, when, why, the answer asked for, and the decision.
    func disputeContext(_ dispute: Dispute) -> [String: Any] {
        let t = Strings.table(settings.language)
        var row: [String: Any] = [
            "id": dispute.id, "user": dispute.user, "time": Format.dateTime(dispute.time), "comment": dispute.comment,
            "state": dispute.state.rawValue, "state_label": t["dispute_state_" + dispute.state.rawValue]!, "open": dispute.state == .open,
        ]
        if let proposed = dispute.proposed { row["proposed"] = Strings.answer(proposed, settings.language) }
        if let by = dispute.resolvedBy {
            row["resolved_by"] = by
            row["resolution"] = dispute.resolution ?? ""
        }
        return row
    }

    /// What an edit changed, in words: `fragment 3: „…” → „…”`.
    public static func summary(_ entry: HistoryEntry, language: String) -> String {
        let t = Strings.table(language)
        guard let after = entry.after else { return "" }
        let before = entry.before ?? [:]
        switch entry.type {
        case "transcript.text":
            return "\(t["segment"]!) \(after["segment"] ?? "?"): „\(before["text"] ?? "")” → „\(after["text"] ?? "")”"
        case "utterance.text":
            return "\(t["utterance"]!) \(after["utterance"] ?? "?"): „\(before["text"] ?? "")” → „\(after["text"] ?? "")”"
        case "utterance.speaker":
            return "\(t["utterance"]!) \(after["utterance"] ?? "?"): \(before["speaker"] ?? "—") → \(after["speaker"] ?? "—")"
        case "utterance.split":
            return "\(t["utterance"]!) \(before["utterance"] ?? "?") → \(after["utterance"] ?? "?"): \(after["text"] ?? "")"
        case "speaker.rename":
            let old = before["name"].flatMap { $0.isEmpty ? nil : "„\($0)”" } ?? "—"
            return "\(after["speaker"] ?? "?"): \(old) → „\(after["name"] ?? "")”"
        case "roles.swap", "speaker.role":
            let names = ["KLIENT": t["role_KLIENT"]!, "KONSULTANT": t["role_KONSULTANT"]!]
            return after.keys.filter { !["speakers", "utterances", "roles"].contains($0) }.sorted().map { key in
                "\(key): \(names[before[key] ?? ""] ?? "—") → \(names[after[key] ?? ""] ?? "—")"
            }.joined(separator: "; ")
        case "evaluation.dispute":
            return "\(after["card"] ?? "?").\(after["criterion"] ?? "?"): \(Strings.answer(before["answer"] ?? "—", language))"
                + (after["answer"].map { " → " + Strings.answer($0, language) } ?? "")
        case "evaluation.dispute.resolve":
            let state = t["dispute_state_" + (after["decision"] ?? "")] ?? after["decision"] ?? "?"
            return "\(after["card"] ?? "?").\(after["criterion"] ?? "?"): \(state)"
                + (after["answer"].map { " → " + Strings.answer($0, language) } ?? "")
        case "coaching.note":
            return (after["about"] == "agent" ? t["coaching_about_agent"]! : t["coaching_about_call"]!)
        case "evaluation.manual":
            let changes = after.keys.filter { !["card", "json"].contains($0) }.sorted().map { key in
                "\(key): \(Strings.answer(before[key] ?? "—", language)) → \(Strings.answer(after[key] ?? "", language))"
            }
            return "\(after["card"] ?? "?"): " + changes.joined(separator: "; ")
        default:
            return after.keys.filter { $0 != "json" }.sorted().map { key in
                "\(key): \(before[key].flatMap { $0.isEmpty ? nil : $0 } ?? "—") → \(after[key] ?? "")"
            }.joined(separator: "; ")
        }
    }
}
