import Crypto
import Foundation
import SORCore
import SORScoring

/// The scorecards in use: parsed from `scorecards.yaml`, or — when the file is invalid — the last valid version,
/// kept in `data/scorecards/<sha256>.yaml`. An invalid file never replaces the one in use.
public struct LoadedScorecards: Sendable {
    public var set: ScorecardSet
    public var sha256: String
    /// The git commit of the file when it is committed unchanged in a repository.
    public var commit: String?
    /// Problems in the current file when the last valid version is used instead.
    public var problems: [Diagnostic]
    public var evaluator: Evaluator
    /// Per card and criterion, a fingerprint of what its automatic answer depends on.
    public var fingerprints: [String: [String: String]]

    init(set: ScorecardSet, sha256: String, commit: String?, problems: [Diagnostic]) {
        self.set = set
        self.sha256 = sha256
        self.commit = commit
        self.problems = problems
        self.evaluator = Evaluator(scorecards: set)
        var fingerprints: [String: [String: String]] = [:]
        for card in set.cards {
            for criterion in card.sections.flatMap(\.criteria) {
                // The rules, the answer type and the matching settings; bump the version when matching changes.
                let text = "matcher-2|\(set.matchThreshold)|\(set.forbiddenThreshold)|\(set.minimumConfidence)|\(criterion.answer.rawValue)|"
                    + "\(criterion.scale)|\(String(describing: criterion.auto))|\(String(describing: criterion.applicableIf))"
                fingerprints[card.id, default: [:]][criterion.id] = SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
            }
        }
        self.fingerprints = fingerprints
    }
}

public enum ScorecardLoader {
    /// Loads the configured scorecards. Throws only when neither the file nor a kept valid version can be used.
    public static func load(workspace: Workspace) throws -> LoadedScorecards {
        let path = workspace.resolve(workspace.config.paths.scorecards)
        let kept = workspace.data + "/scorecards"
        let fm = FileManager.default
        var problems: [Diagnostic] = []
        if let data = fm.contents(atPath: path) {
            let sha = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            let (set, diagnostics) = ScorecardParser.parse(String(decoding: data, as: UTF8.self), file: path)
            if let set {
                // Keep this valid version, so a later broken edit of the file does not stop scoring.
                let copy = kept + "/\(sha).yaml"
                if !fm.fileExists(atPath: copy) { try? FileSystem.writeAtomically(data, to: copy) }
                try? FileSystem.writeAtomically(Data((sha + "\n").utf8), to: kept + "/current")
                return LoadedScorecards(set: set, sha256: sha, commit: gitCommit(of: path), problems: [])
            }
            problems = diagnostics
        } else {
            problems = [Diagnostic(file: path, line: 1, column: 1, message: "no scorecards file; restore it (git checkout \(workspace.config.paths.scorecards))")]
        }
        if let current = try? String(contentsOfFile: kept + "/current", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            let data = fm.contents(atPath: kept + "/\(current).yaml"),
            let set = ScorecardParser.parse(String(decoding: data, as: UTF8.self), file: kept + "/\(current).yaml").0
        {
            return LoadedScorecards(set: set, sha256: current, commit: nil, problems: problems)
        }
        throw RuntimeError.invalidScorecards(problems)
    }

    /// `git log` of the file, when it sits unchanged in a git work tree.
    static func gitCommit(of path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git"),
            let status = try? Command.capture("/usr/bin/git", ["-C", directory, "status", "--porcelain", "--", name]),
            status.status == 0, status.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
            let log = try? Command.capture("/usr/bin/git", ["-C", directory, "log", "-1", "--format=%H", "--", name]), log.status == 0
        else { return nil }
        let commit = log.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return commit.isEmpty ? nil : commit
    }
}

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
        return Evaluation(scorecardsSha256: scorecards.sha256, scorecardsCommit: scorecards.commit, scoredAt: Pipeline.iso(now()), cards: results)
    }

    /// What rules look at. With an analysis, the words are the utterances' (corrected, speaker-attributed) words,
    /// each with its speaker's role, so `by: KLIENT`/`by: KONSULTANT` filters work, and every utterance whose
    /// speaker has a role is a turn, for `talk_ratio` and `interruptions`. Without one, the transcript's words,
    /// no roles and no turns (those rules are then left for an evaluator).
    public static func facts(transcript: Transcript, analysis: Analysis?) -> CallFacts {
        guard let analysis, !analysis.utterances.isEmpty else { return CallFacts(text: CallText(transcript: transcript)) }
        let roles = analysis.wordRoles.map { $0.map(Party.init) }
        let turns = analysis.utterances.compactMap { utterance in
            analysis.role(of: utterance.speaker).map { Turn(role: Party($0), start: utterance.start, end: utterance.end) }
        }
        var text = CallText(transcript: analysis.transcript(basedOn: transcript), roles: roles)
        text.answered = analysis.utterances.answered
        return CallFacts(text: text, turns: turns.isEmpty ? nil : turns)
    }

    /// Whether two evaluations give the same scores (times aside).
    public static func sameScores(_ a: Evaluation?, _ b: Evaluation?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.scorecardsSha256 == b.scorecardsSha256 && a.cards == b.cards
    }
}

/// The scoring in use by a long-running process, swapped when `scorecards.yaml` changes. Thread-safe.
public final class Scorer: @unchecked Sendable {
    private let lock = NSLock()
    private var service: ScoringService?
    private var problems: [Diagnostic] = []
    private var fileStamp: String?
    public let workspace: Workspace

    public init(workspace: Workspace) {
        self.workspace = workspace
        _ = reload()
    }

    /// The current scoring, nil when no valid scorecards exist at all.
    public var current: ScoringService? {
        lock.lock()
        defer { lock.unlock() }
        return service
    }

    /// Problems in `scorecards.yaml` (the last valid version is in use meanwhile).
    public var currentProblems: [Diagnostic] {
        lock.lock()
        defer { lock.unlock() }
        return problems
    }

    /// Reloads when the file changed (size, mtime); returns whether the scorecards in use changed.
    public func reload() -> Bool {
        let path = workspace.resolve(workspace.config.paths.scorecards)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let stamp = "\((attributes?[.size] as? Int) ?? -1)-\(((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970) ?? 0)"
        lock.lock()
        if stamp == fileStamp {
            lock.unlock()
            return false
        }
        fileStamp = stamp
        let before = service?.scorecards.sha256
        lock.unlock()
        var loaded: LoadedScorecards?
        var problems: [Diagnostic]
        do {
            loaded = try ScorecardLoader.load(workspace: workspace)
            problems = loaded!.problems
        } catch RuntimeError.invalidScorecards(let diagnostics) {
            problems = diagnostics
        } catch {
            problems = [Diagnostic(file: path, line: 1, column: 1, message: error.localizedDescription)]
        }
        lock.lock()
        defer { lock.unlock() }
        if let loaded { service = ScoringService(scorecards: loaded, config: workspace.config.scoring) }
        self.problems = problems
        return service?.scorecards.sha256 != before
    }
}
