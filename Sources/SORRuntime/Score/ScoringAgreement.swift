import Foundation
import SORCore

/// How often the automatic answers agree with an evaluator's expected ones: per criterion, per card and overall,
/// Cohen's kappa where it is defined, the critical failures SOR raised wrongly or missed (with their evidence),
/// and pass/fail per call. `sor eval scoring` prints it; the dashboard's agreement panel reads the same numbers.
public struct ScoringAgreement: Codable, Sendable {
    /// One automatic answer beside the expected one.
    public struct Pair: Codable, Sendable {
        public var call: String
        public var card: String
        public var criterion: String
        public var critical: Bool
        /// `yes`, `no`, `partial`, `na` or a scale value.
        public var expected: String
        /// nil: the rule left it to an evaluator (e.g. a quote the recogniser was unsure of).
        public var automatic: String?
        public var reason: String
        public var note: String
        public var evidence: [Evidence]

        public var agrees: Bool { automatic == expected }
    }

    public struct Row: Codable, Sendable {
        public var card: String
        /// nil for a card's or the overall row.
        public var criterion: String?
        public var name: String
        public var critical: Bool
        /// Pairs where both answers exist, and how many of them agree.
        public var compared: Int
        public var agreed: Int
        /// Calls where the rule gave no answer and an evaluator must.
        public var leftToEvaluator: Int
        public var agreement: Double?
        /// Cohen's kappa; nil where it is not defined (both sides gave one and the same answer to every call).
        public var kappa: Double?
    }

    public struct CallRow: Codable, Sendable {
        public var call: String
        public var card: String
        /// Scored from the expected answers alone.
        public var expectedTotal: Double
        public var expectedPassed: Bool
        public var expectedCritical: [String]
        /// Scored from the automatic answers, with the expected answers where no rule answers (what an evaluator
        /// adds by hand).
        public var sorTotal: Double
        public var sorPassed: Bool
        public var sorCritical: [String]
        public var agreed: Int
        public var compared: Int

        public var verdictAgrees: Bool { expectedPassed == sorPassed }
    }

    public var expectedFile: String
    public var scorecardsSha256: String
    public var overall: Row
    public var cards: [Row]
    public var criteria: [Row]
    /// Criteria answered only by an evaluator (no automatic rule): listed, not compared.
    public var manualOnly: [String]
    public var calls: [CallRow]
    /// A critical criterion SOR answered "no" where the evaluator did not.
    public var falseCritical: [Pair]
    /// A critical criterion the evaluator answered "no" where SOR answered otherwise (one it left to an evaluator is
    /// counted in `leftToEvaluator`, not here).
    public var missedCritical: [Pair]
    /// Every disagreement, in call order.
    public var disagreements: [Pair]
    public var notes: [String]

