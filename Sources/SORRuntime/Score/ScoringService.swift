import Foundation
import SORCore
import SORScoring

/// Scores calls: chooses their cards, answers criteria automatically, keeps evaluators' answers, computes totals.
public struct ScoringService: Sendable {
    public let scorecards: LoadedScorecards
    public let config: Config.Scoring
    let now: @Sendable () -> Date

    public init(scorecards: LoadedScorecards, config: Config.Scoring, now: @escaping @Sendable () -> Date = Date.init) {
        self.scorecards = scorecards
        self.config = config
        self.now = now
    }

    public init(workspace: Workspace) throws {
        self.init(scorecards: try ScorecardLoader.load(workspace: workspace), config: workspace.config.scoring)
    }

    /// The cards a call is scored on: those named in its metadata (`scorecard: SALES` or `SALES, RETENTION`),
    /// else those of every matching rule, else the default; cards the set does not define are left out.
    public func cards(for record: CallRecord) -> [String] {
        var chosen: [String] = []
        if let named = record.metadata.scorecard {
            chosen = named.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        }
        if chosen.isEmpty {
            for rule in config.rules where Self.matches(rule, record) {
                chosen += rule.cards.filter { !chosen.contains($0) }
            }
        }
        if chosen.isEmpty { chosen = config.defaultCards }
        return chosen.filter { scorecards.set.card($0) != nil }
    }

    static func matches(_ rule: Config.Scoring.Rule, _ record: CallRecord) -> Bool {
        let pairs: [(String?, String?)] = [
            (rule.file, record.source.fileName), (rule.campaign, record.metadata.campaign), (rule.team, record.metadata.team),
            (rule.agent, record.metadata.agent), (rule.direction, record.metadata.direction),
        ]
        return pairs.allSatisfy { pattern, value in
            guard let pattern else { return true }
            guard let value else { return false }
            return fnmatch(pattern.lowercased(), value.lowercased(), 0) == 0
        }
    }

    /// The call's evaluation with the current scorecards. Evaluators' answers from `previous` are kept where their
    /// criterion still exists and the answer still fits it. With `reuseAutomatic` (rescoring an unchanged
    /// transcript), automatic answers whose criterion's rules did not change are taken from `previous`, and the
    /// transcript (and analysis) is read only when some answer must be made again. A call with an analysis is
    /// scored on its utterances (see `facts(transcript:analysis:)`).
    public func evaluate(
        _ document: CallDocument, previous: Evaluation?, reuseAutomatic: Bool = false,
        transcript loadTranscript: (() throws -> Transcript?)? = nil, analysis loadAnalysis: (() throws -> Analysis?)? = nil
    ) rethrows -> Evaluation? {
        var ids = cards(for: document.call)
        for card in previous?.cards ?? [] where card.evaluator != nil && !ids.contains(card.card) && scorecards.set.card(card.card) != nil {
            ids.append(card.card)
        }
        guard !ids.isEmpty else { return nil }
        var prepared: (CallFacts, PreparedCall)?
        var transcriptMissing = false
        func facts() throws -> (CallFacts, PreparedCall)? {
            if let prepared { return prepared }
            if transcriptMissing { return nil }
            guard let transcript = try document.transcript ?? loadTranscript?() else {
                transcriptMissing = true
                return nil
            }
            let facts = Self.facts(transcript: transcript, analysis: try document.analysis ?? loadAnalysis?())
            prepared = (facts, scorecards.evaluator.prepare(facts))
            return prepared
        }
        var results: [CardResult] = []
        for id in ids {
            guard let card = scorecards.set.card(id) else { continue }
            let old = previous?.card(id)
            let oldCriteria = Dictionary((old?.sections.flatMap(\.criteria) ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var manual: [String: ManualAnswer] = [:]
            for criterion in card.sections.flatMap(\.criteria) {
                if let answer = oldCriteria[criterion.id]?.manual, Answer.isValid(answer.answer.value, for: criterion) {
                    manual[criterion.id] = answer
                }
            }
            let fingerprints = scorecards.fingerprints[id] ?? [:]
            var auto: [String: AutoAnswer] = [:]
            let reusable = reuseAutomatic && card.sections.flatMap(\.criteria).allSatisfy { criterion in
                guard let old = oldCriteria[criterion.id] else { return false }
                return old.rule == fingerprints[criterion.id]
            }
            if reusable {
                for (criterionID, old) in oldCriteria { auto[criterionID] = old.auto }
            } else {
                guard let (callFacts, prepared) = try facts() else { return nil }
                auto = scorecards.evaluator.answers(card, facts: callFacts, prepared: prepared)
            }
            var result = Scoring.score(card: card, auto: auto, manual: manual, evaluator: old?.evaluator, comment: old?.comment)
            for section in result.sections.indices {
                for criterion in result.sections[section].criteria.indices {
                    result.sections[section].criteria[criterion].rule = fingerprints[result.sections[section].criteria[criterion].id]
                }
            }
            results.append(result)
        }
        return Evaluation(scorecardsSha256: scorecards.sha256, scorecardsCommit: scorecards.commit, scoredAt: Timestamp.iso(now()), cards: results)
    }

    /// What rules look at. With an analysis, the words are the utterances' (corrected, speaker-attributed) words,
    /// each with its speaker's role, so `by: KLIENT`/`by: KONSULTANT` filters work, and every utterance whose
    /// speaker has a role is a turn, for `talk_ratio` and `interruptions`. Without one, the transcript's words,
    /// no roles and no turns (those rules are then left for an evaluator).
    public static func facts(transcript: Transcript, analysis: Analysis?) -> CallFacts {
        guard let analysis, !analysis.utterances.isEmpty else { return CallFacts(text: CallText(transcript: transcript)) }
        let roles = analysis.wordRoles.map { $0.map(Party.init) }
        let turns = analysis.utterances.compactMap { utterance in
            analysis.role(of: utterance.speaker).map {
                Turn(role: Party($0), start: utterance.start, end: utterance.end, sentiment: utterance.sentiment?.score, text: utterance.text)
            }
        }
        var text = CallText(transcript: analysis.transcript(basedOn: transcript), roles: roles)
        text.answered = analysis.utterances.answered
        return CallFacts(text: text, turns: turns.isEmpty ? nil : turns, sentiment: analysis.sentiment)
    }

    /// Whether two evaluations give the same scores (times aside).
    public static func sameScores(_ a: Evaluation?, _ b: Evaluation?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.scorecardsSha256 == b.scorecardsSha256 && a.cards == b.cards
    }
}
