import Foundation

/// The scorecards in `scorecards.yaml`: what a call is evaluated against.
public struct ScorecardSet: Sendable, Equatable {
    public var version: Int
    /// Similarity (0…1) a phrase must reach to count as said; see `PhraseMatcher`.
    public var matchThreshold: Double
    /// The stricter similarity for phrases that must not be said (`not_said`): a false "said" there costs more.
    public var forbiddenThreshold: Double
    /// Words the recogniser gave less confidence than this (0…1) make a forbidden-phrase hit uncertain: it is shown
    /// as evidence for an evaluator to verify, not counted automatically.
    public var minimumConfidence: Double
    public var cards: [Scorecard]

    public init(version: Int = 1, matchThreshold: Double = 0.8, forbiddenThreshold: Double = 0.9, minimumConfidence: Double = 0.5, cards: [Scorecard] = []) {
        self.version = version
        self.matchThreshold = matchThreshold
        self.forbiddenThreshold = forbiddenThreshold
        self.minimumConfidence = minimumConfidence
        self.cards = cards
    }

    public func card(_ id: String) -> Scorecard? { cards.first { $0.id == id } }
}

public struct Scorecard: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    /// The total (percent, 0…100) a call needs to pass.
    public var passThreshold: Double
    public var sections: [Section]

    public init(id: String, name: String, description: String = "", passThreshold: Double, sections: [Section]) {
        self.id = id
        self.name = name
        self.description = description
        self.passThreshold = passThreshold
        self.sections = sections
    }

    public struct Section: Sendable, Equatable {
        public var id: String
        public var name: String
        /// Relative weight in the card's total.
        public var weight: Double
        public var criteria: [Criterion]

        public init(id: String, name: String, weight: Double, criteria: [Criterion]) {
            self.id = id
            self.name = name
            self.weight = weight
            self.criteria = criteria
        }
    }
}

/// One question on a scorecard.
public struct Criterion: Sendable, Equatable {
    public enum AnswerType: String, Sendable, CaseIterable {
        /// tak / nie.
        case yesNo = "yes_no"
        /// tak / częściowo / nie (1, ½, 0).
        case partial
        /// 0…`scale`.
        case scale
    }

    public var id: String
    public var name: String
    /// Guidance for evaluators, and the rule a criterion rests on (DOMAIN.md sources).
    public var description: String
    public var points: Double
    public var answer: AnswerType
    /// The top of the scale for `scale` answers.
    public var scale: Int
    /// A "no" (0) fails the whole call: total 0, "niezaliczona".
    public var critical: Bool
    /// Whether "nie dotyczy" (N/A) is allowed; N/A is left out of the denominator.
    public var naAllowed: Bool
    /// How the answer is found automatically; nil leaves it to an evaluator.
    public var auto: Rule?
    /// The criterion is N/A unless this rule holds (e.g. objection handling only when there was an objection).
    public var applicableIf: Rule?

    public init(
        id: String, name: String, description: String = "", points: Double, answer: AnswerType = .yesNo, scale: Int = 5,
        critical: Bool = false, naAllowed: Bool = false, auto: Rule? = nil, applicableIf: Rule? = nil
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.points = points
        self.answer = answer
        self.scale = scale
        self.critical = critical
        self.naAllowed = naAllowed
        self.auto = auto
        self.applicableIf = applicableIf
    }
}

/// Who said something. `any` when the rule does not care or the call has no roles yet.
public enum Party: String, Sendable, CaseIterable, Codable {
    case konsultant = "KONSULTANT"
    case klient = "KLIENT"
    case any

    /// The party a speaker's role stands for.
    public init(_ role: Role) {
        switch role {
        case .klient: self = .klient
        case .konsultant: self = .konsultant
        }
    }
}

/// A time window within the call.
public enum Window: Sendable, Equatable {
    case whole
    /// The first N seconds.
    case first(Double)
    /// The last N seconds.
    case last(Double)
}

/// How a criterion is answered from the call's data.
public indirect enum Rule: Sendable, Equatable {
    /// Yes when at least `min` of the phrases are said (by `party`, within `window`). For `partial` answers:
    /// all → yes, some → partial, none → no, counted over distinct phrases.
    case said(phrases: [String], party: Party, window: Window, min: Int)
    /// Yes when none of the phrases is said.
    case notSaid(phrases: [String], party: Party, window: Window)
    /// Yes when the regular expression matches the call's words as rules see them: lower case, Polish letters
    /// folded (ą→a, ł→l…), single spaces, digits kept ("1248 zlotych").
    case pattern(String, party: Party, window: Window)
    /// Yes when each group (any phrase of it) is said, each after the one before.
    case inOrder(groups: [[String]], party: Party)
    /// Yes when the party's share of talk time is within bounds (0…1).
    case talkRatio(party: Party, min: Double?, max: Double?)
    /// Yes when no silence in the call is longer than `max` seconds.
    case longestSilence(max: Double)
    /// Yes when the party interrupted at most `max` times (needs speaker turns).
    case interruptions(party: Party, max: Int)
    /// Yes when every silence longer than `minSilence` seconds is announced by one of the phrases in the
    /// `before` seconds before it.
    case holdAnnounced(minSilence: Double, phrases: [String], before: Double)
    /// Yes when the party's sentiment at the end of the call (its last quarter with speech) is at least `min` above
    /// its sentiment at the start (its first quarter with speech): `min: 0` is "not worse at the end".
    case sentimentChange(party: Party, min: Double)
    /// Yes when no utterance of the party has a sentiment score below `below` (e.g. no negative consultant turn).
    case sentimentFloor(party: Party, below: Double)
    /// Yes when every request to escalate (a client's utterance matching `requests`) is answered by the consultant
    /// with one of `handled` within `within` seconds; yes with a note when nobody asked.
    case escalationHandled(requests: [String], handled: [String], within: Double)
    /// All of the rules hold.
    case all([Rule])
    /// Any of the rules holds.
    case any([Rule])
    /// The rule does not hold (no answer when it has none): `not: {in_order: [debt, verification]}`.
    case not(Rule)
}
