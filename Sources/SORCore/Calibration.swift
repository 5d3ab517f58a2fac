import Foundation

/// A calibration session: a manager picks calls and evaluators, each evaluator answers every criterion of the calls'
/// cards without seeing the others' answers, and once all have answered the session shows, per criterion, every
/// evaluator's answer beside the automatic one and where they split.
///
/// The session is one file (`data/calibration/ID.json`, sealed like the calls): what was asked (the calls, their
/// cards and criteria, and the automatic answers as they stood when the session was made, so a later rescore or a new
/// scorecard does not change what the session compared), and every evaluator's answers. The evaluators' answers
/// are kept here only, not in the calls' evaluations: a calibration answer changes no score.
public struct CalibrationSession: Codable, Sendable, Equatable {
    /// One criterion as the session asks it.
    public struct Criterion: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var critical: Bool
        /// The answers an evaluator may give (`yes`, `no`, `partial`, `0`…`N`, `na`), in the form's order.
        public var options: [String]
        /// The automatic answer when the session was made; nil where the criterion has no rule or the rule gave none.
        public var automatic: String?

        public init(id: String, name: String, critical: Bool, options: [String], automatic: String?) {
            self.id = id
            self.name = name
            self.critical = critical
            self.options = options
            self.automatic = automatic
        }
    }

    /// One call and one of its cards.
    public struct Item: Codable, Sendable, Equatable {
        public var call: String
        public var card: String
        public var cardName: String
        /// What the pages say about the call (its file, agent, team, time), so a deleted call's item still reads.
        public var label: String
        public var criteria: [Criterion]

        public init(call: String, card: String, cardName: String, label: String, criteria: [Criterion]) {
            self.call = call
            self.card = card
            self.cardName = cardName
            self.label = label
            self.criteria = criteria
        }
    }

    /// One evaluator's answers to one item.
    public struct Submission: Codable, Sendable, Equatable {
        public var user: String
        public var call: String
        public var card: String
        public var time: String
        /// One answer per criterion, in the card's order (a list, not a mapping: criterion ids are file keys as they
        /// are, never converted like the format's own keys).
        public var answers: [Given]
        public var comment: String?

        public struct Given: Codable, Sendable, Equatable {
            public var criterion: String
            public var answer: String

            public init(criterion: String, answer: String) {
                self.criterion = criterion
                self.answer = answer
            }
        }

        public init(user: String, call: String, card: String, time: String, answers: [Given], comment: String? = nil) {
            self.user = user
            self.call = call
            self.card = card
            self.time = time
            self.answers = answers
            self.comment = comment
        }

        public func answer(_ criterion: String) -> String? { answers.first { $0.criterion == criterion }?.answer }
    }

    public var schema = 1
    public var id: String
    public var title: String
    public var createdBy: String
    public var createdAt: String
    public var evaluators: [String]
    public var items: [Item]
    public var submissions: [Submission] = []

    public init(id: String, title: String, createdBy: String, createdAt: String, evaluators: [String], items: [Item]) {
        self.id = id
        self.title = title
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.evaluators = evaluators
        self.items = items
    }

    /// A session id: letters, digits and `-` only (it names a file and a page).
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
    }

    public func item(call: String, card: String) -> Item? { items.first { $0.call == call && $0.card == card } }

    public func submission(_ user: String, call: String, card: String) -> Submission? {
        submissions.first { $0.user == user && $0.call == call && $0.card == card }
    }

    /// Records an evaluator's answers to an item, replacing the ones they sent before.
    public mutating func record(_ submission: Submission) {
        submissions.removeAll { $0.user == submission.user && $0.call == submission.call && $0.card == submission.card }
        submissions.append(submission)
        submissions.sort { ($0.call, $0.card, $0.user) < ($1.call, $1.card, $1.user) }
    }

    /// Whether an evaluator has answered every item.
    public func hasFinished(_ user: String) -> Bool {
        items.allSatisfy { submission(user, call: $0.call, card: $0.card) != nil }
    }

    /// Whether every evaluator has answered every item: only then does anyone see the answers.
    public var isComplete: Bool { evaluators.allSatisfy(hasFinished) }

    /// The session's results; nil until it is complete (the answers stay blind).
    public var results: CalibrationResults? { isComplete ? CalibrationResults(self) : nil }
}

/// What a complete session found: per criterion of each item, every answer and whether they agree; per criterion
/// over the session's calls, the share of evaluator pairs that agree and the share of evaluator answers the automatic
/// one matches; per evaluator, how often they agree with the majority.
public struct CalibrationResults: Sendable, Equatable {
    /// One criterion of one item.
    public struct Row: Sendable, Equatable {
        public var call: String
        public var card: String
        public var criterion: CalibrationSession.Criterion
        /// Evaluator login → answer, in the session's order of evaluators.
        public var answers: [(user: String, answer: String)]
        /// The answer most evaluators gave (nil on a tie).
        public var majority: String?
        /// Whether every evaluator gave the same answer.
        public var unanimous: Bool
        /// Whether the automatic answer is the majority's (nil when there is no automatic answer or no majority).
        public var automaticAgrees: Bool?

