import Foundation
import SORCore

/// How often the watcher runs a job.
enum Cadence {
    /// On every pass of the loop (it wakes on inotify events and at least once a second).
    case everyPass
    /// When its schedule says (`every 10s`, a cron expression).
    case scheduled(Schedule)
}

/// One piece of the watcher's work (taking recordings, applying edits, retention, publishing the site, …).
/// The scheduler runs it on its cadence, and earlier when it asks to.
protocol WatchJob: AnyObject {
    /// A stable name: the scheduler's state file and the log use it.
    var name: String { get }
    var cadence: Cadence { get }
    /// Whether to run now although the schedule does not say so: inotify saw a change (`events`), or the job has
    /// work in progress (files still settling). An early run does not move the schedule.
    func wantsEarlyRun(events: Bool) -> Bool
    /// Does the job's work; `now` is the runtime's clock.
    func run(now: Date)
}

extension WatchJob {
    func wantsEarlyRun(events: Bool) -> Bool { false }
}

/// Runs the watcher's jobs in order, each when its cadence says, on the runtime's clock (a test hands in its own
/// and advances it). The last run of every cron-scheduled job is kept in `var/schedule.json`, so a slot missed
/// while sor was not running is caught up once at the next start (and not once per missed slot).
final class Scheduler {
    private struct Entry {
        let job: any WatchJob
        var timer: ScheduleTimer?
    }

    private var entries: [Entry]
    private let clock: WallClock
    private let statePath: String
    private let log: (String) -> Void

    init(jobs: [any WatchJob], clock: WallClock, statePath: String, calendar: Calendar, log: @escaping (String) -> Void) {
        self.clock = clock
        self.statePath = statePath
        self.log = log
        let state = Self.readState(statePath)
        entries = jobs.map { job in
            guard case .scheduled(let schedule) = job.cadence else { return Entry(job: job, timer: nil) }
            return Entry(job: job, timer: ScheduleTimer(schedule: schedule, lastRun: state[job.name], calendar: calendar))
        }
    }

    /// Runs every job that is due now, or that wants an early run, in the order the jobs were given.
    func runDue(events: Bool) {
        for index in entries.indices {
            let now = clock.now()
            let job = entries[index].job
            var due = true
            if var timer = entries[index].timer {
                due = timer.isDue(at: now)
                if due { timer.ran(at: now) }
                entries[index].timer = timer
                if due, case .cron = timer.schedule { saveState() }
            }
            if due || job.wantsEarlyRun(events: events) { job.run(now: now) }
        }
    }

    private func saveState() {
        var state: [String: String] = [:]
        for entry in entries {
            guard let timer = entry.timer, case .cron = timer.schedule, let last = timer.lastRun else { continue }
            state[entry.job.name] = Timestamp.iso(last)
        }
        do {
            let data = try JSONSerialization.data(withJSONObject: state, options: [.sortedKeys, .prettyPrinted])
            try FileSystem.writeAtomically(data, to: statePath)
        } catch {
            log("error: cannot record the schedule in \(statePath): \(error.localizedDescription); a job missed while sor is stopped may not be caught up")
        }
    }

    private static func readState(_ path: String) -> [String: Date] {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return [:] }
        return object.compactMapValues(Timestamp.date)
    }
}
