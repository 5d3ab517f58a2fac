import Foundation

/// Why a schedule could not be read; the message says which field and what is allowed.
public enum ScheduleError: Error, Equatable, LocalizedError, Sendable {
    /// The expression does not have the five fields.
    case fieldCount(expression: String, found: Int)
    /// A word starting with `@` that is not one of the macros.
    case unknownMacro(expression: String)
    /// A value that is neither a number nor, in the month and day-of-week fields, a name.
    case invalidValue(expression: String, field: CronExpression.Field, value: String)
    /// A number outside what the field allows.
    case outOfRange(expression: String, field: CronExpression.Field, value: Int)
    /// A range `a-b` with `a` after `b`, written `range`.
    case reversedRange(expression: String, field: CronExpression.Field, range: String, lower: Int, upper: Int)
    /// A `/step` that is not a whole number from 1 to the width of the field.
    case invalidStep(expression: String, field: CronExpression.Field, step: String)
    /// A `/step` after a single number, `term`, where cron wants a range or `*`.
    case stepWithoutRange(expression: String, field: CronExpression.Field, term: String)
    /// Days of the month that none of the months has (30 February), so it would never run.
    case neverMatches(expression: String)
    /// An `every` schedule that is not a whole number with a unit.
    case invalidInterval(text: String)
    /// An `every` schedule of no time at all.
    case nonPositiveInterval(text: String)

    /// What is wrong, where, and what would be read.
    public var errorDescription: String? {
        switch self {
        case .fieldCount(let expression, let found):
            "cron \"\(expression)\": expected 5 fields (minute hour day-of-month month day-of-week), found \(found)"
        case .unknownMacro(let expression):
            "cron \"\(expression)\": unknown macro; use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or "
                + "@annually, or five fields"
        case .invalidValue(let expression, let field, let value):
            "cron \"\(expression)\": \(field.rawValue) \"\(value)\" is not \(Self.allowed(in: field))"
        case .outOfRange(let expression, let field, let value):
            "cron \"\(expression)\": \(field.rawValue) \(value) is out of range "
                + "\(field.range.lowerBound)–\(field.range.upperBound)"
        case .reversedRange(let expression, let field, let range, let lower, let upper):
            "cron \"\(expression)\": \(field.rawValue) range \(range) runs backwards; to wrap around, write "
                + "\(Self.span(lower, field.all.upperBound)),\(Self.span(field.all.lowerBound, upper))"
        case .invalidStep(let expression, let field, let step):
            "cron \"\(expression)\": \(field.rawValue) step \"\(step)\" must be a whole number from 1 to "
                + "\(field.all.upperBound - field.all.lowerBound)"
        case .stepWithoutRange(let expression, let field, let term):
            "cron \"\(expression)\": \(field.rawValue) \"\(term)\" steps from a single value; write "
                + "\(term.prefix { $0 != "/" })-\(field.all.upperBound)/\(Self.step(of: term)) "
                + "or */\(Self.step(of: term))"
        case .neverMatches(let expression):
            "cron \"\(expression)\": none of the months named has that day of the month, so it would never run"
        case .invalidInterval(let text):
            "schedule \"\(text)\": expected every <whole number><s, m, h or d>, e.g. every 30s, every 10m, "
                + "every 2h, every 1d"
        case .nonPositiveInterval(let text):
            "schedule \"\(text)\": the interval must be longer than 0"
        }
    }

    private static func allowed(in field: CronExpression.Field) -> String {
        let numbers = "a number \(field.range.lowerBound)–\(field.range.upperBound)"
        guard let first = field.names.first, let last = field.names.last else { return numbers }
        return "\(numbers) or a name \(first)–\(last)"
    }

    private static func step(of term: String) -> Substring { term.drop { $0 != "/" }.dropFirst() }

    private static func span(_ lower: Int, _ upper: Int) -> String { lower == upper ? "\(lower)" : "\(lower)-\(upper)" }
}

/// When a job runs: every N seconds, or at the minutes a cron expression names.
public enum Schedule: Sendable, Equatable, CustomStringConvertible {
    /// Every so many seconds (more than 0), counted from the last run.
    case every(TimeInterval)
    /// At each minute the expression names.
    case cron(CronExpression)