        public static func == (a: Row, b: Row) -> Bool {
            a.call == b.call && a.card == b.card && a.criterion == b.criterion && a.answers.map(\.user) == b.answers.map(\.user)
                && a.answers.map(\.answer) == b.answers.map(\.answer) && a.majority == b.majority && a.unanimous == b.unanimous
                && a.automaticAgrees == b.automaticAgrees
        }
    }

    /// Agreement counted as matches out of comparisons.
    public struct Tally: Sendable, Equatable {
        public var agreed = 0
        public var compared = 0
        public var share: Double? { compared == 0 ? nil : Double(agreed) / Double(compared) }

        mutating func add(_ agrees: Bool) {
            compared += 1
            if agrees { agreed += 1 }
        }
    }

    /// One criterion over the session's calls.
    public struct CriterionSummary: Sendable, Equatable {
        public var card: String
        public var criterion: CalibrationSession.Criterion
        /// Pairs of evaluators answering a call alike.
        public var evaluators: Tally
        /// Evaluators' answers the automatic answer matched.
        public var automatic: Tally
        /// Calls where the evaluators did not all agree.
        public var splits: Int
    }

    public var rows: [Row]
    public var criteria: [CriterionSummary]
    /// Over every criterion: evaluator pairs, and evaluator answers against the automatic answer.
    public var evaluators = Tally()
    public var automatic = Tally()
    /// Each evaluator's answers that are the majority's (where there is one), in the session's order.
    public var byEvaluator: [(user: String, tally: Tally)]

    public static func == (a: CalibrationResults, b: CalibrationResults) -> Bool {
        a.rows == b.rows && a.criteria == b.criteria && a.evaluators == b.evaluators && a.automatic == b.automatic
            && a.byEvaluator.map(\.user) == b.byEvaluator.map(\.user) && a.byEvaluator.map(\.tally) == b.byEvaluator.map(\.tally)
    }

    init(_ session: CalibrationSession) {
        rows = []
        var summaries: [String: CriterionSummary] = [:]
        var order: [String] = []
        var withMajority = Dictionary(uniqueKeysWithValues: session.evaluators.map { ($0, Tally()) })
        for item in session.items {
            for criterion in item.criteria {
                let answers = session.evaluators.compactMap { user in
                    session.submission(user, call: item.call, card: item.card)?.answer(criterion.id).map { (user: user, answer: $0) }
                }
                var counts: [String: Int] = [:]
                for answer in answers { counts[answer.answer, default: 0] += 1 }
                let top = counts.values.max() ?? 0
                let leaders = counts.filter { $0.value == top }.map(\.key)
                let majority = leaders.count == 1 ? leaders[0] : nil
                let key = item.card + "/" + criterion.id
                if summaries[key] == nil {
                    order.append(key)
                    summaries[key] = CriterionSummary(card: item.card, criterion: criterion, evaluators: Tally(), automatic: Tally(), splits: 0)
                }
                for (index, first) in answers.enumerated() {
                    for second in answers[(index + 1)...] {
                        summaries[key]!.evaluators.add(first.answer == second.answer)
                        evaluators.add(first.answer == second.answer)
                    }
                    if let automaticAnswer = criterion.automatic {
                        summaries[key]!.automatic.add(first.answer == automaticAnswer)
                        automatic.add(first.answer == automaticAnswer)
                    }
                    if let majority { withMajority[first.user]?.add(first.answer == majority) }
                }
                let unanimous = counts.count <= 1
                if !unanimous { summaries[key]!.splits += 1 }
                rows.append(Row(
                    call: item.call, card: item.card, criterion: criterion, answers: answers, majority: majority, unanimous: unanimous,
                    automaticAgrees: criterion.automatic.flatMap { automaticAnswer in majority.map { $0 == automaticAnswer } }))
            }
        }
        criteria = order.compactMap { summaries[$0] }
        byEvaluator = session.evaluators.map { ($0, withMajority[$0] ?? Tally()) }
    }
}

extension CriterionResult {
    /// The answers an evaluator's form offers for this criterion, in order.
    public var answerValues: [String] {
        var values = answerType == "scale" ? (0...(scale ?? 5)).map(String.init) : answerType == "partial" ? ["yes", "partial", "no"] : ["yes", "no"]
        if naAllowed { values.append("na") }
        return values
    }
}
