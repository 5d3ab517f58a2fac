import Foundation
import SORCore

/// One source of `sources:` on its cron schedule (caught up once after downtime, like every cron job): its new
/// recordings are imported into the inbox, where the recording intake takes them on the next pass.
final class ImportJob: WatchJob {
    let name: String
    let cadence: Cadence
    private let importer: Importer
    private let runtime: Runtime
    private let log: (String) -> Void

    init(_ source: Config.Source, runtime: Runtime, log: @escaping (String) -> Void) throws {
        importer = Importer(runtime: runtime, source: source)
        self.runtime = runtime
        self.log = log
        name = "import-" + source.name
        cadence = .scheduled(try Schedule(parsing: source.schedule))
    }

    func run(now: Date) {
        do {
            let report = try importer.run()
            let skipped = report.skipped.values.reduce(0, +)
            log("import \(importer.source.name): \(report.imported) imported, \(skipped) skipped, \(report.failed) failed"
                + (report.problems.isEmpty ? "" : "; \(report.problems.count) problems, first: \(report.problems[0])"))
            // The quarantine page lists what the last run could not import (or no longer lists what it now did).
            runtime.siteChanges.mark()
        } catch {
            log("error: import \(importer.source.name): \(error.localizedDescription); the next slot tries again")
            runtime.siteChanges.mark()
        }
    }
}
