import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Process: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Process recordings once (validate, store, transcribe) and print their call ids.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Language of the calls (pl, en, … or auto); overrides metadata and sor.yaml.") var language: String?
    @Flag(help: "Do not rebuild the site afterwards.") var noSite = false
    @Argument(help: "Audio files (WAV, MP3, FLAC, OGG).") var files: [String]

    func run() throws {
        var failed = false
        _ = try Commands.process(files: files, runtime: try options.runtime(), language: language, buildSite: !noSite) { file, outcome in
            switch outcome {
            case .processed(let id):
                print(id)
            case .duplicate(let id):
                print(id)
                FileHandle.standardError.write(Data("note: \(file) is already stored as call \(id); not processed again\n".utf8))
            case .quarantined(let target, let reason):
                failed = true
                FileHandle.standardError.write(Data("error: \(reason)\n  kept in \(target) (reason in \(target).error.txt)\n".utf8))
            case .engineUnavailable(let reason):
                failed = true
                FileHandle.standardError.write(Data("error: \(reason)\n  the file was left where it is; process it again later\n".utf8))
            }
        }
        if failed { throw ExitCode.failure }
    }
}
