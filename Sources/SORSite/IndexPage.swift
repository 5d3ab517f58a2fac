import Foundation
import SORCore

/// One call as the index lists it: a few hundred bytes, kept between builds instead of the call.
public struct IndexEntry: Sendable, Equatable {
    public struct Score: Sendable, Equatable, Encodable {
        public var card: String
        public var total: Double
        public var passed: Bool
        public var critical: Bool
        /// Ids of the card's criteria answered "no", for the lists of most failed criteria, and their names.
        public var failed: [String]
        public var failedNames: [String] = []
        /// Every criterion's final answer, in the card's order: the columns of the exports (not in calls.json, which
        /// the browser fetches).
        public var answers: [CriterionAnswer] = []
        /// Whether an evaluator has reviewed this card on the call (given manual answers): then every automatic answer
        /// they left standing is one they agreed with, for the AutoQA agreement panel.
        public var evaluated = false

        enum CodingKeys: String, CodingKey { case card, total, passed, critical, failed }
    }

    /// One criterion of a scored card as the exports show it.
    public struct CriterionAnswer: Sendable, Equatable {
        public var id: String
        public var name: String
        /// `yes`, `no`, `partial`, `na` or a scale value; nil while unanswered (a manual criterion not yet evaluated).
        public var value: String?
        /// Points earned of `points` (nil for N/A or unanswered).
        public var earned: Double?
        public var points: Double
        public var critical: Bool
        /// The automatic answer (nil: the criterion has no rule, or it left the answer to an evaluator).
        public var automatic: String?

        public init(id: String, name: String, value: String?, earned: Double?, points: Double, critical: Bool, automatic: String? = nil) {
            self.id = id
            self.name = name
            self.value = value
            self.earned = earned
            self.points = points
            self.critical = critical
            self.automatic = automatic
        }
    }

    public var id: String
    /// When the call took place (or was received), ISO 8601: the index's order, newest first.
    public var time: String
    public var file: String
    public var duration: Double
    public var agent: String
    public var team: String
    public var language: String
    public var status: String
    public var needsReview: Bool
    public var excerpt: String
    public var scores: [Score]
    /// inbound or outbound, when the metadata says.
    public var direction: String?
    /// The client's sentiment over the call: label, score and emotion (nil without an analysis).
    public var sentiment: String?
    public var sentimentScore: Double?
    public var emotion: String?
    /// Coaching notes about the call's agent (`about: agent`), for the agent's page.
    public var agentNotes: [CoachingNote] = []
}

/// `site/data/calls.json`: every call as the calls list filters and sorts it in the browser. Keys are the
/// entries' fields in snake_case; sorted, with no generation time, so an unchanged store writes the same bytes.
struct CallsData: Encodable {
    struct Call: Encodable {
        var id, time, file, agent, team, language, status, excerpt: String
        var duration: Double
        var review: Bool
        var direction, sentiment, emotion: String?
        var sentimentScore: Double?
        var cards: [IndexEntry.Score]
    }

    var version = 1
    var calls: [Call]
    /// "CARD/criterion" → the criterion's name, for the criteria the calls failed.
    var criteria: [String: String]
}

extension SiteRenderer {
    /// The calls list (`calls.html`) over these calls' entries, newest first.
    public func callsPage(_ entries: [IndexEntry]) -> Data { page("calls", indexContext(entries)) }

    /// What the index shows of a call: all it keeps of it between builds.
    public func indexEntry(_ document: CallDocument) -> IndexEntry { IndexEntry.of(document, language: settings.language) }

