import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The key file that seals data/ (AES-256-GCM).", subcommands: [Init.self, Rotate.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the key file (security.key_file, mode 0600).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Succeed without changes when the key file exists.") var ifMissing = false
        func run() throws { print(try Commands.keyInit(runtime: try options.runtime(), ifMissing: ifMissing)) }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new key and re-seal every file under it; resumes an interrupted rotation. Stop sor watch first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Re-seal at most this many files now; run again to go on.") var maxFiles: Int?
        func run() throws {
            let report = try Commands.keyRotate(runtime: try options.runtime(), maxFiles: maxFiles) { print($0) }
            if report.finished {
                print("done: \(report.total) files sealed with key \(report.key)\(report.retired.isEmpty ? "" : "; retired \(report.retired.joined(separator: ", "))")")
            }
        }
    }
}
