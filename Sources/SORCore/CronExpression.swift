import Foundation

/// A five-field cron expression: minute hour day-of-month month day-of-week.
///
/// Read on the Gregorian calendar in the time zone of the calendar it is given. A minute is a slot once: when the
/// clocks go back, an expression that names hours does not run again in the repeated hour (it already did), while
/// one that runs every hour (`*` or all 24) carries on through it in real time.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as written, a macro such as `@daily` included.
    public let text: String

    // One bit per value allowed: minute 0–59, hour 0–23, day 1–31, month 1–12, weekday 0–6 (Sunday 0).
    let minutes: UInt64
    let hours: UInt64
    let days: UInt64
    let months: UInt64
    let weekdays: UInt64
    // crontab(5): "If both fields are restricted (i.e., don't start with *), the command will be run when either
    // field matches the current time." So `*/2` counts as unrestricted here, as it does in Vixie cron and cronie.
    let dayOfMonthIsStar: Bool
    let dayOfWeekIsStar: Bool

    /// The expression as written.
    public var description: String { text }

    /// Reads an expression or one of the macros `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`,
    /// `@annually`.
    public init(_ text: String) throws(ScheduleError) {
        self.text = text
        var fields = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if fields.hasPrefix("@") {
            guard let expansion = Self.macros[fields.lowercased()] else { throw .unknownMacro(expression: text) }
            fields = expansion
        }
        let parts = fields.split(whereSeparator: \.isWhitespace)
        guard parts.count == 5 else { throw .fieldCount(expression: text, found: parts.count) }
        minutes = try Self.values(of: .minute, parts[0], in: text)
        hours = try Self.values(of: .hour, parts[1], in: text)
        days = try Self.values(of: .dayOfMonth, parts[2], in: text)
        months = try Self.values(of: .month, parts[3], in: text)
        weekdays = try Self.values(of: .dayOfWeek, parts[4], in: text)
        dayOfMonthIsStar = parts[2].hasPrefix("*")
        dayOfWeekIsStar = parts[4].hasPrefix("*")
        // Only where the day of the month decides alone can a day be impossible (30 February, 31 April).
        if !dayOfMonthIsStar && dayOfWeekIsStar {
            let possible = (1...12).contains { month in
                months >> month & 1 == 1 && days & ((1 << (Self.longestMonth[month - 1] + 1)) - 2) != 0
            }
            guard possible else { throw .neverMatches(expression: text) }
        }
    }

    /// The first minute strictly after `date` that matches, in `calendar`'s time zone; nil if none within ten years.
    public func next(after date: Date, calendar: Calendar) -> Date? { search(after: date, calendar: calendar).date }

    /// Whether the minute `date` falls in is one of the expression's slots (seconds ignored).
    public func matches(_ date: Date, calendar: Calendar) -> Bool {
        let calendar = Self.gregorian(calendar)
        let found = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: date)
        guard let month = found.month, let day = found.day, let weekday = found.weekday, let hour = found.hour,
            let minute = found.minute
        else { return false }
        return months >> month & 1 == 1 && dayMatches(day: day, weekday: weekday - 1) && hours >> hour & 1 == 1
            && minutes >> minute & 1 == 1 && !(namesHours && Self.isRepeated(date, in: calendar.timeZone))
    }

    /// `next(after:calendar:)` with the number of candidates it looked at, which the tests bound.
    func search(after date: Date, calendar: Calendar) -> (date: Date?, steps: Int) {
        let calendar = Self.gregorian(calendar)
        guard var candidate = calendar.dateInterval(of: .minute, for: date)?.end else { return (nil, 0) }
        // 29 February can be eight years from the last one (2096, 2104). The horizon stops the search for the rare
        // `*/n` day combinations the parser cannot rule out (1 February on a Monday: 2027, then 2038).
        let limit = date.addingTimeInterval(10 * 366 * 86_400)
        var steps = 0
        func endOf(_ component: Calendar.Component) -> Date {
            // Always move forward, whatever the calendar answers around a time zone change.
            guard let end = calendar.dateInterval(of: component, for: candidate)?.end, end > candidate else {
                return candidate.addingTimeInterval(60)
            }
            return end
        }
        while candidate <= limit {
            steps += 1
            let found = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: candidate)
            guard let month = found.month, let day = found.day, let weekday = found.weekday, let hour = found.hour,
                let minute = found.minute
            else { return (nil, steps) }
            if months >> month & 1 == 0 {
                candidate = endOf(.month)
            } else if !dayMatches(day: day, weekday: weekday - 1) {
                candidate = endOf(.day)
            } else if hours >> hour & 1 == 0 || minutes >> minute == 0 {
                // Counting minutes reaches the next wall-clock hour in every zone, the repeated one after the clocks
                // go back included, without asking the calendar what an hour is that night.
                candidate = candidate.addingTimeInterval(Double(60 - minute) * 60)
            } else if minutes >> minute & 1 == 0 {
                let later = (minutes >> minute).trailingZeroBitCount
                candidate = candidate.addingTimeInterval(Double(later) * 60)
            } else if namesHours && Self.isRepeated(candidate, in: calendar.timeZone) {
                candidate = candidate.addingTimeInterval(60)
            } else {
                return (candidate, steps)
            }
        }
        return (nil, steps)
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        let dayOfMonth = days >> day & 1 == 1
        let dayOfWeek = weekdays >> weekday & 1 == 1
        return dayOfMonthIsStar || dayOfWeekIsStar ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek
    }

    private var namesHours: Bool { hours != (1 << 24) - 1 }

    /// Whether the wall-clock time at `date` was already shown once, before the clocks went back.
    private static func isRepeated(_ date: Date, in zone: TimeZone) -> Bool {
        let offset = zone.secondsFromGMT(for: date)
        // No zone has put its clocks back by more than three hours at once.
        let earlierOffset = zone.secondsFromGMT(for: date.addingTimeInterval(-3 * 3600))
        guard earlierOffset > offset else { return false }
        return zone.secondsFromGMT(for: date.addingTimeInterval(Double(offset - earlierOffset))) == earlierOffset
    }

    /// Cron is defined on the Gregorian calendar; only the zone of the caller's calendar counts.
    private static func gregorian(_ calendar: Calendar) -> Calendar {
        guard calendar.identifier != .gregorian else { return calendar }
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = calendar.timeZone
        return gregorian
    }

    private static let macros = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]

    private static let longestMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
}

