import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime

@Suite("Scheduled reports")
struct ScheduledReportTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("a daily report fires inside sor watch on its cron slot (on the injected clock), lands under site/reports/ with an index page, and is audited as an export")
    func firesInsideTheWatcher() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var config = Config()
        config.paths.templates = Self.repository + "/templates"
        config.paths.scorecards = Self.repository + "/scorecards.yaml"
        config.diarization.enabled = false
        config.watch.rescanInterval = 0.2
        config.reports.schedule = [.init(name: "dzienny", cron: "30 6 * * *", period: "yesterday", formats: ["xlsx", "csv"])]
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: scratch.root))
        let store = CallStore(dataDirectory: workspace.data, vault: Vault(keyring: try Keyring.create(path: workspace.keyFile)))
        // Two calls on 2 November, one on the 1st: yesterday's report at 06:30 on the 3rd holds the first two.
        for (index, time) in ["2026-11-02T10:15:00+01:00", "2026-11-02T16:40:00+01:00", "2026-11-01T09:00:00+01:00"].enumerated() {
            var (record, transcript) = StoreTests.sampleRecord(id: String(format: "%016x", 0xabc0 + index))
            record.metadata.callTime = time
            record.metadata.team = "Zespół Północ"
            FileManager.default.createFile(atPath: scratch.root + "/in.wav", contents: Data("RIFF".utf8))
            try store.save(record: record, transcript: transcript, audioFrom: scratch.root + "/in.wav", moveInputs: false)
        }
        // The clock starts a minute before the slot, in the server's zone (the scheduler's calendar).
        let start = try #require(Calendar.current.date(from: DateComponents(year: 2026, month: 11, day: 3, hour: 6, minute: 29)))
        let clock = ManualClock(start)
        let lines = LogLines()
        let watcher = Watcher(runtime: Runtime(workspace: workspace, clock: clock.wallClock), log: { lines.append($0) })
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            do { try watcher.run() } catch { lines.append("watcher failed: \(error)") }
            finished.signal()
        }
        thread.start()
        defer {
            watcher.stop()
            finished.wait()
        }
        let reports = workspace.site + "/reports/dzienny"
        // The site is built at start; the report waits for its slot.
        #expect(Self.wait { FileManager.default.fileExists(atPath: workspace.site + "/index.html") }, "\(lines.all)")
        Thread.sleep(forTimeInterval: 1)
        #expect(!FileManager.default.fileExists(atPath: reports), "nothing before 06:30: \(lines.all)")
        clock.advance(75)  // 06:30:15
        let xlsx = reports + "/raport-2026-11-02.xlsx"
        let csv = reports + "/raport-2026-11-02.csv"
        #expect(Self.wait { FileManager.default.fileExists(atPath: csv) && FileManager.default.fileExists(atPath: xlsx) }, "\(lines.all)")
        let rows = String(decoding: FileManager.default.contents(atPath: csv) ?? Data(), as: UTF8.self)
            .split(separator: "\r\n").dropFirst()
        #expect(rows.count == 2 && rows.allSatisfy { $0.contains("2026-11-02") && $0.contains("Zespół Północ") }, "\(rows)")
        #expect(FileManager.default.contents(atPath: xlsx)?.starts(with: [0x50, 0x4B, 0x03, 0x04]) == true, "a ZIP: the workbook")
        // The site's reports page lists them after the next build, which the report asked for.
        let listed = Self.wait {
            let index = String(decoding: FileManager.default.contents(atPath: workspace.site + "/reports/index.html") ?? Data(), as: UTF8.self)
            return index.contains("href=\"dzienny/raport-2026-11-02.xlsx\"") && index.contains("href=\"dzienny/raport-2026-11-02.csv\"")
        }
        #expect(listed, "\(lines.all)")
        let exports = AuditLog(directory: workspace.audit, keyDirectory: scratch.root + "/keys", now: Date.init).events().filter { $0.action == "export" }
        #expect(exports.count == 2 && exports.allSatisfy { $0.actor == "watcher" && $0.detail?["report"] == "dzienny" && $0.detail?["calls"] == "2" })
        #expect(lines.all.contains { $0.contains("report dzienny: raport-2026-11-02.xlsx, raport-2026-11-02.csv") })
        // The next day's slot writes the next day's files once.
        clock.advance(86_400)
        #expect(Self.wait { FileManager.default.fileExists(atPath: reports + "/raport-2026-11-03.csv") }, "\(lines.all)")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(AuditLog(directory: workspace.audit, keyDirectory: scratch.root + "/keys", now: Date.init).events().filter { $0.action == "export" }.count == 4)
    }

    @Test("a wrong schedule in sor.yaml is an error that names the entry and the fix")
    func invalidSchedule() {
        let text = """
            version: 1
            reports:
              csv_separator: "|"
              schedule:
                - name: miesieczny
                  cron: "61 6 1 * *"
                  period: ostatni-miesiac
                  formats: [xlsx, doc]
                - cron: "@daily"
            """
        let (config, problems) = ConfigParser.parse(text, file: "sor.yaml")
        #expect(config == nil)
        let messages = problems.map(\.description)
        #expect(messages.contains { $0.contains("reports.csv_separator") })
        #expect(messages.contains { $0.contains("miesieczny") && $0.contains("cron") })
        #expect(messages.contains { $0.contains("miesieczny") && $0.contains("period") })
        #expect(messages.contains { $0.contains("miesieczny") && $0.contains("formats") })
        #expect(messages.contains { $0.contains("needs a name") })
    }

    static func wait(_ seconds: Double = 20, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return condition()
    }
}

