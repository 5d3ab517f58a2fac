import Foundation
import SORCore

/// `sor rescore` (and the watcher after `scorecards.yaml` changes): every stored call scored again with the
/// current scorecards, from its stored transcript (nothing is transcribed again). Evaluators' answers are kept.
public enum Rescore {
    public struct Change: Codable, Sendable, Equatable {
        public var call: String
        public var card: String
        public var before: Double?
        public var after: Double?
        public var passedBefore: Bool?
        public var passedAfter: Bool?

        public var flipped: Bool { passedBefore != nil && passedAfter != nil && passedBefore != passedAfter }
        public var delta: Double { (after ?? 0) - (before ?? 0) }
    }

    public struct Report: Codable, Sendable {
        public var scorecardsSha256: String
        public var scorecardsCommit: String?
        public var time: String
        public var calls: Int
        public var rescored: Int
        public var unchanged: Int
        public var failed: [String]
        public var changes: [Change]
        /// Where the report was written (`data/reports/rescore-<time>.md` and `.json`).
        public var path: String?

        public var flips: [Change] { changes.filter(\.flipped) }

        /// The report as Markdown, for people.
        public var markdown: String {
            var lines = [
                "# Ponowna ocena rozmów — \(time)", "",
                "Karty: `scorecards.yaml` sha256 `\(scorecardsSha256.prefix(12))`" + (scorecardsCommit.map { ", commit `\($0.prefix(10))`" } ?? ""),
                "", "Rozmów: \(calls); zmienionych ocen: \(changes.count); bez zmian: \(unchanged)" + (failed.isEmpty ? "" : "; błędy: \(failed.count)"), "",
            ]
            lines.append("## Zmiana wyniku zaliczenia (\(flips.count))")
            lines.append("")
            if flips.isEmpty { lines.append("Brak.") }
            for change in flips {
                lines.append("- `\(change.call)` \(change.card): \(format(change.before)) → \(format(change.after)), "
                    + "\(change.passedAfter == true ? "teraz zaliczona" : "teraz niezaliczona")")
            }
            lines += ["", "## Zmiany wyniku", "", "| rozmowa | karta | przed | po | różnica |", "|---|---|---|---|---|"]
            for change in changes.sorted(by: { abs($0.delta) > abs($1.delta) }) {
                lines.append("| `\(change.call)` | \(change.card) | \(format(change.before)) | \(format(change.after)) | \(String(format: "%+.2f", change.delta)) |")
            }
            if !failed.isEmpty { lines += ["", "## Błędy", ""] + failed.map { "- \($0)" } }
            return lines.joined(separator: "\n") + "\n"
        }

        public func format(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "—" }
    }

    /// Rescores every call; writes changed evaluations (no fsync per file: one `syncfs` at the end) and the report.
    public static func run(
        runtime: Runtime, store: CallStore, scoring: ScoringService, actor: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> Report {
        let workspace = runtime.workspace
        // Recorded before anything is written: a rescore the log cannot record is not done.
        try runtime.audit.append(actor: actor, action: "rescore", outcome: "started", detail: ["scorecards_sha256": scoring.scorecards.sha256])
        let folders = store.folders().sorted { $0.key < $1.key }.map(\.value)
        /// Results from the worker threads, under a lock.
        final class Tally: @unchecked Sendable {
            let lock = NSLock()
            var changes: [Change] = []
            var failed: [String] = []
            var unchanged = 0
            var rescored = 0
            func add(_ body: (Tally) -> Void) {
                lock.lock()
                body(self)
                lock.unlock()
            }
        }
        let tally = Tally()
        let chunk = max(1, (folders.count + threads - 1) / max(threads, 1))
        DispatchQueue.concurrentPerform(iterations: max(threads, 1)) { part in
            let slice = folders.dropFirst(part * chunk).prefix(chunk)
            for folder in slice {
                do {
                    var document = try store.load(folder: folder, transcript: false, history: false)
                    let updated = try runtime.deriver.derive(
                        &document, after: .scorecards, scoring: scoring,
                        transcript: { try store.transcript(in: folder) }, analysis: { try store.analysis(in: folder) }
                    ).evaluation
                    if ScoringService.sameScores(updated, document.evaluation) {
                        tally.add { $0.unchanged += 1 }
                        continue
                    }
                    if let updated {
                        try store.vault.write(FileFormats.json(updated, compact: true), to: folder + "/evaluation.json" + Vault.suffix, sync: false)
                    }
                    let found = diff(call: document.call.id, before: document.evaluation, after: updated)
                    tally.add {
                        $0.rescored += 1
                        $0.changes += found
                    }
                } catch {
                    tally.add { $0.failed.append(error.localizedDescription) }
                }
            }
        }
        FileSystem.syncDirectoryTree(workspace.data)
        try ScoringRecord(dataDirectory: workspace.data).markAllScored(sha256: scoring.scorecards.sha256)
        runtime.siteChanges.mark()
        var report = Report(
            scorecardsSha256: scoring.scorecards.sha256, scorecardsCommit: scoring.scorecards.commit, time: Timestamp.iso(runtime.clock.now()),
            calls: folders.count, rescored: tally.rescored, unchanged: tally.unchanged, failed: tally.failed.sorted(),
            changes: tally.changes.sorted { ($0.call, $0.card) < ($1.call, $1.card) })
        let stamp = report.time.replacingOccurrences(of: ":", with: "")
        let base = workspace.data + "/reports/rescore-\(stamp)"
        try FileSystem.writeAtomically(Data(report.markdown.utf8), to: base + ".md")
        report.path = base + ".md"
        try FileSystem.writeAtomically(FileFormats.json(report), to: base + ".json")
        try runtime.audit.append(actor: actor, action: "rescore", outcome: "ok", detail: [
            "scorecards_sha256": scoring.scorecards.sha256, "calls": String(folders.count), "changed": String(tally.rescored),
            "flipped": String(report.flips.count), "report": (base as NSString).lastPathComponent + ".md",
        ])
        return report
    }

    /// Score changes per card between two evaluations.
    static func diff(call: String, before: Evaluation?, after: Evaluation?) -> [Change] {
        let cards = Set((before?.cards ?? []).map(\.card) + (after?.cards ?? []).map(\.card)).sorted()
        return cards.compactMap { card in
            let old = before?.card(card)
            let new = after?.card(card)
            guard old?.total != new?.total || old?.passed != new?.passed else { return nil }
            return Change(call: call, card: card, before: old?.total, after: new?.total, passedBefore: old?.passed, passedAfter: new?.passed)
        }
    }
}
