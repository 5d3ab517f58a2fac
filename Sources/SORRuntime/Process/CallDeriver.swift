import Foundation
import SORCore

/// A stage derived from a call's words and speakers after the talk statistics (sentiment is the first to come).
public protocol CallStage: Sendable {
    /// Derives the stage's part of `document` (for example into its analysis); returns whether anything changed.
    func derive(_ document: inout CallDocument) -> Bool
}

/// Everything that follows from a call's words and speakers, derived again after any change, always in one order:
/// talk statistics (from the utterances) → further stages (sentiment goes here) → scoring → publishing.
/// Processing, every edit type and rescoring go through this one step, so a new stage is wired in once.
///
/// Deriving changes values only; the caller writes what changed (a new call in one commit, an edit through its
/// journal, a rescore without an fsync per file) and then calls `published(_:)`.
public struct CallDeriver: Sendable {
    /// Where a change enters the chain: every step after it is derived again.
    public enum Change: Int, Comparable, Sendable {
        /// Speakers or utterances were corrected: overlap flags and talk statistics are rebuilt from the utterances.
        case utterances
        /// The words are new or changed (a new call, a text correction).
        case words
        /// The call's metadata changed: its scorecards may be others.
        case metadata
        /// An evaluator's answers changed.
        case answers
        /// The scorecards changed: automatic answers whose rules did not change are reused.
        case scorecards

        public static func < (a: Change, b: Change) -> Bool { a.rawValue < b.rawValue }
    }

    /// What a derivation produced.
    public struct Derived: Sendable {
        /// Whether the analysis (talk statistics, later stages) changed and must be written.
        public var analysisChanged = false
        /// The call's evaluation with the current scorecards; nil when nothing scores it (no valid scorecards, no
        /// card for the call, or no transcript yet).
        public var evaluation: Evaluation?
    }

    let talk: TalkParameters
    let stages: [any CallStage]
    let siteChanges: SiteChanges
    /// The generated site's folder, from which an erased call's pages are removed at once.
    let site: String

    /// Derives `document` again from `change` on, scored with `scoring` (nil: left unscored). `transcript` and
    /// `analysis` load what a document read without them needs, only when a step needs it (rescoring).
    public func derive(
        _ document: inout CallDocument, after change: Change, scoring: ScoringService?,
        transcript: (() throws -> Transcript?)? = nil, analysis: (() throws -> Analysis?)? = nil
    ) rethrows -> Derived {
        var derived = Derived()
        if change <= .utterances, let current = document.analysis {
            var recomputed = current.recomputed(talk, duration: document.call.audio.duration)
            // The utterances are rebuilt from their words without their sentiment; it comes along by id for the
            // stages to derive again, keeping what still holds (a model's judgement of a text that did not change).
            let sentiments = Dictionary(current.utterances.map { ($0.id, $0.sentiment) }, uniquingKeysWith: { first, _ in first })
            for index in recomputed.utterances.indices {
                recomputed.utterances[index].sentiment = sentiments[recomputed.utterances[index].id] ?? nil
            }
            document.analysis = recomputed
            derived.analysisChanged = true
        }
        if change <= .words {
            for stage in stages where stage.derive(&document) { derived.analysisChanged = true }
        }
        derived.evaluation = try scoring?.evaluate(
            document, previous: document.evaluation, reuseAutomatic: change == .scorecards,
            transcript: transcript, analysis: analysis)
        return derived
    }

    /// The last step, once the caller has written the call: its pages are out of date.
    public func published(_ id: String) {
        siteChanges.mark()
    }

    /// A call left the store (erased or archived): its pages go at once, and the lists that named it with the next
    /// build.
    public func erased(_ id: String) {
        try? FileManager.default.removeItem(atPath: site + "/calls/" + id)
        siteChanges.mark()
    }
}
