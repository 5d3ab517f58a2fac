import Foundation

/// A sheet as CSV for Excel and other spreadsheets: UTF-8 with a byte-order mark (without it Excel reads Polish
/// letters as Windows-1250), fields quoted where RFC 4180 needs it, CRLF line ends.
///
/// The default separator is `;`, what Excel expects where the decimal separator is a comma, as in Poland; numbers
/// then have a decimal comma too. With `,` they have a decimal point. Text that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe: an agent's name or a
/// transcript line cannot become a formula in the evaluator's Excel (OWASP's CSV injection advice).
public enum CSV {
    public static func document(_ sheet: Sheet, separator: Character = ";") -> Data {
        let decimalComma = separator != ","
        var text = "\u{FEFF}"
        text += sheet.columns.map { field($0.title, separator: separator) }.joined(separator: String(separator)) + "\r\n"
        for row in sheet.rows {
            var fields: [String] = []
            fields.reserveCapacity(sheet.columns.count)
            for index in 0..<max(sheet.columns.count, row.count) {
                let cell = index < row.count ? row[index] : .empty
                switch cell {
                case .text(let value): fields.append(field(guarded(value), separator: separator))
                case .number(let value): fields.append(number(value, decimalComma: decimalComma))
                case .date(let value): fields.append(field(value.replacingOccurrences(of: "T", with: " "), separator: separator))
                case .empty: fields.append("")
                }
            }
            text += fields.joined(separator: String(separator)) + "\r\n"
        }
        return Data(text.utf8)
    }

    static func number(_ value: Double, decimalComma: Bool) -> String {
        guard value.isFinite else { return "" }
        let text = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        return decimalComma ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    static func guarded(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        return "'" + value
    }

    static func field(_ value: String, separator: Character) -> String {
        let special = Set(String(separator).unicodeScalars).union(["\"", "\n", "\r"])
        guard value.unicodeScalars.contains(where: special.contains) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
