import Foundation

/// An answer to a criterion: a value in 0…1 of its points, or N/A.
public struct Answer: Codable, Sendable, Equatable {
    /// `yes`, `no`, `partial`, `na`, or the scale value as text (`0`…`scale`).
    public var value: String

    public init(_ value: String) { self.value = value }

    public static let yes = Answer("yes")
    public static let no = Answer("no")
    public static let partial = Answer("partial")
    public static let notApplicable = Answer("na")

    public var isNotApplicable: Bool { value == "na" }

    /// The share of the points this answer earns, or nil for N/A. `scale` is the top of a scale answer.
    public func fraction(scale: Int) -> Double? {
        switch value {
        case "yes": 1
        case "no": 0
        case "partial": 0.5
        case "na": nil
        default: Double(value).map { min(max($0 / Double(max(scale, 1)), 0), 1) } ?? 0
        }
    }

    /// Whether `value` is a valid answer for the criterion.
    public static func isValid(_ value: String, for criterion: Criterion) -> Bool {
        if value == "na" { return criterion.naAllowed }
        switch criterion.answer {
        case .yesNo: return value == "yes" || value == "no"
        case .partial: return ["yes", "no", "partial"].contains(value)
        case .scale: return Int(value).map { (0...criterion.scale).contains($0) } ?? false
        }
    }
}

/// What decided an automatic answer: the quote and where it was said, or that nothing was found.
public struct Evidence: Codable, Sendable, Equatable {
    /// Seconds from the start of the call (nil when the evidence is an absence or a measurement of the whole call).
    public var start: Double?
    public var end: Double?
    /// The words of the transcript that matched (or the measurement, e.g. "najdłuższa cisza 12,4 s").
    public var quote: String
    /// The rule's phrase that matched them, and how closely (0…1).
    public var phrase: String?
    public var similarity: Double?
    /// The recogniser's mean confidence in the quoted words (0…1), where it gave one.
    public var confidence: Double?
    /// The speaker's role where known.
    public var role: String?
    /// The segment the quote comes from.
    public var segment: Int?

    public init(
        start: Double? = nil, end: Double? = nil, quote: String, phrase: String? = nil, similarity: Double? = nil,
        confidence: Double? = nil, role: String? = nil, segment: Int? = nil
    ) {
        self.start = start
        self.end = end
        self.quote = quote
        self.phrase = phrase
        self.similarity = similarity
        self.confidence = confidence
        self.role = role
        self.segment = segment
    }
}

/// An automatic answer with its evidence and a one-line explanation. No answer when the call lacks the data the
/// rule needs (e.g. speaker turns before diarization): an evaluator answers it.
public struct AutoAnswer: Codable, Sendable, Equatable {
    public var answer: Answer?
    public var note: String
    public var evidence: [Evidence]

    public init(answer: Answer?, note: String, evidence: [Evidence] = []) {
        self.answer = answer
        self.note = note
        self.evidence = evidence
    }
}

/// An evaluator's answer, overriding the automatic one.
public struct ManualAnswer: Codable, Sendable, Equatable {
    public var answer: Answer
    public var comment: String?
    public var evaluator: String
    public var time: String

    public init(answer: Answer, comment: String? = nil, evaluator: String, time: String) {
        self.answer = answer
        self.comment = comment
        self.evaluator = evaluator
        self.time = time
    }
}

public struct CriterionResult: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// How it is answered (`yes_no`, `partial`, `scale` up to `scale`) and whether N/A is allowed: what an
    /// evaluator's form offers.
    public var answerType: String
    public var scale: Int?
    public var naAllowed: Bool
    public var critical: Bool
    public var points: Double
    /// A fingerprint of the criterion's rules and matching settings when the automatic answer was made: `sor
    /// rescore` reuses the answer while it is unchanged (a new weight or threshold needs no new answers).
    public var rule: String?
    public var auto: AutoAnswer?
    public var manual: ManualAnswer?
    /// The answer that counts: the manual one where given, else the automatic one; nil when neither exists.
    public var final: Answer?
    /// Points earned (nil for N/A or unanswered).
    public var earned: Double?

    public init(
        id: String, name: String, answerType: String, scale: Int? = nil, naAllowed: Bool, critical: Bool, points: Double,
        rule: String? = nil, auto: AutoAnswer? = nil, manual: ManualAnswer? = nil, final: Answer? = nil, earned: Double? = nil
    ) {
        self.id = id
        self.name = name
        self.answerType = answerType
        self.scale = scale
        self.naAllowed = naAllowed
        self.critical = critical
        self.points = points
        self.rule = rule
        self.auto = auto
        self.manual = manual
        self.final = final
        self.earned = earned
    }
}

