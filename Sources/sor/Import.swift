import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import recordings from a telephone system (`sources:` in sor.yaml) into inbox/, now or as a dry run.",
        discussion: "sor watch runs each source on its schedule. Without a source, lists the configured ones.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The source's name.") var source: String?
    @Flag(help: "Import now.") var now = false
    @Flag(name: .customLong("dry-run"), help: "Say what would be imported, and why each other recording is skipped; change nothing.")
    var dryRun = false
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let runtime = try options.runtime()
        let sources = runtime.workspace.config.sources
        guard let source else {
            if sources.isEmpty { print("no sources in sor.yaml (see README, \"Importing from the telephone exchange\")") }
            for source in sources {
                print("\(source.name)\t\(source.kind.rawValue)\t\(source.path)\t\(source.schedule.isEmpty ? "by hand" : source.schedule)")
            }
            return
        }
        guard let chosen = sources.first(where: { $0.name == source }) else {
            throw fail("there is no source \(source) in sor.yaml; configured: \(sources.map(\.name).joined(separator: ", "))")
        }
        guard now || dryRun else { throw ValidationError("say --now to import, or --dry-run to see what would be imported") }
        let report = try Importer(runtime: runtime, source: chosen).run(dryRun: dryRun)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        for decision in report.decisions {
            let what = decision.action == "skip" ? "skip (\(decision.reason ?? "?"))" : decision.action + (decision.reason.map { " (\($0))" } ?? "")
            print("\(decision.path)\t\(what)" + (decision.target.map { "\t→ inbox/\($0)" } ?? ""))
            for warning in decision.warnings { print("  warning: \(warning)") }
        }
        for problem in report.problems { print("problem: \(problem)") }
        let skipped = report.skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("\(dryRun ? "would import" : "imported") \(report.imported), skipped \(report.skipped.values.reduce(0, +))\(skipped.isEmpty ? "" : " (\(skipped))"), failed \(report.failed)")
        if report.failed > 0 { throw ExitCode(1) }
    }
}
