import Foundation

/// What `sor watch` is doing, written to `var/watch-status.json` for `sor status`.
public struct WatchStatus: Codable, Sendable, Equatable {
    public struct Waiting: Codable, Sendable, Equatable {
        public var claim: String
        public var nextAttempt: String
        public var reason: String
    }

    /// The watcher's process id while it runs; nil once it has stopped.
    public var pid: Int?
    public var startedAt: String
    public var updatedAt: String
    public var queued: [String]
    public var inFlight: [String]
    public var waitingForEngine: [Waiting]
    public var processed: Int
    public var duplicates: Int
    public var quarantined: Int
}

/// Writes `var/watch-status.json` on every pass, when it changed.
final class StatusWriter: WatchJob {
    let name = "status"
    let cadence = Cadence.everyPass
    private let queue: ClaimQueue
    private let path: String
    private let startedAt: Date

    init(queue: ClaimQueue, path: String, startedAt: Date) {
        self.queue = queue
        self.path = path
        self.startedAt = startedAt
    }

    func run(now: Date) { write(now: now, final: false) }

    /// The last status, without a pid: the watcher has stopped.
    func write(now: Date, final: Bool) {
        let snapshot = queue.snapshot()
        let name = { (claim: String) in (claim as NSString).lastPathComponent }
        let status = WatchStatus(
            pid: final ? nil : Int(getpid()), startedAt: Timestamp.iso(startedAt), updatedAt: Timestamp.iso(now),
            queued: snapshot.queued.map(name).sorted(), inFlight: snapshot.inFlight.map(name).sorted(),
            waitingForEngine: snapshot.waiting.map { WatchStatus.Waiting(claim: name($0.claim), nextAttempt: Timestamp.iso($0.due), reason: $0.reason) }
                .sorted { $0.claim < $1.claim },
            processed: snapshot.counters.processed, duplicates: snapshot.counters.duplicates, quarantined: snapshot.counters.quarantined)
        if let data = try? FileFormats.json(status), FileManager.default.contents(atPath: path) != data {
            try? FileSystem.writeAtomically(data, to: path)
        }
    }
}