public struct SectionResult: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var weight: Double
    /// Percent of the section's applicable points earned; nil when nothing in it applies.
    public var percent: Double?
    public var criteria: [CriterionResult]

    public init(id: String, name: String, weight: Double, percent: Double?, criteria: [CriterionResult]) {
        self.id = id
        self.name = name
        self.weight = weight
        self.percent = percent
        self.criteria = criteria
    }
}

/// One call scored on one card.
public struct CardResult: Codable, Sendable, Equatable {
    public var card: String
    public var name: String
    public var passThreshold: Double
    /// Weighted total in percent (0 after a critical failure).
    public var total: Double
    public var passed: Bool
    /// Ids of critical criteria answered "no".
    public var criticalFailures: [String]
    /// Criteria with no answer yet (manual-only and not evaluated): left out of the total until answered.
    public var unanswered: [String]
    public var sections: [SectionResult]
    /// The evaluator who last gave manual answers, and their overall comment.
    public var evaluator: String?
    public var comment: String?

    public init(
        card: String, name: String, passThreshold: Double, total: Double, passed: Bool, criticalFailures: [String],
        unanswered: [String], sections: [SectionResult], evaluator: String? = nil, comment: String? = nil
    ) {
        self.card = card
        self.name = name
        self.passThreshold = passThreshold
        self.total = total
        self.passed = passed
        self.criticalFailures = criticalFailures
        self.unanswered = unanswered
        self.sections = sections
        self.evaluator = evaluator
        self.comment = comment
    }
}

/// The contents of `evaluation.json`: the call's scores on each card, with the scorecards' version.
public struct Evaluation: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// SHA-256 of the `scorecards.yaml` the call was scored with, and its git commit when it is in a repository.
    public var scorecardsSha256: String
    public var scorecardsCommit: String?
    public var scoredAt: String
    public var cards: [CardResult]

    public init(scorecardsSha256: String, scorecardsCommit: String?, scoredAt: String, cards: [CardResult]) {
        self.schemaVersion = Self.currentSchemaVersion
        self.scorecardsSha256 = scorecardsSha256
        self.scorecardsCommit = scorecardsCommit
        self.scoredAt = scoredAt
        self.cards = cards
    }

    public func card(_ id: String) -> CardResult? { cards.first { $0.card == id } }
}

/// The scoring math, documented in the README:
/// - a criterion earns `points × fraction` (yes 1, partial ½, scale k/max, no 0); N/A and unanswered earn nothing
///   and are left out of the denominator;
/// - a section's percent is earned ÷ applicable points × 100 (nil when nothing applies);
/// - the total is the weight-averaged section percent over sections that apply;
/// - any critical criterion answered "no" makes the total 0 and the call fails;
/// - otherwise the call passes when the total reaches the card's pass threshold.
public enum Scoring {
    public static func score(
        card: Scorecard, auto: [String: AutoAnswer], manual: [String: ManualAnswer], evaluator: String? = nil,
        comment: String? = nil
    ) -> CardResult {
        var sections: [SectionResult] = []
        var criticalFailures: [String] = []
        var unanswered: [String] = []
        for section in card.sections {
            var earnedSum = 0.0
            var possible = 0.0
            var results: [CriterionResult] = []
            for criterion in section.criteria {
                let automatic = auto[criterion.id]
                let human = manual[criterion.id]
                let final = human?.answer ?? automatic?.answer ?? nil
                var earned: Double?
                if let final {
                    if let fraction = final.fraction(scale: criterion.scale) {
                        earned = criterion.points * fraction
                        earnedSum += criterion.points * fraction
                        possible += criterion.points
                        if criterion.critical && fraction == 0 { criticalFailures.append(criterion.id) }
                    }
                } else {
                    unanswered.append(criterion.id)
                }
                results.append(CriterionResult(
                    id: criterion.id, name: criterion.name, answerType: criterion.answer.rawValue,
                    scale: criterion.answer == .scale ? criterion.scale : nil, naAllowed: criterion.naAllowed,
                    critical: criterion.critical, points: criterion.points, rule: nil,
                    auto: automatic, manual: human, final: final, earned: earned.map(round2)))
            }
            sections.append(SectionResult(
                id: section.id, name: section.name, weight: section.weight,
                percent: possible > 0 ? round2(earnedSum / possible * 100) : nil, criteria: results))
        }
        let applicable = sections.filter { $0.percent != nil }
        let weights = applicable.reduce(0) { $0 + $1.weight }
        var total = weights > 0 ? applicable.reduce(0) { $0 + $1.weight * $1.percent! } / weights : 0
        if !criticalFailures.isEmpty { total = 0 }
        total = round2(total)
        return CardResult(
            card: card.id, name: card.name, passThreshold: card.passThreshold, total: total,
            passed: criticalFailures.isEmpty && total >= card.passThreshold, criticalFailures: criticalFailures,
            unanswered: unanswered, sections: sections, evaluator: evaluator, comment: comment)
    }

    static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
