import ArgumentParser
import Foundation
import SORCore
import SORReports
import SORRuntime

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The hash-chained audit log (data/audit/).", subcommands: [Verify.self, Show.self, Ingest.self, Report.self])

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

    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read nginx's access log (var/nginx/access.log) into the audit trail: views, plays, downloads, failed sign-ins.",
            discussion: "sor watch does this every minute; each line is read once.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let runtime = try options.runtime()
            let outcome = try AccessAudit(workspace: runtime.workspace, audit: runtime.audit).ingest()
            print("\(outcome.lines) log lines read, \(outcome.recorded) audit events" + (outcome.unreadable > 0 ? ", \(outcome.unreadable) lines not in sor's format" : ""))
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who viewed, played or downloaded which call, and the failed sign-ins (after `sor audit ingest`).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "The days it covers, as `sor report --period` takes them (today, yesterday, last-week, 2026-11, FROM..TO); default: all.")
        var period: String?
        @Option(help: "Only this site user.") var user: String?
        @Flag(help: "Print JSON (one object with the lines) instead of text.") var json = false
        func run() throws {
            let runtime = try options.runtime()
            try AccessAudit(workspace: runtime.workspace, audit: runtime.audit).ingest()
            var from: Date?
            var to: Date?
            if let period {
                let days = try ReportPeriod.parse(period, entries: [], now: runtime.clock.now())
                // The period's days are the server's: from the first one's midnight to the midnight after the last.
                func midnight(_ day: String) -> Date? {
                    let parts = day.split(separator: "-").compactMap { Int($0) }
                    guard parts.count == 3 else { return nil }
                    return Calendar.current.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
                }
                from = midnight(days.from)
                to = midnight(days.to).flatMap { Calendar.current.date(byAdding: .day, value: 1, to: $0) }
            }
            let report = AccessReport(events: runtime.audit.events(), from: from, to: to, user: user)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(["lines": report.lines]), as: UTF8.self))
            } else {
                print(report.text, terminator: "")
            }
        }
    }
}
