import Foundation
import Testing
@testable import SORCore

private func calendar(_ zone: String) -> Calendar {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone)!
    return calendar
}

private let utc = calendar("UTC")
private let warsaw = calendar("Europe/Warsaw")

/// A fixed instant, written with its UTC offset so that a time in the repeated hour of October is unambiguous.
private func time(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

private func cron(_ text: String) -> CronExpression { try! CronExpression(text) }

private func numbers(_ bits: UInt64) -> [Int] { (0..<64).filter { bits >> $0 & 1 == 1 } }

private func values(_ expression: CronExpression, _ field: CronExpression.Field) -> [Int] {
    switch field {
    case .minute: numbers(expression.minutes)
    case .hour: numbers(expression.hours)
    case .dayOfMonth: numbers(expression.days)
    case .month: numbers(expression.months)
    case .dayOfWeek: numbers(expression.weekdays)
    }
}

@Suite("Cron expressions")
struct CronExpressionTests {
    @Test(
        "each syntax form selects the values it names",
        arguments: [
            ("* * * * *", CronExpression.Field.minute, Array(0...59)),
            ("* * * * *", .dayOfWeek, Array(0...6)),
            ("5 * * * *", .minute, [5]),
            ("1,15 * * * *", .minute, [1, 15]),
            ("1-5 * * * *", .minute, [1, 2, 3, 4, 5]),
            ("*/15 * * * *", .minute, [0, 15, 30, 45]),
            ("10-50/10 * * * *", .minute, [10, 20, 30, 40, 50]),
            ("0,10-12,*/20 * * * *", .minute, [0, 10, 11, 12, 20, 40]),
            ("0 */6 * * *", .hour, [0, 6, 12, 18]),
            ("0 9-17 * * *", .hour, Array(9...17)),
            ("0 0 */10 * *", .dayOfMonth, [1, 11, 21, 31]),
            ("0 0 * jan,Mar-MAY,dec *", .month, [1, 3, 4, 5, 12]),
            ("0 0 * */3 *", .month, [1, 4, 7, 10]),
            ("0 0 * * Mon-FRI", .dayOfWeek, [1, 2, 3, 4, 5]),
            ("0 0 * * sun,sat", .dayOfWeek, [0, 6]),
            ("0 0 * * 7", .dayOfWeek, [0]),
            ("0 0 * * 0,7", .dayOfWeek, [0]),
            ("0 0 * * 5-7", .dayOfWeek, [0, 5, 6]),
            ("0 0 * * fri-7", .dayOfWeek, [0, 5, 6]),
            ("0 0 * * 7-1", .dayOfWeek, [0, 1]),
            ("  0   0 *\t* 1  ", .dayOfWeek, [1]),
        ])
    func forms(text: String, field: CronExpression.Field, expected: [Int]) throws {
        #expect(values(try CronExpression(text), field) == expected)
    }

    @Test(
        "macros are their five-field expressions, and keep the text as written",
        arguments: [
            ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@weekly", "0 0 * * 0"),
            ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@Daily", "0 0 * * *"),
        ])
    func macros(macro: String, expansion: String) throws {
        let expression = try CronExpression(macro)
        let expanded = try CronExpression(expansion)
        #expect(expression.text == macro)
        #expect(expression.description == macro)
        for field in CronExpression.Field.allCases { #expect(values(expression, field) == values(expanded, field)) }
        #expect(expression.dayOfMonthIsStar == expanded.dayOfMonthIsStar)
        #expect(expression.dayOfWeekIsStar == expanded.dayOfWeekIsStar)
    }

    @Test(
        "every mistake names the field and what it allows",
        arguments: [
            ("61 * * * *", ScheduleError.outOfRange(expression: "61 * * * *", field: .minute, value: 61),
                "cron \"61 * * * *\": minute 61 is out of range 0–59"),
            ("0 24 * * *", .outOfRange(expression: "0 24 * * *", field: .hour, value: 24),
                "cron \"0 24 * * *\": hour 24 is out of range 0–23"),
            ("0 0 0 * *", .outOfRange(expression: "0 0 0 * *", field: .dayOfMonth, value: 0),
                "cron \"0 0 0 * *\": day-of-month 0 is out of range 1–31"),
            ("0 0 * 13 *", .outOfRange(expression: "0 0 * 13 *", field: .month, value: 13),
                "cron \"0 0 * 13 *\": month 13 is out of range 1–12"),
            ("0 0 * * 8", .outOfRange(expression: "0 0 * * 8", field: .dayOfWeek, value: 8),
                "cron \"0 0 * * 8\": day-of-week 8 is out of range 0–7"),
            ("* * * *", .fieldCount(expression: "* * * *", found: 4),
                "cron \"* * * *\": expected 5 fields (minute hour day-of-month month day-of-week), found 4"),
            ("0 0 * * * *", .fieldCount(expression: "0 0 * * * *", found: 6),
                "cron \"0 0 * * * *\": expected 5 fields (minute hour day-of-month month day-of-week), found 6"),
            ("", .fieldCount(expression: "", found: 0),
                "cron \"\": expected 5 fields (minute hour day-of-month month day-of-week), found 0"),
            ("@reboot", .unknownMacro(expression: "@reboot"),
                "cron \"@reboot\": unknown macro; use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or "
                    + "@annually, or five fields"),
            ("x * * * *", .invalidValue(expression: "x * * * *", field: .minute, value: "x"),
                "cron \"x * * * *\": minute \"x\" is not a number 0–59"),
            ("0 0 * foo *", .invalidValue(expression: "0 0 * foo *", field: .month, value: "foo"),
                "cron \"0 0 * foo *\": month \"foo\" is not a number 1–12 or a name jan–dec"),
            ("0 0 * * monday", .invalidValue(expression: "0 0 * * monday", field: .dayOfWeek, value: "monday"),
                "cron \"0 0 * * monday\": day-of-week \"monday\" is not a number 0–7 or a name sun–sat"),
            ("0 0 mon * *", .invalidValue(expression: "0 0 mon * *", field: .dayOfMonth, value: "mon"),
                "cron \"0 0 mon * *\": day-of-month \"mon\" is not a number 1–31"),
            ("1,,2 * * * *", .invalidValue(expression: "1,,2 * * * *", field: .minute, value: ""),
                "cron \"1,,2 * * * *\": minute \"\" is not a number 0–59"),
            ("-5 * * * *", .invalidValue(expression: "-5 * * * *", field: .minute, value: "-5"),
                "cron \"-5 * * * *\": minute \"-5\" is not a number 0–59"),
            ("+5 * * * *", .invalidValue(expression: "+5 * * * *", field: .minute, value: "+5"),
                "cron \"+5 * * * *\": minute \"+5\" is not a number 0–59"),
            ("1-x * * * *", .invalidValue(expression: "1-x * * * *", field: .minute, value: "x"),
                "cron \"1-x * * * *\": minute \"x\" is not a number 0–59"),
            ("50-10 * * * *",
                .reversedRange(expression: "50-10 * * * *", field: .minute, range: "50-10", lower: 50, upper: 10),
                "cron \"50-10 * * * *\": minute range 50-10 runs backwards; to wrap around, write 50-59,0-10"),
            ("0 0 * * sat-sun",
                .reversedRange(expression: "0 0 * * sat-sun", field: .dayOfWeek, range: "sat-sun", lower: 6, upper: 0),
                "cron \"0 0 * * sat-sun\": day-of-week range sat-sun runs backwards; to wrap around, write 6,0"),
            ("*/0 * * * *", .invalidStep(expression: "*/0 * * * *", field: .minute, step: "0"),
                "cron \"*/0 * * * *\": minute step \"0\" must be a whole number from 1 to 59"),
            ("0 */24 * * *", .invalidStep(expression: "0 */24 * * *", field: .hour, step: "24"),
                "cron \"0 */24 * * *\": hour step \"24\" must be a whole number from 1 to 23"),
            ("*/x * * * *", .invalidStep(expression: "*/x * * * *", field: .minute, step: "x"),
                "cron \"*/x * * * *\": minute step \"x\" must be a whole number from 1 to 59"),
            ("1-5/2/3 * * * *", .invalidStep(expression: "1-5/2/3 * * * *", field: .minute, step: "2/3"),
                "cron \"1-5/2/3 * * * *\": minute step \"2/3\" must be a whole number from 1 to 59"),
            ("5/15 * * * *", .stepWithoutRange(expression: "5/15 * * * *", field: .minute, term: "5/15"),
                "cron \"5/15 * * * *\": minute \"5/15\" steps from a single value; write 5-59/15 or */15"),
            ("0 0 * * mon/2", .stepWithoutRange(expression: "0 0 * * mon/2", field: .dayOfWeek, term: "mon/2"),
                "cron \"0 0 * * mon/2\": day-of-week \"mon/2\" steps from a single value; write mon-6/2 or */2"),
            ("5/0 * * * *", .invalidStep(expression: "5/0 * * * *", field: .minute, step: "0"),
                "cron \"5/0 * * * *\": minute step \"0\" must be a whole number from 1 to 59"),
            ("5/ * * * *", .invalidStep(expression: "5/ * * * *", field: .minute, step: ""),
                "cron \"5/ * * * *\": minute step \"\" must be a whole number from 1 to 59"),
            ("0 0 30 2 *", .neverMatches(expression: "0 0 30 2 *"),
                "cron \"0 0 30 2 *\": none of the months named has that day of the month, so it would never run"),
            ("0 0 31 apr,jun,sep,nov *", .neverMatches(expression: "0 0 31 apr,jun,sep,nov *"),
                "cron \"0 0 31 apr,jun,sep,nov *\": none of the months named has that day of the month, so it would "
                    + "never run"),
        ] as [(String, ScheduleError, String)])
    func errors(text: String, error: ScheduleError, message: String) {
        #expect(throws: error) { try CronExpression(text) }
        #expect(error.localizedDescription == message)
    }

    @Test("30 February is allowed where the day of the week can still match, and 29 February is a day")
    func possibleDays() throws {
        _ = try CronExpression("0 0 29 2 *")
        _ = try CronExpression("0 0 31 4,5 *")
        _ = try CronExpression("0 0 30 2 1")  // 30 February or any Monday in February
    }

    @Test(
        "next(after:) finds the first matching minute strictly after the date",
        arguments: [
            ("*/15 * * * *", "2026-05-04T10:07:30Z", "2026-05-04T10:15:00Z"),
            ("*/15 * * * *", "2026-05-04T10:15:00Z", "2026-05-04T10:30:00Z"),
            ("*/15 * * * *", "2026-05-04T10:14:59Z", "2026-05-04T10:15:00Z"),
            ("*/15 * * * *", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z"),
            ("10-50/10 8 * * *", "2026-05-04T08:50:00Z", "2026-05-05T08:10:00Z"),
            ("0 0 1 * *", "2026-01-31T12:00:00Z", "2026-02-01T00:00:00Z"),
            // Months without a 31st are skipped.
            ("0 12 31 * *", "2026-01-31T12:00:00Z", "2026-03-31T12:00:00Z"),
            ("0 12 31 * *", "2026-03-31T12:00:00Z", "2026-05-31T12:00:00Z"),
            ("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"),
            ("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"),
            // 2100 is not a leap year: eight years to the next 29 February.
            ("0 0 29 2 *", "2096-02-29T00:00:00Z", "2104-02-29T00:00:00Z"),
            // Both restricted: the 13th or a Friday. 10 April 2026 is a Friday, the 13th a Monday.
            ("0 9 13 * 5", "2026-04-10T09:00:00Z", "2026-04-13T09:00:00Z"),
            ("0 9 13 * 5", "2026-04-13T09:00:00Z", "2026-04-17T09:00:00Z"),
            // `*/2` starts with `*`, so both must match: an odd day that is a Monday (not the 15th, a Wednesday).
            ("0 9 */2 * 1", "2026-04-13T09:00:00Z", "2026-04-27T09:00:00Z"),
            ("30 8 * jan-mar,DEC Mon", "2026-04-01T00:00:00Z", "2026-12-07T08:30:00Z"),
            ("0 10 * * 0", "2026-05-04T00:00:00Z", "2026-05-10T10:00:00Z"),
            ("0 10 * * 7", "2026-05-04T00:00:00Z", "2026-05-10T10:00:00Z"),
            ("0 10 * * SUN", "2026-05-04T00:00:00Z", "2026-05-10T10:00:00Z"),
            ("@hourly", "2026-05-04T10:00:00Z", "2026-05-04T11:00:00Z"),
            ("@weekly", "2026-05-04T00:00:00Z", "2026-05-10T00:00:00Z"),
            ("@yearly", "2026-05-04T00:00:00Z", "2027-01-01T00:00:00Z"),
        ])
    func nextInUTC(text: String, after: String, expected: String) {
        #expect(cron(text).next(after: time(after), calendar: utc) == time(expected))
    }

    @Test(
        "next(after:) across the Warsaw clock changes: 02:00–02:59 is missing on 29 March, shown twice on 25 October",
        arguments: [
            // Spring forward, 02:00 CET → 03:00 CEST: a 02:30 slot is simply not there that night.
            ("30 2 * * *", "2026-03-28T03:00:00+01:00", "2026-03-30T02:30:00+02:00"),
            ("*/30 * * * *", "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00"),
            ("0 3 * * *", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"),
            ("0 0 * * *", "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"),
            ("0 9 * * 1-5", "2026-03-27T09:00:00+01:00", "2026-03-30T09:00:00+02:00"),
            // Fall back, 03:00 CEST → 02:00 CET: a job at named hours runs once, at the first 02:30…
            ("30 2 * * *", "2026-10-25T00:00:00+02:00", "2026-10-25T02:30:00+02:00"),
            ("30 2 * * *", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"),
            ("*/20 2 * * *", "2026-10-25T02:40:00+02:00", "2026-10-26T02:00:00+01:00"),
            // …one for every hour goes on in real time through the repeated hour.
            ("*/30 * * * *", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00"),
            ("0 * * * *", "2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"),
            ("0 * * * *", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"),
            ("0 0 * * *", "2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00"),
            ("0 0 * * *", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
        ])
    func nextInWarsaw(text: String, after: String, expected: String) {
        #expect(cron(text).next(after: time(after), calendar: warsaw) == time(expected))
    }

    @Test(
        "next(after:) agrees with matches(_:) minute by minute over both Warsaw clock changes",
        arguments: ["*/15 * * * *", "30 2 * * *", "0,30 1-3 * * *", "*/7 1-3 * * sun", "0 * 25,29 * *", "59 23 * * *"])
    func agreesWithMatches(text: String) {
        let expression = cron(text)
        for start in [time("2026-03-28T00:00:00+01:00"), time("2026-10-24T00:00:00+02:00")] {
            let minutes = (0..<(3 * 24 * 60)).map { start.addingTimeInterval(Double($0) * 60) }
            let slots = minutes.filter { expression.matches($0, calendar: warsaw) }
            #expect(!slots.isEmpty)
            for (index, minute) in minutes.enumerated() where index % 11 == 0 {
                guard let expected = slots.first(where: { $0 > minute }) else { break }
                #expect(expression.next(after: minute, calendar: warsaw) == expected, "after \(minute)")
            }
        }
    }

    @Test("matches(_:) ignores the seconds and leaves out a repeated hour only where the hours are named")
    func matching() {
        #expect(cron("30 9 * * *").matches(time("2026-05-04T09:30:59Z"), calendar: utc))
        #expect(!cron("30 9 * * *").matches(time("2026-05-04T09:31:00Z"), calendar: utc))
        #expect(!cron("30 9 * * *").matches(time("2026-05-04T09:30:00Z"), calendar: warsaw))
        #expect(cron("30 9 * * *").matches(time("2026-05-04T09:30:00+02:00"), calendar: warsaw))
        #expect(cron("30 2 * * *").matches(time("2026-10-25T02:30:00+02:00"), calendar: warsaw))
        #expect(!cron("30 2 * * *").matches(time("2026-10-25T02:30:00+01:00"), calendar: warsaw))
        #expect(cron("30 * * * *").matches(time("2026-10-25T02:30:00+01:00"), calendar: warsaw))
    }

    @Test("next(after:) reads the calendar's time zone, on the Gregorian calendar whatever the calendar")
    func zone() {
        var buddhist = Calendar(identifier: .buddhist)
        buddhist.timeZone = TimeZone(identifier: "Europe/Warsaw")!
        let after = time("2026-05-04T00:00:00Z")
        #expect(cron("0 9 * * *").next(after: after, calendar: warsaw) == time("2026-05-04T09:00:00+02:00"))
        #expect(cron("0 9 * * *").next(after: after, calendar: buddhist) == time("2026-05-04T09:00:00+02:00"))
        #expect(cron("0 9 * * *").next(after: after, calendar: utc) == time("2026-05-04T09:00:00Z"))
    }

    @Test("next(after:) skips whole months, days and hours instead of stepping minute by minute")
    func efficient() {
        // Minute by minute these would be about 4.2 million and 5.3 million candidates.
        let leapDay = cron("0 0 29 2 *").search(after: time("2096-02-29T00:00:00Z"), calendar: utc)
        #expect(leapDay.date == time("2104-02-29T00:00:00Z"))
        #expect(leapDay.steps < 1_000)
        // An odd day that is a Monday in February whose 1st or 31st is the day: 1 February on a Monday, rarer
        // than once in ten years from 2027 (1 February 2027 is a Monday, the next is 2038).
        let rare = cron("0 0 */30 2 1").search(after: time("2027-02-01T00:00:00Z"), calendar: utc)
        #expect(rare.date == nil)
        #expect(rare.steps < 1_000)
    }
}

@Suite("Schedules")
struct ScheduleTests {
    @Test(
        "every with a unit, or a cron expression",
        arguments: [
            ("every 30s", Schedule.every(30)), ("every 10m", .every(600)), ("every 2h", .every(7200)),
            ("every 1d", .every(86_400)), ("Every 90S", .every(90)), ("  every 5m ", .every(300)),
            ("*/5 * * * *", .cron(try! CronExpression("*/5 * * * *"))),
            ("@daily", .cron(try! CronExpression("@daily"))),
        ])
    func parsing(text: String, expected: Schedule) throws {
        #expect(try Schedule(parsing: text) == expected)
    }

    @Test(
        "an every schedule needs a whole number of seconds, minutes, hours or days, more than 0",
        arguments: [
            ("every 0s", ScheduleError.nonPositiveInterval(text: "every 0s"),
                "schedule \"every 0s\": the interval must be longer than 0"),
            ("every 10x", .invalidInterval(text: "every 10x"),
                "schedule \"every 10x\": expected every <whole number><s, m, h or d>, e.g. every 30s, every 10m, "
                    + "every 2h, every 1d"),
            ("every", .invalidInterval(text: "every"),
                "schedule \"every\": expected every <whole number><s, m, h or d>, e.g. every 30s, every 10m, "
                    + "every 2h, every 1d"),
            ("every m", .invalidInterval(text: "every m"),
                "schedule \"every m\": expected every <whole number><s, m, h or d>, e.g. every 30s, every 10m, "
                    + "every 2h, every 1d"),
            ("every -5m", .invalidInterval(text: "every -5m"),
                "schedule \"every -5m\": expected every <whole number><s, m, h or d>, e.g. every 30s, every 10m, "
                    + "every 2h, every 1d"),
            ("every 1.5h", .invalidInterval(text: "every 1.5h"),
                "schedule \"every 1.5h\": expected every <whole number><s, m, h or d>, e.g. every 30s, every 10m, "
                    + "every 2h, every 1d"),
            ("every 10 m", .invalidInterval(text: "every 10 m"),
                "schedule \"every 10 m\": expected every <whole number><s, m, h or d>, e.g. every 30s, every 10m, "
                    + "every 2h, every 1d"),
            ("every 99999999999999999999d", .invalidInterval(text: "every 99999999999999999999d"),
                "schedule \"every 99999999999999999999d\": expected every <whole number><s, m, h or d>, e.g. "
                    + "every 30s, every 10m, every 2h, every 1d"),
            ("61 * * * *", .outOfRange(expression: "61 * * * *", field: .minute, value: 61),
                "cron \"61 * * * *\": minute 61 is out of range 0–59"),
        ] as [(String, ScheduleError, String)])
    func errors(text: String, error: ScheduleError, message: String) {
        #expect(throws: error) { try Schedule(parsing: text) }
        #expect(error.localizedDescription == message)
    }

    @Test(
        "the description is the text parsing reads back",
        arguments: [
            (Schedule.every(30), "every 30s"), (.every(600), "every 10m"), (.every(7200), "every 2h"),
            (.every(86_400), "every 1d"), (.every(90), "every 90s"), (.every(5400), "every 90m"),
            (.every(1.5), "every 1.5s"), (.cron(try! CronExpression("@weekly")), "@weekly"),
            (.cron(try! CronExpression("0 9 * * MON-fri")), "0 9 * * MON-fri"),
        ])
    func description(schedule: Schedule, text: String) throws {
        #expect(schedule.description == text)
        if text != "every 1.5s" { #expect(try Schedule(parsing: text) == schedule) }
    }
}

@Suite("Schedule timer")
struct ScheduleTimerTests {
    /// Drives `timer` over `times`, running the job whenever it is due; returns when it ran.
    private func drive(_ timer: inout ScheduleTimer, over times: some Sequence<Date>) -> [Date] {
        var runs: [Date] = []
        for now in times where timer.isDue(at: now) {
            runs.append(now)
            timer.ran(at: now)
        }
        return runs
    }

    private func minutes(from start: Date, count: Int) -> [Date] {
        (0..<count).map { start.addingTimeInterval(Double($0) * 60) }
    }

    @Test("driven minute by minute for a week, */30 9-17 * * 1-5 fires once per slot: 18 a weekday, none at weekends")
    func weekMinuteByMinute() {
        var timer = ScheduleTimer(schedule: .cron(cron("*/30 9-17 * * 1-5")), calendar: warsaw)
        // Monday 23 March to Sunday 29 March 2026, the night the clocks go forward included.
        let start = time("2026-03-23T00:00:00+01:00")
        let runs = drive(&timer, over: minutes(from: start, count: 7 * 24 * 60 - 60))
        #expect(runs.count == 5 * 18)
        #expect(Set(runs).count == runs.count)
        let byDay = Dictionary(grouping: runs) { warsaw.component(.day, from: $0) }.mapValues(\.count)
        #expect(byDay == [23: 18, 24: 18, 25: 18, 26: 18, 27: 18])
        #expect(runs.first == time("2026-03-23T09:00:00+01:00"))
        #expect(runs.last == time("2026-03-27T17:30:00+01:00"))
        #expect(runs.allSatisfy { cron("*/30 9-17 * * 1-5").matches($0, calendar: warsaw) })
    }

    @Test("a clock that jumps five hours past several slots fires once, then on the next slot")
    func clockJump() {
        var timer = ScheduleTimer(
            schedule: .cron(cron("*/30 * * * *")), lastRun: time("2026-05-04T09:00:00Z"), calendar: utc)
        let before = minutes(from: time("2026-05-04T09:01:00Z"), count: 10)
        let after = minutes(from: time("2026-05-04T14:10:00Z"), count: 51)
        let runs = drive(&timer, over: before + after)
        #expect(runs == [time("2026-05-04T14:10:00Z"), time("2026-05-04T14:30:00Z"), time("2026-05-04T15:00:00Z")])
    }

    @Test("restored with a lastRun from before the downtime, a cron timer catches up once at start")
    func restoredAfterDowntime() {
        // Ran Friday 17:30; the process comes back Monday 12:10 with that lastRun read from disk.
        var timer = ScheduleTimer(
            schedule: .cron(cron("*/30 9-17 * * 1-5")), lastRun: time("2026-03-27T17:30:00+01:00"), calendar: warsaw)
        #expect(timer.nextDue(now: time("2026-03-30T12:10:00+02:00")) == time("2026-03-30T09:00:00+02:00"))
        let runs = drive(&timer, over: minutes(from: time("2026-03-30T12:10:00+02:00"), count: 30))
        #expect(runs == [time("2026-03-30T12:10:00+02:00"), time("2026-03-30T12:30:00+02:00")])
        #expect(timer.lastRun == time("2026-03-30T12:30:00+02:00"))
    }

    @Test("a cron job that never ran waits for its first slot, however often it is asked, and fires it once")
    func neverRan() {
        var timer = ScheduleTimer(schedule: .cron(cron("0,30 * * * *")), calendar: utc)
        // Asked first exactly on a slot: a new job does not run at once.
        #expect(timer.isDue(at: time("2026-05-04T10:00:00Z")) == false)
        #expect(timer.nextDue(now: time("2026-05-04T10:29:00Z")) == time("2026-05-04T10:30:00Z"))
        let runs = drive(&timer, over: minutes(from: time("2026-05-04T10:00:00Z"), count: 61))
        #expect(runs == [time("2026-05-04T10:30:00Z"), time("2026-05-04T11:00:00Z")])
    }

    @Test("nextDue(now:) asked before isDue(at:) counts from the same first time, so the slot it named fires")
    func nextDueFirst() {
        var timer = ScheduleTimer(schedule: .cron(cron("0 * * * *")), calendar: utc)
        let due = timer.nextDue(now: time("2026-05-04T10:59:00Z"))
        #expect(due == time("2026-05-04T11:00:00Z"))
        #expect(timer.isDue(at: time("2026-05-04T11:00:00Z")) == true)
        #expect(timer.isDue(at: time("2026-05-04T11:00:20Z")) == true)  // still due until it ran
        timer.ran(at: time("2026-05-04T11:00:20Z"))
        #expect(timer.isDue(at: time("2026-05-04T11:00:40Z")) == false)
        #expect(timer.nextDue(now: time("2026-05-04T11:00:40Z")) == time("2026-05-04T12:00:00Z"))
    }

    @Test(".every(60) driven in 10-second steps fires every 60 s, the first time at once")
    func everyMinute() {
        var timer = ScheduleTimer(schedule: .every(60), calendar: utc)
        let start = time("2026-05-04T10:00:05Z")
        #expect(timer.nextDue(now: start) == start)
        let runs = drive(&timer, over: (0...60).map { start.addingTimeInterval(Double($0) * 10) })
        #expect(runs == (0...10).map { start.addingTimeInterval(Double($0) * 60) })
        #expect(timer.nextDue(now: start.addingTimeInterval(600)) == start.addingTimeInterval(660))
    }

    @Test(".every after downtime fires once, then counts the interval from that run")
    func everyAfterDowntime() {
        var timer = ScheduleTimer(schedule: .every(600), lastRun: time("2026-05-04T07:00:00Z"), calendar: utc)
        #expect(timer.nextDue(now: time("2026-05-04T10:00:00Z")) == time("2026-05-04T07:10:00Z"))
        let runs = drive(&timer, over: minutes(from: time("2026-05-04T10:00:00Z"), count: 25))
        #expect(runs == [time("2026-05-04T10:00:00Z"), time("2026-05-04T10:10:00Z"), time("2026-05-04T10:20:00Z")])
    }

    @Test(".every with the clock moved back before lastRun is due at once rather than stalling for the gap")
    func everyClockBack() {
        var timer = ScheduleTimer(schedule: .every(600), lastRun: time("2026-05-04T12:00:00Z"), calendar: utc)
        #expect(timer.isDue(at: time("2026-05-04T12:05:00Z")) == false)
        #expect(timer.isDue(at: time("2026-05-04T11:00:00Z")) == true)
        #expect(timer.lastRun == nil)
        timer.ran(at: time("2026-05-04T11:00:00Z"))
        #expect(timer.isDue(at: time("2026-05-04T11:05:00Z")) == false)
        #expect(timer.isDue(at: time("2026-05-04T11:10:00Z")) == true)
    }

    @Test("a cron timer whose lastRun is in the future (a clock that was wrong) waits for the next slot after now")
    func cronClockBack() {
        // The machine booted in 2030, ran the job, then its clock was corrected.
        var timer = ScheduleTimer(
            schedule: .cron(cron("0 * * * *")), lastRun: time("2030-01-01T00:00:00Z"), calendar: utc)
        let runs = drive(&timer, over: minutes(from: time("2026-05-04T10:10:00Z"), count: 120))
        #expect(runs == [time("2026-05-04T11:00:00Z"), time("2026-05-04T12:00:00Z")])
    }

    @Test("a cron job that never ran, its clock put back before the first slot, counts from the earlier time")
    func neverRanClockBack() {
        var timer = ScheduleTimer(schedule: .cron(cron("0 * * * *")), calendar: utc)
        #expect(timer.nextDue(now: time("2026-05-04T10:10:00Z")) == time("2026-05-04T11:00:00Z"))
        let runs = drive(&timer, over: minutes(from: time("2026-05-04T09:10:00Z"), count: 60))
        #expect(runs == [time("2026-05-04T10:00:00Z")])
    }

    @Test("a timer whose expression has no slot in ten years is never due")
    func noSlot() {
        var timer = ScheduleTimer(schedule: .cron(cron("0 0 */30 2 1")), calendar: utc)
        #expect(timer.nextDue(now: time("2027-02-01T00:00:00Z")) == nil)
        #expect(timer.isDue(at: time("2027-02-01T00:00:00Z")) == false)
    }

    @Test(".every(0) built in code is a programmer error, stopped at once")
    func zeroInterval() async {
        await #expect(processExitsWith: .failure) {
            _ = ScheduleTimer(schedule: .every(0), calendar: Calendar(identifier: .gregorian))
        }
    }
}
