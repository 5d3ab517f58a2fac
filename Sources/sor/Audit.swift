import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The hash-chained audit log (data/audit/).", subcommands: [Verify.self, Show.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that no line was altered, removed, inserted or reordered.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let runtime = try options.runtime()
            let workspace = runtime.workspace
            let (lines, problems) = runtime.audit.verify()
            for problem in problems { FileHandle.standardError.write(Data("\(workspace.audit)/\(problem)\n".utf8)) }
            guard problems.isEmpty else { throw fail("the audit log was tampered with: \(problems.count) problems in \(lines) lines") }
            print("ok: \(lines) lines, chain intact")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print audit records, oldest first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this call (id or prefix).") var call: String?
        @Option(help: "Only this user (site user name or shell login).") var user: String?
        func run() throws {
            Commands.auditLines(runtime: try options.runtime(), call: call, user: user).forEach { print($0) }
        }
    }
}
