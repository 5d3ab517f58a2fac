import Foundation

/// After `scorecards.yaml` changes, every call is scored again (the last valid cards stay in use while the file
/// is invalid, and the problems are logged once per change). At start, the store is rescored when the scoring
/// record says its calls were scored with other cards.
final class RescoreOnChange: WatchJob {
    let name = "rescore"
    let cadence = Cadence.everyPass
    private let runtime: Runtime
    private let store: CallStore
    private let log: (String) -> Void
    private var checkedRecord = false

    init(runtime: Runtime, store: CallStore, log: @escaping (String) -> Void) {
        self.runtime = runtime
        self.store = store
        self.log = log
    }

    func run(now: Date) {
        let scorer = runtime.scorer
        let problemsBefore = scorer.currentProblems
        // Whether the stored calls were scored with other cards is read once, at start; afterwards only a change of
        // the file (checked by size and mtime) starts a rescore.
        let record = ScoringRecord(dataDirectory: runtime.workspace.data)
        let due = checkedRecord ? nil : scorer.current.flatMap { record.dueReason(sha256: $0.scorecards.sha256) }
        checkedRecord = true
        let changed = scorer.reload()
        guard changed || due != nil else {
            let problems = scorer.currentProblems
            if !problems.isEmpty && problems != problemsBefore {
                log("error: scorecards.yaml is invalid; the last valid version stays in use until it is fixed:\n"
                    + problems.map(\.description).joined(separator: "\n"))
            }
            return
        }
        guard let scoring = scorer.current else { return }
        do {
            if store.folders().isEmpty {
                try record.markAllScored(sha256: scoring.scorecards.sha256)
                return
            }
            let report = try Rescore.run(runtime: runtime, store: store, scoring: scoring, actor: "watcher")
            let why = (changed ? nil : due) ?? "scorecards.yaml changed"
            log("\(why): \(report.calls) calls rescored, \(report.rescored) changed, \(report.flips.count) pass/fail flips; report \(report.path ?? "-")")
        } catch {
            log("error: rescoring after the scorecards changed: \(error.localizedDescription)")
        }
    }
}
