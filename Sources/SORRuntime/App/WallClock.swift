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
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// The same without colons, for file names.
    public static func fileStamp(_ date: Date) -> String { iso(date).replacingOccurrences(of: ":", with: "") }

    /// A date from ISO 8601 text with or without a time.
    public static func date(_ text: String) -> Date? {
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: String(text.prefix(10)))
    }
}
