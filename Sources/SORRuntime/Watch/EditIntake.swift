import Foundation

/// Applies settled edit documents from `inbox/edits/<user>/`, in name order, on every pass of the loop (a page
/// polls for the outcome, so edits are not left for the next full scan).
final class EditIntake: WatchJob {
    let name = "edits"
    let cadence = Cadence.everyPass
    private let edits: EditProcessor
    private let log: (String) -> Void
    private var settle = SettleTracker()

    init(edits: EditProcessor, log: @escaping (String) -> Void) {
        self.edits = edits
        self.log = log
    }

    func run(now: Date) {
        let pending = edits.pending()
        let users = Dictionary(pending.map { ($0.path, $0.user) }, uniquingKeysWith: { a, _ in a })
        // Documents are small and written at once: a second of quiet is enough even when settle_seconds is longer.
        let seconds = min(edits.workspace.config.watch.settleSeconds, 1)
        for path in settle.settled(pending.map(\.path), now: now, after: seconds) {
            guard let user = users[path] else { continue }
            let name = (path as NSString).lastPathComponent
            switch edits.apply(path, user: user) {
            case .applied(let call, let revision):
                log("edit \(user)/\(name) applied to call \(call) (revision \(revision))")
            case .rejected(let reason):
                // Without quoted text, which may be the call's words: the log outlives an erasure.
                log("edit \(user)/\(name) rejected: \(EditProcessor.withoutQuotes(reason))")
            case .deferred(let reason):
                log("error: edit \(user)/\(name) not applied: \(reason)")
            }
            // A rejection is in the call's history too, which its page shows.
            edits.runtime.siteChanges.mark()
        }
    }
}
