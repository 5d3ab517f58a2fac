import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a period report of the stored calls: PDF, XLSX or CSV.",
        discussion: """
            PERIOD is YYYY-MM-DD, YYYY-MM, FROM..TO, yesterday, last-week, last-month, or the dashboard's day, week, \
            month, all (ending on the newest call's day). The file is recorded in the audit log as an export.
            """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "The days the report covers (see above).") var period: String
    @Option(help: "Only this team's calls.") var team: String?
    @Option(help: "Only this agent's calls.") var agent: String?
    @Option(help: "pdf (the dashboard's figures), xlsx (calls, agents, criteria sheets) or csv (the calls sheet).") var format: String = "xlsx"
    @Option(help: "Where to write it (default: raport-PERIOD[-zespol-TEAM].EXT in the current directory).") var output: String?
    @Option(help: "The CSV separator: ';' (Polish Excel, decimal comma) or ','.") var separator: String = ";"
    @Option(help: "A note printed on the PDF under its title (Markdown).") var note: String?

    func validate() throws {
        guard Reports.Format(rawValue: format.lowercased()) != nil else {
            throw ValidationError("--format must be one of: \(Reports.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard separator.count == 1, [";", ",", "\t"].contains(separator) else {
            throw ValidationError("--separator must be ';', ',' or a tab")
        }
    }

    func run() throws {
        let result = try Commands.report(
            runtime: try options.runtime(), period: period, team: team, agent: agent,
            format: Reports.Format(rawValue: format.lowercased())!, output: output, separator: Character(separator), note: note)
        for problem in result.problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        print("\(result.path): \(result.calls) calls, \(result.period.label)")
    }
}
