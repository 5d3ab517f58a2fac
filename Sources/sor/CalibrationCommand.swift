import ArgumentParser
import Foundation
import SORCore
import SORReports
import SORRuntime
import SORSite

struct CalibrationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibration",
        abstract: "Calibration sessions (set up and answered on the site's Kalibracja page; kept in data/calibration/).",
        subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every session, newest first: progress and, once complete, the evaluators' agreement.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let (sessions, problems) = try options.runtime().store.calibration.all()
            for problem in problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
            if sessions.isEmpty { print("no calibration sessions") }
            for session in sessions {
                let done = session.evaluators.filter(session.hasFinished).count
                let agreement = session.results?.evaluators.share.map { String(format: "agreement %.1f%%", $0 * 100) } ?? "open"
                print("\(session.id)  \(session.title)  \(Set(session.items.map(\.call)).count) calls  \(done)/\(session.evaluators.count) evaluators done  \(agreement)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One session: who has answered, and once every evaluator has, the agreement per criterion.",
            discussion: "--csv prints the results as the site's download (a complete session only); --json the session file as kept, answers included.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session's id (as the site's page names it).") var id: String
        @Flag(help: "Print the session file as JSON.") var json = false
        @Flag(help: "Print the results as CSV (semicolon-separated, as the site's download).") var csv = false
        func run() throws {
            guard let session = try options.runtime().store.calibration.load(id) else {
                throw fail("there is no calibration session \(id); `sor calibration list` lists them")
            }
            if json {
                FileHandle.standardOutput.write(try FileFormats.json(session))
                return
            }
            if csv {
                guard let results = session.results else {
                    throw fail("session \(id) is not complete yet (\(session.evaluators.filter { !session.hasFinished($0) }.joined(separator: ", ")) still to answer)")
                }
                FileHandle.standardOutput.write(CSV.document(Sheet.calibration(session, results)))
                return
            }
            print("\(session.title) (\(session.id)), set up by \(session.createdBy) at \(session.createdAt)")
            for item in session.items {
                let answered = session.evaluators.map { session.submission($0, call: item.call, card: item.card) == nil ? "\($0) —" : "\($0) ✓" }
                print("  \(item.call.prefix(12))  \(item.card)  \(item.label)  " + answered.joined(separator: "  "))
            }
            guard let results = session.results else {
                print("open: the answers stay blind until every evaluator has answered every call")
                return
            }
            func share(_ tally: CalibrationResults.Tally) -> String {
                tally.share.map { String(format: "%5.1f%% (%d/%d)", $0 * 100, tally.agreed, tally.compared) } ?? "    — "
            }
            print("evaluators agree: \(share(results.evaluators)); automatic answers agree with evaluators: \(share(results.automatic))")
            for (user, tally) in results.byEvaluator { print("  \(user) with the majority: \(share(tally))") }
            print("per criterion (evaluators | automatic | splits):")
            for summary in results.criteria {
                print("  \(summary.card).\(summary.criterion.id)  \(share(summary.evaluators)) | \(share(summary.automatic)) | \(summary.splits)")
            }
        }
    }
}
