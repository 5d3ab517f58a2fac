import Foundation

/// The claims the watcher has taken and not finished: queued, in flight on a worker, or waiting for the speech
/// engine, with the counters `sor status` shows. Shared by the loop and the workers; guarded by one condition.
final class ClaimQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [String] = []
    private var inFlight: Set<String> = []
    private var waiting: [String: (due: Date, reason: String)] = [:]
    private var stopping = false
    private(set) var counters = (processed: 0, duplicates: 0, quarantined: 0)

    /// Adds a claim folder to the end of the queue and wakes a worker.
    func enqueue(_ claim: String) {
        condition.lock()
        queue.append(claim)
        condition.signal()
        condition.unlock()
    }

    /// Puts claims whose wait for the engine is over back in the queue.
    func requeueWaiting(now: Date) {
        condition.lock()
        let due = waiting.filter { $0.value.due <= now }.map(\.key)
        for claim in due {
            waiting[claim] = nil
            queue.append(claim)
        }
        if !due.isEmpty { condition.broadcast() }
        condition.unlock()
    }

    /// The next claim for a worker, waiting until there is one; nil once the watcher stops.
    func next() -> String? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopping { condition.wait() }
        if stopping { return nil }
        let claim = queue.removeFirst()
        inFlight.insert(claim)
        return claim
    }

    /// Records what became of a claim a worker took; `retryAt` when it waits for the engine.
    func finish(_ claim: String, outcome: ProcessOutcome?, retryAt: Date) {
        condition.lock()
        inFlight.remove(claim)
        switch outcome {
        case .processed: counters.processed += 1
        case .duplicate: counters.duplicates += 1
        case .quarantined: counters.quarantined += 1
        case .engineUnavailable(let reason): waiting[claim] = (retryAt, reason)
        case nil: break
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Tells the workers to stop once their current claim is done.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Nothing queued and nothing in flight (claims waiting for the engine do not count).
    var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return queue.isEmpty && inFlight.isEmpty
    }

    /// Waits until no worker holds a claim.
    func waitForInFlight() {
        condition.lock()
        while !inFlight.isEmpty { condition.wait() }
        condition.broadcast()
        condition.unlock()
    }

    /// What `var/watch-status.json` shows of the queue.
    func snapshot() -> (queued: [String], inFlight: [String], waiting: [(claim: String, due: Date, reason: String)], counters: (processed: Int, duplicates: Int, quarantined: Int)) {
        condition.lock()
        defer { condition.unlock() }
        return (queue, Array(inFlight), waiting.map { ($0.key, $0.value.due, $0.value.reason) }, counters)
    }
}
