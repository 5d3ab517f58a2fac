import Foundation
import SORCore

/// One call as the index lists it: a few hundred bytes, kept between builds instead of the call.
public struct IndexEntry: Sendable, Equatable {
    public struct Score: Sendable, Equatable {
        public var card: String
        public var total: Double
        public var passed: Bool
        public var critical: Bool
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
}

extension SiteRenderer {
    /// The index page over these calls' entries, newest first.
    public func indexPage(_ entries: [IndexEntry]) -> Data { page("index", indexContext(entries)) }

    /// What the index shows of a call: all it keeps of it between builds.
    public func indexEntry(_ document: CallDocument) -> IndexEntry {
        let call = document.call
        return IndexEntry(
            id: call.id,
            time: call.metadata.callTime ?? call.source.receivedAt,
            file: call.source.fileName,
            duration: call.audio.duration,
            agent: call.metadata.agent ?? "—",
            team: call.metadata.team ?? "—",
            language: document.transcript?.language ?? call.processing?.language ?? "—",
            status: Strings.status(call.status, settings.language),
            needsReview: document.analysis?.roles.needsReview ?? false,
            excerpt: Format.excerpt(document.spokenTranscript?.text ?? "", words: 18),
            scores: (document.evaluation?.cards ?? []).map {
                IndexEntry.Score(card: $0.card, total: $0.total, passed: $0.passed, critical: !$0.criticalFailures.isEmpty)
            })
    }

    func indexContext(_ entries: [IndexEntry]) -> [String: Any] {
        var context = common
        context["root"] = ""
        context["calls"] = entries.sorted { ($0.time, $0.id) > ($1.time, $1.id) }.map { entry -> [String: Any] in
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
        context["total_duration"] = Format.clock(entries.reduce(0) { $0 + $1.duration })
        context["has_calls"] = !entries.isEmpty
        return context
    }
}