/// Log lines collected from another thread.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}

@Suite("Agents', teams' and scorecards' pages between builds")
struct PersonPagesTests {
    @Test("a call moved to another agent leaves the old agent's page and joins the new one's; an agent with no calls left loses the page")
    func movedCall() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var config = Config()
        config.paths.templates = ScheduledReportTests.repository + "/templates"
        config.paths.scorecards = ScheduledReportTests.repository + "/scorecards.yaml"
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: scratch.root))
        let store = CallStore(dataDirectory: workspace.data, vault: Vault(keyring: try Keyring.create(path: workspace.keyFile)))
        var records: [CallRecord] = []
        for (index, agent) in ["Anna Nowak", "Anna Nowak", "Piotr Wiśniewski"].enumerated() {
            var (record, transcript) = StoreTests.sampleRecord(id: String(format: "%016x", 0xbee0 + index))
            record.metadata.agent = agent
            FileManager.default.createFile(atPath: scratch.root + "/in.wav", contents: Data("RIFF".utf8))
            try store.save(record: record, transcript: transcript, audioFrom: scratch.root + "/in.wav", moveInputs: false)
            records.append(record)
        }
        var publisher = SitePublisher(workspace: workspace, store: store, index: SiteIndex())
        publisher.recordings = false
        try publisher.build()
        func page(_ name: String) -> String? {
            FileManager.default.contents(atPath: workspace.site + "/agents/" + name + ".html").map { String(decoding: $0, as: UTF8.self) }
        }
        /// The page's count of calls (its first figure; the calls are unscored, so the page lists none).
        func calls(_ name: String) -> Int? {
            guard let text = page(name), let kpi = text.range(of: "id=\"kpi-calls\"") else { return nil }
            let rest = text[kpi.upperBound...]
            guard let end = rest.range(of: "</a>"), let start = rest[..<end.lowerBound].lastIndex(of: ">") else { return nil }
            return Int(rest[rest.index(after: start)..<end.lowerBound])
        }
        #expect(calls("anna-nowak") == 2 && calls("piotr-wisniewski") == 1)

        // The second call is Piotr's now: both pages change in the next build of the same publisher.
        var moved = records[1]
        moved.metadata.agent = "Piotr Wiśniewski"
        try store.write(try FileFormats.yaml(moved), as: "call.yaml", in: store.folder(for: moved))
        try publisher.build()
        #expect(calls("anna-nowak") == 1 && calls("piotr-wisniewski") == 2)

        // Erasing Anna's last call removes her page; Piotr's stays.
        try store.delete(folder: store.folder(for: records[0]))
        try publisher.build()
        #expect(page("anna-nowak") == nil && page("piotr-wisniewski") != nil)
    }
}