extension CronExpression {
    /// One of the five fields, as error messages name it.
    public enum Field: String, Sendable, CaseIterable {
        /// Minute of the hour, 0–59.
        case minute
        /// Hour of the day, 0–23.
        case hour
        /// Day of the month, 1–31.
        case dayOfMonth = "day-of-month"
        /// Month, 1–12 or `jan`…`dec`.
        case month
        /// Day of the week, 0–7 (0 and 7 are Sunday) or `sun`…`sat`.
        case dayOfWeek = "day-of-week"

        /// The numbers the field accepts.
        public var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        /// What `*` stands for: the range, but Sunday only once.
        var all: ClosedRange<Int> { self == .dayOfWeek ? 0...6 : range }

        /// Names in the order of their numbers, from the field's first one.
        var names: [String] {
            switch self {
            case .month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            case .dayOfWeek: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
            default: []
            }
        }
    }

    /// The values a field allows, as bits, from a list of `*`, `n`, `a-b`, each but `n` with an optional `/step`.
    private static func values(of field: Field, _ text: Substring, in expression: String) throws(ScheduleError)
        -> UInt64
    {
        var bits: UInt64 = 0
        for term in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = term.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let base = pieces[0]
            var lower: Int
            var upper: Int
            if base == "*" {
                (lower, upper) = (field.all.lowerBound, field.all.upperBound)
            } else if let dash = base.firstIndex(of: "-"), dash != base.startIndex {
                lower = try value(base[..<dash], of: field, in: expression, term: term)
                upper = try value(base[base.index(after: dash)...], of: field, in: expression, term: term)
                // 7 is Sunday too, so `7-1` is Sunday to Monday.
                if field == .dayOfWeek && lower == 7 { lower = 0 }
                guard lower <= upper else {
                    throw .reversedRange(expression: expression, field: field, range: String(base), lower: lower,
                        upper: upper)
                }
            } else {
                lower = try value(base, of: field, in: expression, term: term)
                upper = lower
            }
            var step = 1
            if pieces.count == 2 {
                let largest = field.all.upperBound - field.all.lowerBound
                guard pieces[1].allSatisfy(\.isASCIIDigit), let number = Int(pieces[1]), (1...largest).contains(number)
                else { throw .invalidStep(expression: expression, field: field, step: String(pieces[1])) }
                // Vixie cron refuses `5/15` too; cronie reads it as `5-59/15`. Saying so beats guessing.
                guard base == "*" || base.dropFirst().contains("-") else {
                    throw .stepWithoutRange(expression: expression, field: field, term: String(term))
                }
                step = number
            }
            for number in stride(from: lower, through: upper, by: step) {
                bits |= 1 << (field == .dayOfWeek && number == 7 ? 0 : number)
            }
        }
        return bits
    }

    private static func value(_ token: Substring, of field: Field, in expression: String, term: Substring)
        throws(ScheduleError) -> Int
    {
        if let index = field.names.firstIndex(of: token.lowercased()) { return field.range.lowerBound + index }
        guard !token.isEmpty, token.allSatisfy(\.isASCIIDigit), let number = Int(token) else {
            throw .invalidValue(expression: expression, field: field, value: String(token.isEmpty ? term : token))
        }
        guard field.range.contains(number) else {
            throw .outOfRange(expression: expression, field: field, value: number)
        }
        return number
    }
}

extension Character {
    /// 0–9 only: `Int` also reads a leading sign, and `isNumber` reads digits of other scripts.
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
