import Foundation
@testable import SORSite
import Testing

@testable import SORReports

/// The XLSX and CSV exports, read back by the tools their users' scripts use: openpyxl and Python's csv module
/// (from the repository's virtual environment, which `make test` sets up).
@Suite("Spreadsheet exports")
struct SpreadsheetTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let python = repository + "/.venv/bin/python"

    static func answer(_ id: String, _ name: String, _ value: String?, earned: Double?, points: Double = 5, critical: Bool = false) -> IndexEntry.CriterionAnswer {
        IndexEntry.CriterionAnswer(id: id, name: name, value: value, earned: earned, points: points, critical: critical)
    }

    /// Three calls on two cards, with Polish names, a hostile agent name and a call with no score.
    static let entries: [IndexEntry] = [
        IndexEntry(
            id: "aaaa000000000001", time: "2025-11-30T14:03:27+01:00", file: "sprzedaż 1.wav", duration: 184.26, agent: "Anna Łąćka",
            team: "Zespół Północ", language: "pl", status: "", needsReview: true, excerpt: "",
            scores: [
                IndexEntry.Score(
                    card: "SALES", total: 81.92, passed: true, critical: false, failed: ["zgoda"], failedNames: ["Zgoda na ofertę"],
                    answers: [answer("powitanie", "Powitanie klienta", "yes", earned: 5), answer("zgoda", "Zgoda na ofertę", "no", earned: 0),
                              answer("ton", "Ton rozmowy", "partial", earned: 2.5), answer("odstapienie", "Prawo odstąpienia", "na", earned: nil)]),
                IndexEntry.Score(
                    card: "SERVICE", total: 40, passed: false, critical: true, failed: [], failedNames: [],
                    answers: [answer("weryfikacja", "Weryfikacja tożsamości", nil, earned: nil, critical: true)]),
            ],
            direction: "inbound", sentiment: "negatywny", sentimentScore: -0.4, emotion: nil),
        IndexEntry(
            id: "bbbb000000000002", time: "2025-11-29T09:00:00+01:00", file: "b.wav", duration: 60, agent: "=HYPERLINK(\"http://x\")",
            team: "Zespół; \"Południe\"", language: "pl", status: "", needsReview: false, excerpt: "",
            scores: [
                IndexEntry.Score(
                    card: "SALES", total: 100, passed: true, critical: false, failed: [],
                    answers: [answer("powitanie", "Powitanie klienta", "yes", earned: 5), answer("zgoda", "Zgoda na ofertę", "yes", earned: 5)]),
            ],
            direction: "outbound", sentiment: nil, sentimentScore: nil, emotion: nil),
        IndexEntry(
            id: "cccc000000000003", time: "2025-11-28T23:59:59Z", file: "c.mp3", duration: 5, agent: "—", team: "—", language: "pl",
            status: "", needsReview: false, excerpt: "", scores: [], direction: nil, sentiment: nil, sentimentScore: nil, emotion: nil),
    ]

    /// Runs a Python script over a file; returns its standard output (the script prints JSON).
    static func python(_ script: String, _ path: String) throws -> Any {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python failed: \(problem)")
        return try JSONSerialization.jsonObject(with: data)
    }

    static func temporary(_ name: String, _ data: Data) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sor-sheets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("openpyxl reads the workbook back: sheet names, typed numbers and dates, frozen header, widths, every criterion's answer")
    func xlsxReadBack() throws {
        let figures = DashboardFigures.compute(Self.entries, period: DashboardPeriod(kind: .all, from: "2025-11-01", to: "2025-11-30"))
        let data = try XLSX.workbook([Sheets.calls(Self.entries), Sheets.agents(figures), Sheets.criteria(Self.entries)])
        let path = try Self.temporary("raport.xlsx", data)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let script = """
            import json, sys, datetime, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            def cell(v):
                if isinstance(v, datetime.datetime): return {"date": v.isoformat()}
                return v
            out = {"sheets": wb.sheetnames, "frozen": [wb[n].freeze_panes for n in wb.sheetnames],
                   "widthA": wb["Rozmowy"].column_dimensions["A"].width,
                   "rows": {n: [[cell(v) for v in r] for r in wb[n].iter_rows(values_only=True)] for n in wb.sheetnames},
                   "types": [type(v).__name__ for v in next(wb["Rozmowy"].iter_rows(min_row=2, max_row=2, values_only=True))]}
            print(json.dumps(out))
            """
        let result = try #require(try Self.python(script, path) as? [String: Any])
        #expect(result["sheets"] as? [String] == ["Rozmowy", "Agenci", "Kryteria"])
        #expect(result["frozen"] as? [String] == ["A2", "A2", "A2"])
        #expect(result["widthA"] as? Double == 18)
        let rows = try #require((result["rows"] as? [String: Any])?["Rozmowy"] as? [[Any]])
        let header = rows[0].map { $0 as? String ?? "" }
        #expect(header.contains("SALES: Zgoda na ofertę") && header.contains("SERVICE: Weryfikacja tożsamości"))
        // One row per call and card, newest first; the unscored call keeps a row of its own.
        #expect(rows.count == 1 + 4)
        let first = rows[1]
        #expect(first[0] as? String == "aaaa000000000001")
        #expect((first[1] as? [String: String])?["date"] == "2025-11-30T14:03:27")
        #expect(first[2] as? String == "Anna Łąćka" && first[3] as? String == "Zespół Północ")
        #expect(first[5] as? Double == 184.3 && first[7] as? Double == 81.92)
        let types = result["types"] as? [String] ?? []
        #expect(types[1] == "datetime" && types[5] == "float" && types[7] == "float")
        func column(_ title: String) -> Int { header.firstIndex(of: title)! }
        #expect(first[column("SALES: Zgoda na ofertę")] as? String == "nie")
        #expect(first[column("SALES: Ton rozmowy")] as? String == "częściowo")
        #expect(first[column("SALES: Prawo odstąpienia")] as? String == "nie dotyczy")
        #expect(first[column("SALES: Powitanie klienta")] as? String == "tak")
        let service = rows[2]
        #expect(service[6] as? String == "SERVICE" && service[9] as? String == "tak" && service[column("SERVICE: Weryfikacja tożsamości")] is NSNull)
        // Text that looks like a formula stays text in a workbook (inline strings are never evaluated).
        #expect(rows[3][2] as? String == "=HYPERLINK(\"http://x\")")
        let agents = try #require((result["rows"] as? [String: Any])?["Agenci"] as? [[Any]])
        #expect(agents.count == 1 + 2, "the unnamed agent (—) is not ranked")
        #expect(agents[1][0] as? String == "=HYPERLINK(\"http://x\")" && agents[1][3] as? Double == 100)
        #expect(agents[2][0] as? String == "Anna Łąćka" && agents[2][2] as? Double == 1 && agents[2][5] as? Double == 1)
        let criteria = try #require((result["rows"] as? [String: Any])?["Kryteria"] as? [[Any]])
        let zgoda = try #require(criteria.first { $0[1] as? String == "zgoda" })
        #expect(zgoda[4] as? Double == 2 && zgoda[5] as? Double == 1 && zgoda[7] as? Double == 1 && zgoda[10] as? Double == 50)
        let weryfikacja = try #require(criteria.first { $0[1] as? String == "weryfikacja" })
        #expect(weryfikacja[3] as? String == "tak" && weryfikacja[9] as? Double == 1 && weryfikacja[10] is NSNull)
        // The same sheets give the same bytes.
        #expect(try XLSX.workbook([Sheets.calls(Self.entries), Sheets.agents(figures), Sheets.criteria(Self.entries)]) == data)
    }

    @Test("Python's csv reads the CSV back with the calls sheet's rows: BOM, ';' and decimal comma, quoting, formulas guarded")
    func csvReadBack() throws {
        let sheet = Sheets.calls(Self.entries)
        let data = CSV.document(sheet)
        #expect(data.starts(with: [0xEF, 0xBB, 0xBF]))
        let path = try Self.temporary("raport.csv", data)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let read = "import csv, json, sys\nprint(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline=''), delimiter=';'))))"
        let rows = try #require(try Self.python(read, path) as? [[String]])
        #expect(rows.count == sheet.rows.count + 1)
        #expect(rows[0] == sheet.columns.map(\.title))
        #expect(rows[1][0] == "aaaa000000000001" && rows[1][1] == "2025-11-30 14:03:27" && rows[1][5] == "184,3" && rows[1][7] == "81,92")
        #expect(rows[3][2] == "'=HYPERLINK(\"http://x\")", "a formula-looking field starts with an apostrophe")
        #expect(rows[3][3] == "Zespół; \"Południe\"", "separator and quotes inside a field survive")
        #expect(rows.allSatisfy { $0.count == sheet.columns.count })
        // Every cell of the sheet comes back as the CSV wrote it.
        for (row, cells) in zip(rows.dropFirst(), sheet.rows) {
            for (field, cell) in zip(row, cells) {
                switch cell {
                case .text(let value): #expect(field == value || field == "'" + value)
                case .number(let value): #expect(Double(field.replacingOccurrences(of: ",", with: ".")) == value)
                case .date(let value): #expect(field == value.replacingOccurrences(of: "T", with: " "))
                case .empty: #expect(field.isEmpty)
                }
            }
        }
        // With ',' the numbers have a decimal point.
        let comma = String(decoding: CSV.document(sheet, separator: ","), as: UTF8.self)
        #expect(comma.contains(",184.3,") && comma.contains("\"Zespół; \"\"Południe\"\"\""))
    }

    @Test("serial dates count days from 1899-12-30 with the time as a fraction; columns run A…Z, AA…")
    func values() {
        #expect(XLSX.serial("1970-01-01") == 25_569)
        #expect(XLSX.serial("2025-11-30T12:00:00+01:00") == 45_991.5)
        #expect(XLSX.serial("2024-02-29T00:00:00") == 45_351)
        #expect(XLSX.serial("nie-data") == nil)
        #expect([0, 25, 26, 51, 52, 701, 702].map(XLSX.column) == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"])
        #expect(XLSX.escape("a<b>&\"c\u{0}\u{1}\td") == "a&lt;b&gt;&amp;&quot;c\td")
    }

    @Test("periods: days, months, ranges, relative to the clock, and the dashboard's ending on the newest call")
    func periods() throws {
        let utc = TimeZone(identifier: "UTC")!
        let now = try #require(ISO8601DateFormatter().date(from: "2026-03-04T10:00:00Z"))  // a Wednesday
        func parse(_ spec: String) throws -> ReportPeriod { try ReportPeriod.parse(spec, entries: Self.entries, now: now, timeZone: utc) }
        #expect(try parse("2025-11-30") == ReportPeriod(from: "2025-11-30", to: "2025-11-30"))
        #expect(try parse("2024-02") == ReportPeriod(from: "2024-02-01", to: "2024-02-29"))
        #expect(try parse("2025-12") == ReportPeriod(from: "2025-12-01", to: "2025-12-31"))
        #expect(try parse("2025-11-01..2025-11-15") == ReportPeriod(from: "2025-11-01", to: "2025-11-15"))
        #expect(try parse("yesterday") == ReportPeriod(from: "2026-03-03", to: "2026-03-03"))
        #expect(try parse("last-week") == ReportPeriod(from: "2026-02-23", to: "2026-03-01"))
        #expect(try parse("last-month") == ReportPeriod(from: "2026-02-01", to: "2026-02-28"))
        #expect(try parse("week") == ReportPeriod(from: "2025-11-24", to: "2025-11-30"))
        #expect(try parse("all") == ReportPeriod(from: "2025-11-28", to: "2025-11-30"))
        for bad in ["2025-02-30", "2025-13", "2025-11-15..2025-11-01", "wczoraj", ""] {
            #expect(throws: ReportPeriod.Invalid.self) { try parse(bad) }
        }
    }
}
