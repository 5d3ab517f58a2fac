import Foundation
import SORCore

/// `sor watch`: a loop that runs the watcher's jobs on their schedules, and workers that process the recordings
/// the intake claims, each exactly once.
///
/// - inotify wakes the loop early; each job runs on its cadence (see `Scheduler`, `WatchJob`), in this order:
///   recording intake, late sidecars, claims whose engine wait is over, edits, rescore on a scorecards change,
///   retention, site publishing, status.
/// - `watch.jobs` workers process claims (`ClaimProcessor`: retries and giving up on the engine).
/// - Claims left by a crash are resumed at start; stopping lets in-flight work finish and leaves the rest claimed.
public final class Watcher: @unchecked Sendable {
    // The loop's state is touched only by the thread that calls `run`; the workers share `queue` (thread-safe).
    private let runtime: Runtime
    private let log: @Sendable (String) -> Void
    private let queue = ClaimQueue()
    private var wakeFD: [Int32] = [-1, -1]

    public init(runtime: Runtime, log: @escaping @Sendable (String) -> Void) {
        self.runtime = runtime
        self.log = log
    }

    private var workspace: Workspace { runtime.workspace }
    var processingDirectory: String { workspace.inbox + "/.processing" }

    /// Runs until `stop()` (SIGINT/SIGTERM): in-flight work finishes, claims not started stay for the next start.
    public func run() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: processingDirectory, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: workspace.work, withIntermediateDirectories: true)
        // One watcher per inbox: claims in .processing/ belong to the watcher that holds this lock.
        let lockFD = open(processingDirectory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            if lockFD >= 0 { close(lockFD) }
            throw RuntimeError.commandFailed(
                command: "sor watch",
                detail: "another sor watch is already watching \(workspace.inbox) (it holds \(processingDirectory)/.lock); stop it first")
        }
        defer { close(lockFD) }
        let storeLock = try StoreLock(dataDirectory: workspace.data, purpose: "sor watch")
        defer { withExtendedLifetime(storeLock) {} }
        // A wrong or missing key stops here, before anything is taken or written.
        let store = try runtime.checkedStore()
        store.sweepStaging()
        let swept = runtime.copies.sweep()
        if swept > 0 { log("removed \(swept) decoded working copies left in \(workspace.work)/tmp by an interrupted run") }
        pipe(&wakeFD)
        defer {
            close(wakeFD[0])
            close(wakeFD[1])
        }
        try? fm.createDirectory(atPath: workspace.inbox + "/edits", withIntermediateDirectories: true)
        let inotify = InotifyWatch(directories: [workspace.inbox, workspace.inbox + "/edits"])

        let pipeline = try Pipeline(runtime: runtime)
        let names = CallNameIndex(store: store)
        let intake = RecordingIntake(pipeline: pipeline, queue: queue, log: log)
        let status = StatusWriter(queue: queue, path: workspace.work + "/watch-status.json", startedAt: runtime.clock.now())
        let publishing = SitePublishing(runtime: runtime, queue: queue, log: log)
        let jobs: [any WatchJob] = [
            intake,
            LateSidecars(runtime: runtime, store: store, names: names, intakeUnsettled: { intake.hasUnsettled }, log: log),
            EngineWaits(queue: queue),
            EditIntake(edits: try EditProcessor(runtime: runtime), log: log),
            RescoreOnChange(runtime: runtime, store: store, log: log),
            AccessOnChange(runtime: runtime, log: log),
            AccessAuditJob(runtime: runtime, log: log),
            RetentionJob(erasure: try Erasure(runtime: runtime), names: names, log: log),
            publishing,
        ] + (try workspace.config.reports.schedule.map { try ScheduledReportJob($0, runtime: runtime, log: log) })
            + (try workspace.config.sources.filter { !$0.schedule.isEmpty }.map { try ImportJob($0, runtime: runtime, log: log) }) + [
            status,
        ]
        let scheduler = Scheduler(
            jobs: jobs, clock: runtime.clock, statePath: workspace.work + "/schedule.json", calendar: Calendar.current, log: log)

        intake.resumeClaims()
        let processor = ClaimProcessor(pipeline: pipeline, names: names, isStopping: { [queue] in queue.isStopping }, log: log)
        let workers = (0..<workspace.config.watch.jobs).map { index in
            let thread = Thread { [self] in work(processor) }
            thread.name = "sor-worker-\(index)"
            thread.start()
            return thread
        }
        _ = workers
        var events = false
        while !queue.isStopping {
            scheduler.runDue(events: events)
            inotify.addSubdirectories(of: workspace.inbox + "/uploads")
            inotify.addSubdirectories(of: workspace.inbox + "/edits")
            let timeout = intake.hasUnsettled ? 0.25 : min(workspace.config.watch.rescanInterval, 1.0)
            inotify.wait(timeout: timeout, alsoWakeOn: wakeFD[0])
            events = inotify.hasEvents
        }
        queue.waitForInFlight()
        publishing.finish(now: runtime.clock.now())
        runtime.shutdown()
        status.write(now: runtime.clock.now(), final: true)
        log("stopped")
    }

    /// Asks the watcher to stop; safe to call from a signal handler's queue.
    public func stop() {
        queue.stop()
        var byte: UInt8 = 1
        _ = write(wakeFD[1], &byte, 1)
    }

    private func work(_ processor: ClaimProcessor) {
        while let claim = queue.next() {
            let outcome = processor.process(claim)
            queue.finish(claim, outcome: outcome, retryAt: runtime.clock.now().addingTimeInterval(workspace.config.watch.engineWaitInterval))
        }
    }
}

/// Puts claims whose wait for the speech engine is over back in the queue, on every pass.
final class EngineWaits: WatchJob {
    let name = "engine-waits"
    let cadence = Cadence.everyPass
    private let queue: ClaimQueue

    init(queue: ClaimQueue) {
        self.queue = queue
    }

    func run(now: Date) { queue.requeueWaiting(now: now) }
}
