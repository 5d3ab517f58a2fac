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
    public static func run(workspace: Workspace, store: CallStore, scoring: ScoringService, actor: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Report {
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
                    let document = try store.load(folder: folder, transcript: false, history: false)
                    let updated = try scoring.evaluate(
                        document, previous: document.evaluation, reuseAutomatic: true,
                        transcript: { try store.transcript(in: folder) }, analysis: { try store.analysis(in: folder) })
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
        try markAllScored(workspace: workspace, sha256: scoring.scorecards.sha256)
        var report = Report(
            scorecardsSha256: scoring.scorecards.sha256, scorecardsCommit: scoring.scorecards.commit, time: Pipeline.iso(Date()),
            calls: folders.count, rescored: tally.rescored, unchanged: tally.unchanged, failed: tally.failed.sorted(),
            changes: tally.changes.sorted { ($0.call, $0.card) < ($1.call, $1.card) })
        let stamp = report.time.replacingOccurrences(of: ":", with: "")
        let base = workspace.data + "/reports/rescore-\(stamp)"
        try FileSystem.writeAtomically(Data(report.markdown.utf8), to: base + ".md")
        report.path = base + ".md"
        try FileSystem.writeAtomically(FileFormats.json(report), to: base + ".json")
        try AuditLog(directory: workspace.audit).append(actor: actor, action: "rescore", outcome: "ok", detail: [
            "scorecards_sha256": scoring.scorecards.sha256, "calls": String(folders.count), "changed": String(tally.rescored),
            "flipped": String(report.flips.count), "report": (base as NSString).lastPathComponent + ".md",
        ])
        return report
    }

    /// `data/scorecards/rescored`: the SHA-256 of the scorecards every stored call was last scored with; `mixed` once
    /// a call was scored with others; `unknown` (or missing) for a store that held calls before the record was kept.
    static func markerPath(_ workspace: Workspace) -> String { workspace.data + "/scorecards/rescored" }

    static func marker(_ workspace: Workspace) -> String? {
        (try? String(contentsOfFile: markerPath(workspace), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Why the stored calls need scoring again with the scorecards `sha256`, or nil when every one was scored with them.
    public static func dueReason(workspace: Workspace, sha256: String) -> String? {
        switch marker(workspace) {
        case sha256: nil
        case nil, "unknown": "no record of the scorecards the stored calls were scored with"
        default: "some stored calls were scored with other scorecards"
        }
    }

    /// Records that a new call was stored scored with `sha256`, so that the watcher rescores at its next start only
    /// when the store has become mixed (a call processed while `scorecards.yaml` differed from the rest).
    static func noteScored(workspace: Workspace, store: CallStore, sha256: String) {
        let recorded = marker(workspace)
        guard recorded != sha256, recorded != "mixed", recorded != "unknown" else { return }
        // Missing: the record starts with a store whose only call is this one; otherwise it is written as unknown,
        // so that the store is walked once, not after every call.
        let value = recorded != nil ? "mixed" : store.folders().count == 1 ? sha256 : "unknown"
        try? FileSystem.writeAtomically(Data((value + "\n").utf8), to: markerPath(workspace))
    }

    /// Records that every stored call (if any) is scored with `sha256`.
    static func markAllScored(workspace: Workspace, sha256: String) throws {
        try FileSystem.writeAtomically(Data((sha256 + "\n").utf8), to: markerPath(workspace))
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
