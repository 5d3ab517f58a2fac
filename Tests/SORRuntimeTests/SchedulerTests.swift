import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime

/// A clock a test sets by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date

    init(_ date: Date) {
        self.date = date
    }

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return date
    }

    func set(_ date: Date) {
        lock.lock()
        self.date = date
        lock.unlock()
    }

    func advance(_ seconds: TimeInterval) { set(now.addingTimeInterval(seconds)) }

    var wallClock: WallClock { WallClock { [self] in now } }
}

/// A job that records when it ran.
final class RecordingJob: WatchJob {
    let name: String
    let cadence: Cadence
    var early = false
    private(set) var runs: [Date] = []

    init(name: String, cadence: Cadence) {
        self.name = name
        self.cadence = cadence
    }

    func wantsEarlyRun(events: Bool) -> Bool { early || events }

    func run(now: Date) { runs.append(now) }
}

@Suite("The watcher's scheduler")
struct SchedulerTests {
    static let warsaw: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Warsaw")!
        return calendar
    }()

    /// 2026-12-01 10:07:00 in Warsaw (09:07 UTC): a fixed point, so every branch runs whatever the day.
    static let start = Date(timeIntervalSince1970: 1_796_116_020)

    static func time(_ date: Date) -> String {
        let parts = warsaw.dateComponents([.day, .hour, .minute, .second], from: date)
        return String(format: "%02d %02d:%02d:%02d", parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    @Test("a cron job fires once per slot on the injected clock, catches up once after the clock jumps, and once after downtime")
    func cron() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(Self.time(Self.start) == "01 10:07:00")
        let clock = ManualClock(Self.start)
        let state = scratch.root + "/var/schedule.json"
        let job = RecordingJob(name: "pbx-pull", cadence: .scheduled(.cron(try CronExpression("0 * * * *"))))
        var scheduler = Scheduler(jobs: [job], clock: clock.wallClock, statePath: state, calendar: Self.warsaw, log: { _ in })

        // Three hours in ten-second steps: the loop passes many times per minute, the job runs once an hour.
        for _ in 0..<(3 * 360) {
            clock.advance(10)
            scheduler.runDue(events: false)
        }
        #expect(job.runs.map(Self.time) == ["01 11:00:00", "01 12:00:00", "01 13:00:00"])

        // The clock jumps past three slots (a suspended machine): one catch-up run, then the next slot as usual.
        clock.set(Self.start.addingTimeInterval(6 * 3600 + 5 * 60))  // 16:12
        scheduler.runDue(events: false)
        scheduler.runDue(events: false)
        clock.advance(60)
        scheduler.runDue(events: false)
        #expect(job.runs.map(Self.time).suffix(1) == ["01 16:12:00"], "one run for the missed 14:00, 15:00 and 16:00")
        clock.set(Self.start.addingTimeInterval(6 * 3600 + 53 * 60))  // 17:00
        scheduler.runDue(events: false)
        #expect(job.runs.count == 5)

        // sor stops after the 17:00 run and starts again at 20:30: the last run is read back, one catch-up run.
        clock.set(Self.start.addingTimeInterval(10 * 3600 + 23 * 60))  // 20:30
        let restarted = RecordingJob(name: "pbx-pull", cadence: .scheduled(.cron(try CronExpression("0 * * * *"))))
        scheduler = Scheduler(jobs: [restarted], clock: clock.wallClock, statePath: state, calendar: Self.warsaw, log: { _ in })
        for _ in 0..<31 {  // 20:30 … 21:00
            scheduler.runDue(events: false)
            clock.advance(60)
        }
        #expect(restarted.runs.map(Self.time) == ["01 20:30:00", "01 21:00:00"], "caught up once at start, then on its slot")

        // A job seen for the first time waits for its first slot rather than running at start.
        let fresh = RecordingJob(name: "report", cadence: .scheduled(.cron(try CronExpression("15 * * * *"))))
        scheduler = Scheduler(jobs: [fresh], clock: clock.wallClock, statePath: state, calendar: Self.warsaw, log: { _ in })
        scheduler.runDue(events: false)
        #expect(fresh.runs.isEmpty)
        clock.advance(14 * 60)
        scheduler.runDue(events: false)
        #expect(fresh.runs.map(Self.time) == ["01 21:15:00"])
    }

    @Test("an interval job runs at start and then every interval; an early run (inotify, files settling) does not move its schedule")
    func interval() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let clock = ManualClock(Self.start)
        let job = RecordingJob(name: "recordings", cadence: .scheduled(.every(60)))
        let pass = RecordingJob(name: "status", cadence: .everyPass)
        let scheduler = Scheduler(
            jobs: [job, pass], clock: clock.wallClock, statePath: scratch.root + "/schedule.json", calendar: Self.warsaw, log: { _ in })
        for step in 0..<18 {
            job.early = step == 4  // files settling
            scheduler.runDue(events: step == 14)  // inotify saw a change
            clock.advance(10)
        }
        #expect(job.runs.map(Self.time) == ["01 10:07:00", "01 10:07:40", "01 10:08:00", "01 10:09:00", "01 10:09:20"])
        #expect(pass.runs.count == 18, "an every-pass job runs on every pass")
        #expect(!FileManager.default.fileExists(atPath: scratch.root + "/schedule.json"), "only cron jobs keep state")
    }
}
