import Foundation

/// Deterministic formatting for pages: fixed decimals, no locale, no clock. Public so the PDFs (SORReports) write
/// numbers, times and dates exactly as the call page does.
public enum Format {
    /// Seconds with two decimals (`12.35`), for data attributes.
    public static func seconds(_ value: Double) -> String { String(format: "%.2f", value) }

    /// `86.5` → `86,5%` style without locale: one decimal only when needed.
    public static func percent(_ value: Double) -> String { number(value) + "%" }

    /// A number with one decimal only when it has one (`86`, `86.5`).
    public static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    /// Seconds with one decimal and a unit (`12.3 s`), minutes and seconds from a minute up (`2:05`).
    public static func duration(_ value: Double) -> String {
        value < 60 ? String(format: "%.1f s", value) : clock(value)
    }

    /// `mm:ss`, or `h:mm:ss` from an hour up.
    public static func clock(_ value: Double) -> String {
        let total = Int(value.rounded())
        let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, seconds) : String(format: "%02d:%02d", minutes, seconds)
    }

    /// `2026-11-02T10:15:00+01:00` → `2026-11-02 10:15`.
    public static func dateTime(_ iso: String) -> String {
        guard iso.count >= 16 else { return iso }
        let chars = Array(iso)
        return String(chars[0..<10]) + " " + String(chars[11..<16])
    }

    /// The first `words` words, with an ellipsis when there were more.
    public static func excerpt(_ text: String, words: Int) -> String {
        let parts = text.split(separator: " ")
        return parts.prefix(words).joined(separator: " ") + (parts.count > words ? " …" : "")
    }
}
