import Foundation
import ZIPFoundation

/// Office Open XML workbooks (`.xlsx`): the SpreadsheetML parts written here, zipped by ZIPFoundation. Each sheet has
/// its header row frozen and filterable and its column widths set; numbers are numeric cells, dates are serial
/// date cells with a date format, text is inline strings (never formulas, so a transcript that starts with "="
/// stays text). The same sheets give the same bytes: entries carry a fixed date.
public enum XLSX {
    public struct Failed: Error, LocalizedError {
        public var reason: String
        public var errorDescription: String? { "could not write the workbook: \(reason)" }
    }

    public static func workbook(_ sheets: [Sheet]) throws -> Data {
        let archive: Archive
        do {
            archive = try Archive(accessMode: .create)
        } catch {
            throw Failed(reason: error.localizedDescription)
        }
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes(sheets.count)),
            ("_rels/.rels", rootRelationships),
            ("xl/workbook.xml", workbookPart(sheets)),
            ("xl/_rels/workbook.xml.rels", workbookRelationships(sheets.count)),
            ("xl/styles.xml", styles),
        ]
        for (index, sheet) in sheets.enumerated() { parts.append(("xl/worksheets/sheet\(index + 1).xml", worksheet(sheet))) }
        // A fixed date, in the local calendar ZIP's DOS dates use, keeps the bytes the same from run to run.
        let fixed = Calendar.current.date(from: DateComponents(year: 1980, month: 1, day: 1)) ?? Date(timeIntervalSince1970: 315_532_800)
        for (path, text) in parts {
            let data = Data(text.utf8)
            do {
                try archive.addEntry(
                    with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: fixed,
                    compressionMethod: .deflate
                ) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            } catch {
                throw Failed(reason: "\(path): \(error.localizedDescription)")
            }
        }
        guard let data = archive.data else { throw Failed(reason: "the archive has no data") }
        return data
    }

    // MARK: - Parts

    static func contentTypes(_ count: Int) -> String {
        var text = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        text += #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        text += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        text += #"<Default Extension="xml" ContentType="application/xml"/>"#
        text += #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        text += #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        for index in 1...max(count, 1) {
            text += #"<Override PartName="/xl/worksheets/sheet\#(index).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        return text + "</Types>"
    }

    static let rootRelationships = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
        + "</Relationships>"

    static func workbookPart(_ sheets: [Sheet]) -> String {
        var text = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        text += #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#
        for (index, sheet) in sheets.enumerated() {
            text += #"<sheet name="\#(escape(sheetName(sheet.name)))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
        }
        return text + "</sheets></workbook>"
    }

    static func workbookRelationships(_ count: Int) -> String {
        var text = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        text += #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        for index in 1...max(count, 1) {
            text += #"<Relationship Id="rId\#(index)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#(index).xml"/>"#
        }
        text += #"<Relationship Id="rId\#(count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
        return text + "</Relationships>"
    }

    /// Style 0 is the default, 1 a date and time (`yyyy-mm-dd hh:mm`), 2 the bold header.
    static let styles = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        + #"<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd\ hh:mm"/></numFmts>"#
        + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#
        + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>"#
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        + "</styleSheet>"

    static func worksheet(_ sheet: Sheet) -> String {
        var text = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        text += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        text += #"<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        text += #"<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>"#
        text += #"<sheetFormatPr defaultRowHeight="15"/>"#
        if !sheet.columns.isEmpty {
            text += "<cols>"
            for (index, column) in sheet.columns.enumerated() {
                text += #"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(column.width)" customWidth="1"/>"#
            }
            text += "</cols>"
        }
        text += "<sheetData>"
        text += #"<row r="1">"#
        for (index, column) in sheet.columns.enumerated() {
            text += #"<c r="\#(Self.column(index))1" s="2" t="inlineStr"><is><t>\#(escape(column.title))</t></is></c>"#
        }
        text += "</row>"
        for (offset, row) in sheet.rows.enumerated() {
            let r = offset + 2
            text += #"<row r="\#(r)">"#
            for (index, cell) in row.enumerated() {
                let reference = column(index) + String(r)
                switch cell {
                case .text(let value):
                    text += #"<c r="\#(reference)" t="inlineStr"><is><t xml:space="preserve">\#(escape(value))</t></is></c>"#
                case .number(let value) where value.isFinite:
                    text += #"<c r="\#(reference)"><v>\#(number(value))</v></c>"#
                case .date(let value):
                    if let serial = serial(value) {
                        text += #"<c r="\#(reference)" s="1"><v>\#(number(serial))</v></c>"#
                    } else {
                        text += #"<c r="\#(reference)" t="inlineStr"><is><t>\#(escape(value))</t></is></c>"#
                    }
                case .number, .empty:
                    continue
                }
            }
            text += "</row>"
        }
        text += "</sheetData>"
        if !sheet.columns.isEmpty {
            text += #"<autoFilter ref="A1:\#(column(sheet.columns.count - 1))\#(max(sheet.rows.count + 1, 1))"/>"#
        }
        return text + "</worksheet>"
    }

    // MARK: - Values

    /// The column's letters: 0 → A, 25 → Z, 26 → AA.
    static func column(_ index: Int) -> String {
        var index = index
        var letters = ""
        repeat {
            letters = String(UnicodeScalar(UInt8(65 + index % 26))) + letters
            index = index / 26 - 1
        } while index >= 0
        return letters
    }

    /// Spreadsheet sheet names: at most 31 characters, none of `[]:*?/\`.
    static func sheetName(_ name: String) -> String {
        String(name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
    }

    /// A number as SpreadsheetML writes it: shortest round-trip form, integers without a fraction.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `YYYY-MM-DDTHH:MM:SS` (or a day) as a serial date: days since 1899-12-30, the time as a fraction.
    static func serial(_ text: String) -> Double? {
        // The wall time as written: a zone suffix (`Z`, `+01:00`) is not a shift, the pages show the same clock.
        let digits = text.prefix(19).split(whereSeparator: { "-T: ".contains($0) }).map { Int($0) }
        guard digits.count >= 3, let year = digits[0], let month = digits[1], let day = digits[2],
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        // Days from 1970-01-01 (Howard Hinnant's days_from_civil), then the offset of 1899-12-30.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = digits.count >= 6 ? (digits[3] ?? 0) * 3600 + (digits[4] ?? 0) * 60 + (digits[5] ?? 0) : 0
        return Double(days + 25_569) + Double(seconds) / 86_400
    }

    /// XML text: the five entities escaped, and the characters XML 1.0 forbids (most control characters) dropped.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
