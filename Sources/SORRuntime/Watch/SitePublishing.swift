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

    /// When the pages were last published with their downloads left for later.
    private var deferredAt: Date?

    func run(now: Date) {
        if queue.isIdle, runtime.siteChanges.pending(take: true) {
            do {
                // The pages first, at once; the downloads (made from many calls each) once the watcher has been
                // idle a while, so a batch of recordings makes them once and a new call's page does not wait.
                try runtime.publisher().build(downloads: false)
                deferredAt = now
                log("site rebuilt")
            } catch {
                log("error: the site could not be rebuilt: \(error.localizedDescription)")
            }
            return
        }
        guard let deferredAt, queue.isIdle, now.timeIntervalSince(deferredAt) >= Self.downloadsDelay else { return }
        self.deferredAt = nil
        do {
            if try runtime.publisher().writeDownloads() { log("site downloads written") }
        } catch {
            log("error: the site's downloads could not be written: \(error.localizedDescription)")
        }
    }

    /// At stop: the pages if calls changed, then whatever downloads are left.
    func finish(now: Date) {
        run(now: now)
        deferredAt = deferredAt ?? now
        run(now: now.addingTimeInterval(Self.downloadsDelay))
    }

    /// Seconds of no new page build before the downloads are written.
    static let downloadsDelay: TimeInterval = 5
}
