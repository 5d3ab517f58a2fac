import Foundation
import SORSite

/// The days a report covers, from a `--period` (or a scheduled report's `period`):
///
/// - `2025-11-30` one day, `2025-11` one calendar month, `2025-11-01..2025-11-15` a range (both days included);
/// - `yesterday`, `last-week` (Monday to Sunday before this week), `last-month` (the calendar month before this
///   one): relative to the clock, in the server's time zone, for scheduled reports;
/// - `day`, `week`, `month`, `all`: the dashboard's periods, ending on the newest call's day, so a report matches the
///   dashboard page it was downloaded from.
public struct ReportPeriod: Sendable, Equatable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    public var label: String { from == to ? from : "\(from) – \(to)" }
    /// For file names: `2025-11-30` or `2025-11-01_2025-11-30`.
    public var slug: String { from == to ? from : "\(from)_\(to)" }

    public func contains(_ entry: IndexEntry) -> Bool {
        let day = String(entry.time.prefix(10))
        return day >= from && day <= to
    }

    public struct Invalid: Error, LocalizedError {
        public var spec: String
        public var errorDescription: String? {
            "period \"\(spec)\" is not one of: YYYY-MM-DD, YYYY-MM, FROM..TO (YYYY-MM-DD..YYYY-MM-DD), yesterday, last-week, last-month, day, week, month, all"
        }
    }

    /// Reads a period; `entries` give the newest call's day for the dashboard's periods, `now` the day for the
    /// relative ones.
    public static func parse(_ spec: String, entries: [IndexEntry], now: Date, timeZone: TimeZone = .current) throws -> ReportPeriod {
        let text = spec.trimmingCharacters(in: .whitespaces).lowercased()
        if let kind = DashboardPeriod.Kind(rawValue: text) {
            let period = DashboardPeriod.of(kind, entries: entries)
            return ReportPeriod(from: period.from, to: period.to)
        }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        let todayString = String(format: "%04d-%02d-%02d", today.year ?? 1970, today.month ?? 1, today.day ?? 1)
        switch text {
        case "yesterday":
            let day = Day.adding(-1, to: todayString)
            return ReportPeriod(from: day, to: day)
        case "last-week":
            // ISO weeks start on Monday: weekday 2 in Foundation's numbering (Sunday is 1).
            let weekday = calendar.component(.weekday, from: now)
            let sinceMonday = (weekday + 5) % 7
            let monday = Day.adding(-sinceMonday - 7, to: todayString)
            return ReportPeriod(from: monday, to: Day.adding(6, to: monday))
        case "last-month":
            let year = today.month == 1 ? (today.year ?? 1970) - 1 : (today.year ?? 1970)
            let previous = today.month == 1 ? 12 : (today.month ?? 1) - 1
            return Self.month(year, previous)
        default:
            break
        }
        let parts = text.components(separatedBy: "..")
        if parts.count == 2, Self.isDay(parts[0]), Self.isDay(parts[1]), parts[0] <= parts[1] {
            return ReportPeriod(from: parts[0], to: parts[1])
        }
        if Self.isDay(text) { return ReportPeriod(from: text, to: text) }
        let monthParts = text.split(separator: "-").compactMap { Int($0) }
        if text.count == 7, monthParts.count == 2, (1...12).contains(monthParts[1]) {
            return Self.month(monthParts[0], monthParts[1])
        }
        throw Invalid(spec: spec)
    }

    static func month(_ year: Int, _ month: Int) -> ReportPeriod {
        let first = String(format: "%04d-%02d-01", year, month)
        let next = month == 12 ? String(format: "%04d-01-01", year + 1) : String(format: "%04d-%02d-01", year, month + 1)
        return ReportPeriod(from: first, to: Day.adding(-1, to: next))
    }

    static func isDay(_ text: String) -> Bool {
        guard text.count == 10, let date = Day.date(text) else { return false }
        return Day.string(date) == text  // rejects 2025-02-30, which Calendar would roll over
    }
}