    /// Parses "every 30s", "every 10m", "every 2h", "every 1d" or a cron expression / macro.
    public init(parsing text: String) throws(ScheduleError) {
        let words = text.split(whereSeparator: \.isWhitespace)
        guard words.first?.lowercased() == "every" else {
            self = .cron(try CronExpression(text))
            return
        }
        let number = words.count == 2 ? words[1].dropLast() : ""
        guard let unit = words.last?.last.flatMap({ Self.units[$0.lowercased()] }), !number.isEmpty,
            number.allSatisfy(\.isASCIIDigit), let count = Int(number)
        else { throw .invalidInterval(text: text) }
        guard count > 0 else { throw .nonPositiveInterval(text: text) }
        self = .every(Double(count) * unit)
    }

    /// The form `init(parsing:)` reads: the largest whole unit for `every`, the expression as written for cron.
    public var description: String {
        switch self {
        case .cron(let expression):
            return expression.text
        case .every(let seconds):
            for (unit, size) in [("d", 86_400.0), ("h", 3600), ("m", 60)]
            where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 && seconds < 1e15 {
                return "every \(Int(seconds / size))\(unit)"
            }
            return seconds.rounded() == seconds && abs(seconds) < 1e15 ? "every \(Int(seconds))s" : "every \(seconds)s"
        }
    }

    private static let units: [String: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
}

/// Decides when a scheduled job is due, on times it is given (the caller's injected clock).
/// Fires once per slot; after downtime (the clock jumped past several slots, or the process was not running and
/// `lastRun` was restored from disk), it fires once to catch up, not once per missed slot.
///
/// A cron job that never ran waits for the first slot after the first `now` it is asked about. Having no clock, the
/// timer remembers that `now`, which is why `nextDue(now:)` and `isDue(at:)` are `mutating`: asked again before the
/// slot, it still counts from the first time, so the slot fires once whichever of the two the caller asks first.
/// A `lastRun` later than `now` means the clock was put back (or was wrong when it was recorded); the timer then
/// forgets it and behaves as if the job never ran, rather than wait out the gap.
public struct ScheduleTimer: Sendable, Equatable {
    /// What the timer follows.
    public let schedule: Schedule
    /// When the job last ran, as `ran(at:)` recorded or the caller restored; nil if it never ran.
    public private(set) var lastRun: Date?
    private let calendar: Calendar
    private var anchor: Date?

    /// A timer for `schedule` whose cron slots are read in `calendar`'s time zone; `.every` must be more than 0 s
    /// (`Schedule(parsing:)` checks that; building `.every(0)` in code is a programmer error).
    public init(schedule: Schedule, lastRun: Date? = nil, calendar: Calendar) {
        if case .every(let interval) = schedule {
            precondition(interval > 0 && interval.isFinite, "ScheduleTimer: .every(\(interval)) never stops firing")
        }
        self.schedule = schedule
        self.lastRun = lastRun
        self.calendar = calendar
    }

    /// When the job is next due, seen from `now`: for `.every`, lastRun + interval (now if it never ran);
    /// for `.cron`, the first slot after lastRun (after `now` if it never ran: a new job waits for its first slot).
    /// A time before `now` means it is overdue; nil means the cron expression has no slot in the next ten years.
    public mutating func nextDue(now: Date) -> Date? {
        if let lastRun, lastRun > now {
            self.lastRun = nil
            anchor = nil
        }
        switch schedule {
        case .every(let interval):
            return lastRun.map { $0.addingTimeInterval(interval) } ?? now
        case .cron(let expression):
            if let lastRun { return expression.next(after: lastRun, calendar: calendar) }
            let since = anchor.flatMap { $0 <= now ? $0 : nil } ?? now
            anchor = since
            return expression.next(after: since, calendar: calendar)
        }
    }

    /// Whether the job should run at `now`; it stays due until `ran(at:)` is called.
    public mutating func isDue(at now: Date) -> Bool {
        guard let due = nextDue(now: now) else { return false }
        return due <= now
    }

    /// Records a run at `now`; pass when it started, so that a slot passing while the job runs is still due after.
    public mutating func ran(at now: Date) {
        lastRun = now
        anchor = nil
    }
}