    /// Compares `evaluations` (by call name, each scored without manual answers) with the expected answers.
    public static func compute(
        expected: ExpectedAnswers, evaluations: [(name: String, evaluation: Evaluation?)], scorecards: LoadedScorecards
    ) -> ScoringAgreement {
        var pairs: [Pair] = []
        var calls: [CallRow] = []
        var notes = expected.notes
        var manualOnly: Set<String> = []
        for (name, evaluation) in evaluations {
            guard let labelled = expected.call(name), let card = scorecards.set.card(labelled.card) else { continue }
            guard let result = evaluation?.card(labelled.card) else {
                notes.append("\(name): not scored on \(labelled.card) (no transcript or no valid card)")
                continue
            }
            let automatic = Dictionary(result.sections.flatMap(\.criteria).map { ($0.id, $0.auto) }, uniquingKeysWith: { a, _ in a })
            var completed: [String: ManualAnswer] = [:]
            var agreed = 0
            var compared = 0
            for criterion in card.sections.flatMap(\.criteria) {
                guard let label = labelled.answers[criterion.id] else { continue }
                let manual = ManualAnswer(answer: label.answer, comment: label.reason, evaluator: "expected", time: "")
                guard criterion.auto != nil else {
                    manualOnly.insert("\(card.id).\(criterion.id)")
                    completed[criterion.id] = manual
                    continue
                }
                let auto = automatic[criterion.id] ?? nil
                if auto?.answer == nil { completed[criterion.id] = manual }
                let pair = Pair(
                    call: name, card: card.id, criterion: criterion.id, critical: criterion.critical, expected: label.answer.value,
                    automatic: auto?.answer?.value, reason: label.reason, note: auto?.note ?? "", evidence: auto?.evidence ?? [])
                if pair.automatic != nil {
                    compared += 1
                    if pair.agrees { agreed += 1 }
                }
                pairs.append(pair)
            }
            let byHand = Dictionary(labelled.answers.map { ($0.key, ManualAnswer(answer: $0.value.answer, evaluator: "expected", time: "")) }, uniquingKeysWith: { a, _ in a })
            let expectedResult = Scoring.score(card: card, auto: [:], manual: byHand)
            let autoAnswers = Dictionary(uniqueKeysWithValues: automatic.compactMap { id, auto in auto.map { (id, $0) } })
            let sorResult = Scoring.score(card: card, auto: autoAnswers, manual: completed)
            calls.append(CallRow(
                call: name, card: card.id, expectedTotal: expectedResult.total, expectedPassed: expectedResult.passed,
                expectedCritical: expectedResult.criticalFailures, sorTotal: sorResult.total, sorPassed: sorResult.passed,
                sorCritical: sorResult.criticalFailures, agreed: agreed, compared: compared))
            if let passed = labelled.passed, passed != expectedResult.passed {
                notes.append("\(name): labelled passed: \(passed), but its expected answers score \(expectedResult.total)% on \(card.id) (\(expectedResult.passed ? "passed" : "failed"))")
            }
            if let critical = labelled.critical, Set(critical) != Set(expectedResult.criticalFailures) {
                notes.append("\(name): labelled critical \(critical), but its expected answers fail \(expectedResult.criticalFailures) critically")
            }
        }
        var criteria: [Row] = []
        var cards: [Row] = []
        for card in scorecards.set.cards {
            let cardPairs = pairs.filter { $0.card == card.id }
            guard !cardPairs.isEmpty else { continue }
            for criterion in card.sections.flatMap(\.criteria) where criterion.auto != nil {
                let own = cardPairs.filter { $0.criterion == criterion.id }
                guard !own.isEmpty else { continue }
                criteria.append(row(own, card: card.id, criterion: criterion.id, name: criterion.name, critical: criterion.critical))
            }
            cards.append(row(cardPairs, card: card.id, criterion: nil, name: card.name, critical: false))
        }
        let compared = pairs.filter { $0.automatic != nil }
        return ScoringAgreement(
            expectedFile: expected.file, scorecardsSha256: scorecards.sha256,
            overall: row(pairs, card: "", criterion: nil, name: "wszystkie kryteria z regułą automatyczną", critical: false),
            cards: cards, criteria: criteria, manualOnly: manualOnly.sorted(), calls: calls,
            falseCritical: compared.filter { $0.critical && $0.automatic == "no" && $0.expected != "no" },
            missedCritical: compared.filter { $0.critical && $0.expected == "no" && $0.automatic != "no" },
            disagreements: compared.filter { !$0.agrees }, notes: notes)
    }

    static func row(_ pairs: [Pair], card: String, criterion: String?, name: String, critical: Bool) -> Row {
        let answered = pairs.filter { $0.automatic != nil }
        let agreed = answered.filter(\.agrees).count
        return Row(
            card: card, criterion: criterion, name: name, critical: critical, compared: answered.count, agreed: agreed,
            leftToEvaluator: pairs.count - answered.count,
            agreement: answered.isEmpty ? nil : Double(agreed) / Double(answered.count),
            kappa: kappa(answered.map { ($0.expected, $0.automatic!) }))
    }

