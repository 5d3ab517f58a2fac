import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Rescore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score every stored call again with the current scorecards.yaml (no transcription) and report what changed.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        let report = try Commands.rescore(runtime: try options.runtime())
        print("\(report.calls) calls: \(report.rescored) with changed scores, \(report.unchanged) unchanged, \(report.flips.count) now \(report.flips.count == 1 ? "passes or fails" : "pass or fail") differently")
        for change in report.flips {
            print("  \(change.call) \(change.card): \(report.format(change.before)) → \(report.format(change.after)) (\(change.passedAfter == true ? "now passes" : "now fails"))")
        }
        for problem in report.failed { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        if let path = report.path { print("report: \(path)") }
    }
}
