import Foundation
import SORCore
import SORReports
import SORSite

/// One scheduled report of `reports.schedule`: on its cron slot (on the runtime's clock, caught up once after
/// downtime like every cron job), its files for the period are written under `site/reports/NAME/`, the reports'
/// index page is rewritten, and each file is recorded in the audit log as an `export` by the watcher.
final class ScheduledReportJob: WatchJob {
    let name: String
    let cadence: Cadence
    private let entry: Config.Reports.Scheduled
    private let runtime: Runtime
    private let log: (String) -> Void

    init(_ entry: Config.Reports.Scheduled, runtime: Runtime, log: @escaping (String) -> Void) throws {
        self.entry = entry
        self.runtime = runtime
        self.log = log
        name = "report-" + entry.name
        cadence = .scheduled(try Schedule(parsing: entry.cron))
    }

    func run(now: Date) {
        do {
            let written = try ScheduledReports.write(entry, runtime: runtime, now: now)
            log("report \(entry.name): \(written.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")) in \(runtime.workspace.site)/reports/\(entry.name)")
        } catch {
            log("error: report \(entry.name): \(error.localizedDescription); the next slot tries again")
        }
    }
}

public enum ScheduledReports {
    /// Writes one scheduled report's files for the period its spec gives at `now`; returns their paths.
    @discardableResult
    public static func write(_ entry: Config.Reports.Scheduled, runtime: Runtime, now: Date) throws -> [String] {
        let workspace = runtime.workspace
        let store = try runtime.checkedStore()
        let language = workspace.config.site.language
        let relative = DashboardPeriod.Kind(rawValue: entry.period.lowercased()) != nil
        let candidate = relative ? nil : try ReportPeriod.parse(entry.period, entries: [], now: now)
        let (entries, problems) = Reports.entries(store: store, language: language, period: candidate)
        let period = try candidate ?? ReportPeriod.parse(entry.period, entries: entries, now: now)
        let scope = Reports.Scope(period: period, team: entry.team)
        let files = try SiteFiles(workspace.config.site)
        let directory = workspace.site + "/reports/" + entry.name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        let calls = entries.filter(scope.contains).count
        for name in entry.formats {
            guard let format = Reports.Format(rawValue: name) else { continue }
            let data: Data
            do {
                data = try Reports.make(
                    format, entries: entries, scope: scope, csvSeparator: Character(workspace.config.reports.csvSeparator),
                    generated: "Wygenerowano: " + Timestamp.local(now))
            } catch {
                try runtime.audit.append(actor: "watcher", action: "export", outcome: "failed", detail: ["report": entry.name, "format": name, "reason": error.localizedDescription])
                throw error
            }
            let path = directory + "/" + scope.baseName + "." + format.fileExtension
            try files.write(data, to: path)
            try runtime.audit.append(
                actor: "watcher", action: "export",
                detail: ["report": entry.name, "format": name, "period": period.label, "file": path, "calls": String(calls)])
            written.append(path)
        }
        for problem in problems { FileHandle.standardError.write(Data("warning: report \(entry.name): \(problem)\n".utf8)) }
        try files.write(indexPage(site: workspace.site, title: workspace.config.site.title), to: workspace.site + "/reports/index.html")
        return written
    }

    /// `site/reports/index.html`: every report file, newest first under each schedule's name.
    static func indexPage(site: String, title: String) -> Data {
        let fm = FileManager.default
        let root = site + "/reports"
        var sections = ""
        for name in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let reportFiles = ((try? fm.contentsOfDirectory(atPath: root + "/" + name)) ?? []).filter { !$0.hasPrefix(".") }.sorted(by: >)
            sections += "<section><h2>\(escape(name))</h2><ul class=\"reports\">"
            for file in reportFiles {
                let size = (try? fm.attributesOfItem(atPath: root + "/" + name + "/" + file)[.size] as? Int) ?? 0
                sections += "<li><a href=\"\(escape(name))/\(escape(file))\" download>\(escape(file))</a> <span class=\"muted\">\(size >= 1_048_576 ? String(format: "%.1f MB", Double(size) / 1_048_576) : String(format: "%.0f kB", (Double(size) / 1024).rounded(.up)))</span></li>"
            }
            sections += "</ul></section>"
        }
        let page = """
            <!DOCTYPE html>
            <html lang="pl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Raporty — \(escape(title))</title><link rel="stylesheet" href="../static/sor.css"></head>
            <body><header class="site"><a href="../index.html">\(escape(title))</a> · <a href="../calls.html">Rozmowy</a> · Raporty</header>
            <main><h1>Raporty okresowe</h1>
            <p>Raporty zaplanowane w <code>sor.yaml</code> (<code>reports.schedule</code>); każdy zapis jest w dzienniku audytu jako <code>export</code>.</p>
            \(sections.isEmpty ? "<p>Brak raportów.</p>" : sections)
            </main></body></html>

            """
        return Data(page.utf8)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