    /// Cohen's kappa of two raters over the same items: (observed − chance agreement) ÷ (1 − chance agreement).
    public static func kappa(_ pairs: [(String, String)]) -> Double? {
        guard !pairs.isEmpty else { return nil }
        let n = Double(pairs.count)
        let observed = Double(pairs.filter { $0.0 == $0.1 }.count) / n
        var first: [String: Double] = [:]
        var second: [String: Double] = [:]
        for (a, b) in pairs {
            first[a, default: 0] += 1
            second[b, default: 0] += 1
        }
        let chance = first.reduce(0.0) { $0 + ($1.value / n) * ((second[$1.key] ?? 0) / n) }
        guard 1 - chance > 1e-9 else { return nil }
        return (observed - chance) / (1 - chance)
    }

    /// The report for people: the table per criterion, per card and overall, the critical failures, the calls.
    public var text: [String] {
        func percent(_ value: Double?) -> String { value.map { String(format: "%5.1f%%", $0 * 100) } ?? "    —" }
        func kappa(_ value: Double?) -> String { value.map { String(format: "%5.2f", $0) } ?? "    —" }
        func line(_ label: String, _ row: Row) -> String {
            label.padding(toLength: 44, withPad: " ", startingAt: 0)
                + String(format: " %3d/%-3d ", row.agreed, row.compared) + percent(row.agreement) + "  κ " + kappa(row.kappa)
                + (row.leftToEvaluator > 0 ? "  (\(row.leftToEvaluator) left to an evaluator)" : "")
        }
        var lines = ["agreement of the automatic answers with \(expectedFile), scorecards sha256 \(scorecardsSha256.prefix(12))", ""]
        for card in cards {
            lines.append(line(card.card, card))
            for row in criteria where row.card == card.card {
                lines.append(line("  " + (row.criterion ?? "") + (row.critical ? " (krytyczne)" : ""), row))
            }
        }
        lines.append(line("overall", overall))
        lines.append("")
        lines.append("pass/fail agreement per call: \(calls.filter(\.verdictAgrees).count)/\(calls.count)")
        for call in calls {
            lines.append("  " + call.call.padding(toLength: 36, withPad: " ", startingAt: 0) + " " + call.card.padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: " expected %6.2f%% %@  sor %6.2f%% %@", call.expectedTotal, call.expectedPassed ? "pass" : "fail", call.sorTotal, call.sorPassed ? "pass" : "fail")
                + (call.verdictAgrees ? "" : "  ← differs"))
        }
        func pairLine(_ pair: Pair) -> String {
            let quotes = pair.evidence.prefix(2).map { evidence in
                (evidence.start.map { String(format: "%.1f s ", $0) } ?? "") + "„\(evidence.quote)”"
            }.joined(separator: "; ")
            return "  \(pair.call) \(pair.card).\(pair.criterion): expected \(pair.expected), sor \(pair.automatic ?? "—") — \(pair.note)"
                + (quotes.isEmpty ? "" : " [\(quotes)]") + (pair.reason.isEmpty ? "" : " (evaluator: \(pair.reason))")
        }
        lines.append("")
        lines.append("false critical failures: \(falseCritical.count)")
        lines += falseCritical.map(pairLine)
        lines.append("missed critical failures: \(missedCritical.count)")
        lines += missedCritical.map(pairLine)
        lines.append("")
        lines.append("disagreements: \(disagreements.count)")
        lines += disagreements.map(pairLine)
        if !manualOnly.isEmpty {
            lines.append("")
            lines.append("answered by an evaluator only (no automatic rule): " + manualOnly.joined(separator: ", "))
        }
        if !notes.isEmpty {
            lines.append("")
            lines += notes.map { "note: " + $0 }
        }
        return lines
    }
}