    /// The calls list's data file, newest first.
    public func callsData(_ entries: [IndexEntry]) -> Data {
        let calls = entries.sorted { ($0.time, $0.id) > ($1.time, $1.id) }.map { entry in
            CallsData.Call(
                id: entry.id, time: entry.time, file: entry.file, agent: entry.agent, team: entry.team,
                language: entry.language, status: entry.status, excerpt: entry.excerpt, duration: entry.duration,
                review: entry.needsReview, direction: entry.direction, sentiment: entry.sentiment, emotion: entry.emotion,
                sentimentScore: entry.sentimentScore, cards: entry.scores)
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var criteria: [String: String] = [:]
        for score in entries.flatMap(\.scores) {
            for (id, name) in zip(score.failed, score.failedNames) { criteria[score.card + "/" + id] = name }
        }
        return (try? encoder.encode(CallsData(calls: calls, criteria: criteria))) ?? Data("{\"version\":1,\"calls\":[]}".utf8)
    }

    /// How many calls calls.html lists without its script.
    static let listedCalls = 200

    func indexContext(_ entries: [IndexEntry]) -> [String: Any] {
        var context = common
        context["root"] = ""
        // The page lists the newest calls itself (for a reader without JavaScript, and at once); the script then
        // shows, filters and sorts them all from data/calls.json. All 10,000 rows made a 5 MB page rebuilt for every
        // new call.
        context["calls"] = entries.sorted { ($0.time, $0.id) > ($1.time, $1.id) }.prefix(Self.listedCalls).map { entry -> [String: Any] in
            [
                "id": entry.id,
                "when": Format.dateTime(entry.time),
                "file": entry.file,
                "duration": Format.clock(entry.duration),
                "agent": entry.agent,
                "team": entry.team,
                "language": entry.language,
                "status": entry.status,
                "needs_review": entry.needsReview,
                "excerpt": entry.excerpt,
                "scores": entry.scores.map { score -> [String: Any] in
                    ["card": score.card, "total": Format.percent(score.total), "passed": score.passed, "critical": score.critical]
                },
            ]
        }
        context["count"] = entries.count
        if entries.count > Self.listedCalls { context["older_calls"] = entries.count - Self.listedCalls }
        context["total_duration"] = Format.clock(entries.reduce(0) { $0 + $1.duration })
        context["has_calls"] = !entries.isEmpty
        return context
    }
}

/// An input SOR refused and kept in `inbox/failed/`, as its note (`NAME.error.txt`) tells it.
public struct QuarantinedInput: Sendable, Equatable {
    /// The file as kept in `inbox/failed/`.
    public var keptAs: String
    public var file: String
    public var reason: String
    public var time: String
    public var facts: [(String, String)]
    public var message: String
    public var advice: String

    public init(keptAs: String, file: String, reason: String, time: String, facts: [(String, String)], message: String, advice: String) {
        self.keptAs = keptAs
        self.file = file
        self.reason = reason
        self.time = time
        self.facts = facts
        self.message = message
        self.advice = advice
    }

    public static func == (a: QuarantinedInput, b: QuarantinedInput) -> Bool {
        a.keptAs == b.keptAs && a.file == b.file && a.reason == b.reason && a.time == b.time && a.message == b.message
            && a.advice == b.advice && a.facts.map(\.0) == b.facts.map(\.0) && a.facts.map(\.1) == b.facts.map(\.1)
    }
}

extension SiteRenderer {
    /// `quarantine.html`: every refused input, newest first, with why and what a person must do next.
    public func quarantinePage(_ inputs: [QuarantinedInput]) -> Data {
        var context = common
        context["root"] = ""
        let t = Strings.table(settings.language)
        context["page_title"] = t["quarantine"]! + " — "
        context["inputs"] = inputs.sorted { ($0.time, $0.keptAs) > ($1.time, $1.keptAs) }.map { input -> [String: Any] in
            [
                "kept_as": input.keptAs, "is_kept": !input.keptAs.isEmpty, "file": input.file, "reason": input.reason, "when": Format.dateTime(input.time),
                "facts": input.facts.map { ["label": $0.0, "value": $0.1] }, "message": input.message, "advice": input.advice,
            ]
        }
        context["count"] = inputs.count
        context["has_inputs"] = !inputs.isEmpty
        return page("quarantine", context)
    }
}

extension IndexEntry {
    /// A call's entry, as the site's lists, dashboards and exports use it (`language` for the status's words).
    public static func of(_ document: CallDocument, language: String) -> IndexEntry {
        let call = document.call
        return IndexEntry(
            id: call.id,
            time: call.metadata.callTime ?? call.source.receivedAt,
            file: call.source.fileName,
            duration: call.audio.duration,
            agent: call.metadata.agent ?? "—",
            team: call.metadata.team ?? "—",
            language: document.transcript?.language ?? call.processing?.language ?? "—",
            status: Strings.status(call.status, language),
            needsReview: document.analysis?.roles.needsReview ?? false,
            excerpt: Format.excerpt(document.spokenTranscript?.text ?? "", words: 18),
            scores: (document.evaluation?.cards ?? []).map { card in
                let failed = card.sections.flatMap(\.criteria).filter { $0.final?.value == "no" }
                return IndexEntry.Score(
                    card: card.card, total: card.total, passed: card.passed, critical: !card.criticalFailures.isEmpty,
                    failed: failed.map(\.id), failedNames: failed.map(\.name),
                    answers: card.sections.flatMap(\.criteria).map { criterion in
                        IndexEntry.CriterionAnswer(
                            id: criterion.id, name: criterion.name, value: criterion.final?.value, earned: criterion.earned,
                            points: criterion.points, critical: criterion.critical, automatic: criterion.auto?.answer?.value)
                    }, evaluated: card.evaluator != nil)
            },
            direction: call.metadata.direction,
            sentiment: document.analysis?.sentiment?.klient?.label.rawValue,
            sentimentScore: document.analysis?.sentiment?.klient?.score,
            emotion: document.analysis?.sentiment?.klient?.emotion?.rawValue,
            agentNotes: CoachingNote.from(history: document.history).filter { $0.about == "agent" })
    }
}
