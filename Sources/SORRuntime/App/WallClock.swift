import Foundation

/// The time as the runtime sees it. Production reads the system clock; a test hands in its own, so schedules,
/// retention and timestamps can be driven without waiting.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    /// A clock that asks `read` for the time.
    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The system clock.
    public static let system = WallClock(Date.init)

    /// The current time.
    public func now() -> Date { read() }
}

/// How SOR writes and reads times in its files: UTC, whole seconds, ISO 8601.
public enum Timestamp {
    /// `2026-11-02T09:15:00Z`.
    public static func iso(_ date: Date) -> String {
        let parts = fields(date, local: false)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
    }

    /// `2026-11-02 10:15` in the server's time zone: when a report was made, as people read it on the report.
    public static func local(_ date: Date) -> String {
        let parts = fields(date, local: true)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts[0], parts[1], parts[2], parts[3], parts[4])
    }

    /// Year, month, day, hour, minute and second of the whole second `date` falls in, in UTC or the server's zone.
    private static func fields(_ date: Date, local: Bool) -> [Int] {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        if local { localtime_r(&seconds, &parts) } else { gmtime_r(&seconds, &parts) }
        return [Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)]
    }

    /// The same without colons, for file names.
    public static func fileStamp(_ date: Date) -> String { iso(date).replacingOccurrences(of: ":", with: "") }

    /// A date from ISO 8601 text: `2026-11-02`, `2026-11-02T10:15`, `2026-11-02T10:15:00`, with optional fractions of a
    /// second and a zone (`Z`, `+01:00`, `+0100`; none is UTC). Strict: ASCII digits only, and a month, day, hour,
    /// minute and second that exist (`2026-13-45` and `2026-02-30` are not dates), so nothing stored under an
    /// impossible date can escape retention.
    public static func date(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        func byte(_ index: Int, is character: Character) -> Bool { index < bytes.count && bytes[index] == character.asciiValue }
        guard let year = number(0..<4), byte(4, is: "-"), let month = number(5..<7), byte(7, is: "-"), let day = number(8..<10),
            (1...12).contains(month)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let first = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
            let days = calendar.range(of: .day, in: .month, for: first), days.contains(day)
        else { return nil }
        var components = DateComponents(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
        var index = 10
        var offset = 0
        if index < bytes.count {
            guard byte(index, is: "T") || byte(index, is: " "), let hour = number(11..<13), byte(13, is: ":"), let minute = number(14..<16),
                hour < 24, minute < 60
            else { return nil }
            components.hour = hour
            components.minute = minute
            index = 16
            if byte(index, is: ":") {
                guard let second = number(17..<19), second < 61 else { return nil }
                components.second = min(second, 59)
                index = 19
                if byte(index, is: ".") {
                    index += 1
                    let start = index
                    while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
                    guard index > start else { return nil }
                }
            }
            if byte(index, is: "Z") {
                index += 1
            } else if byte(index, is: "+") || byte(index, is: "-") {
                let sign = byte(index, is: "-") ? -1 : 1
                let colon = byte(index + 3, is: ":")
                guard let hours = number(index + 1..<index + 3), let minutes = number((index + (colon ? 4 : 3))..<(index + (colon ? 6 : 5))),
                    hours < 24, minutes < 60
                else { return nil }
                offset = sign * (hours * 3600 + minutes * 60)
                index += colon ? 6 : 5
            }
        }
        guard index == bytes.count, let local = calendar.date(from: components) else { return nil }
        return local.addingTimeInterval(-Double(offset))
    }
}
