import Foundation

/// Rebuilds the site once calls changed and the queue is idle (a batch of recordings is published once, not
/// after each).
final class SitePublishing: WatchJob {
    let name = "site"
    let cadence = Cadence.everyPass
    private let runtime: Runtime
    private let queue: ClaimQueue
    private let log: (String) -> Void

    init(runtime: Runtime, queue: ClaimQueue, log: @escaping (String) -> Void) {
        self.runtime = runtime
        self.queue = queue
        self.log = log
    }

    func run(now: Date) {
        guard queue.isIdle, runtime.siteChanges.pending(take: true) else { return }
        do {
            try runtime.publisher().build()
            log("site rebuilt")
        } catch {
            log("error: the site could not be rebuilt: \(error.localizedDescription)")
        }
    }
}
