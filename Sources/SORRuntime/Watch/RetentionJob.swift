import Foundation

/// Applies the retention policy (`retention.days`) once an hour, the first time at start.
final class RetentionJob: WatchJob {
    let name = "retention"
    let cadence = Cadence.scheduled(.every(3600))
    private let erasure: Erasure
    private let names: CallNameIndex
    private let log: (String) -> Void

    init(erasure: Erasure, names: CallNameIndex, log: @escaping (String) -> Void) {
        self.erasure = erasure
        self.names = names
        self.log = log
    }

    func run(now: Date) {
        let retention = erasure.runtime.config.retention
        guard retention.days > 0 else { return }
        do {
            let expired = try erasure.expire(actor: "watcher", now: now)
            if !expired.isEmpty {
                log("retention: \(expired.count) calls older than \(retention.days) days \(retention.action == .delete ? "erased" : "archived")")
                names.invalidate()
            }
        } catch {
            log("error: retention: \(error.localizedDescription)")
        }
    }
}
