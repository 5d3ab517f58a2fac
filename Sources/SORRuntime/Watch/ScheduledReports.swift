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
        let (period, entries, problems) = try Reports.resolve(
            entry.period, store: try runtime.checkedStore(), language: workspace.config.site.language, now: now)
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
                    generated: "Wygenerowano: " + Timestamp.local(now), note: entry.note)
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
        // The reports' page lists the new files at the next build.
        runtime.siteChanges.mark()
        return written
    }

    /// The scheduled reports' files under `site/reports/`, per schedule (for the reports' page).
    public static func listing(site: String) -> [(name: String, files: [(name: String, bytes: Int)])] {
        let fm = FileManager.default
        let root = site + "/reports"
        var result: [(name: String, files: [(name: String, bytes: Int)])] = []
        for name in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let files = ((try? fm.contentsOfDirectory(atPath: root + "/" + name)) ?? []).filter { !$0.hasPrefix(".") }.map { file in
                (name: file, bytes: (try? fm.attributesOfItem(atPath: root + "/" + name + "/" + file)[.size] as? Int) ?? 0)
            }
            result.append((name, files))
        }
        return result
    }
}
