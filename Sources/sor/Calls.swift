import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Calls: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with stored calls.", subcommands: [List.self, Delete.self, Expire.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored calls, newest first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Calls on or after this day (YYYY-MM-DD).") var from: String?
        @Option(help: "Calls on or before this day (YYYY-MM-DD).") var to: String?
        @Option(help: "Agent name (or part of it).") var agent: String?
        @Option(help: "Team.") var team: String?
        @Option(help: "Status, e.g. transcribed.") var status: String?
        @Option(help: "Words that must all occur in the transcript (case and Polish letters ignored).") var text: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let filter = Commands.CallFilter(from: from, to: to, agent: agent, team: team, status: status, text: text)
            let (lines, calls, problems) = try Commands.listCalls(runtime: try options.runtime(), filter: filter)
            if json {
                print(String(decoding: try FileFormats.json(calls.map(\.call)), as: UTF8.self), terminator: "")
            } else {
                lines.forEach { print($0) }
            }
            for problem in problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase calls: recording, results, pages and every plaintext copy. The audit log keeps a tombstone (who, when, content hash). Stop sor watch first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Why (recorded in the audit log), e.g. a data-subject request number.") var reason: String?
        @Argument(help: "Call ids (a unique prefix is enough).") var ids: [String]

        func run() throws {
            try Commands.deleteCalls(ids, runtime: try options.runtime(), actor: AuditLog.commandLineActor, reason: reason) { id in
                print("erased \(id)")
            }
        }
    }

    struct Expire: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the retention policy now (retention.days, retention.action); sor watch does it hourly. Stop sor watch first.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let runtime = try options.runtime()
            let workspace = runtime.workspace
            guard workspace.config.retention.days > 0 else {
                print("retention.days is 0: calls are kept forever; nothing to do")
                return
            }
            let handled = try Commands.expire(runtime: runtime, actor: AuditLog.commandLineActor)
            handled.forEach { print($0) }
            print("\(handled.count) calls older than \(workspace.config.retention.days) days \(workspace.config.retention.action == .delete ? "erased" : "archived")")
        }
    }
}
