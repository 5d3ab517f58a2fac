import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Diarize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print who spoke when in recordings (RTTM), without storing anything.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Recordings (any format sor accepts; stereo files are mixed).") var files: [String]

    func run() throws {
        let service = try options.runtime().diarization
        for file in files {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            print(RTTM.format(file: name, segments: try service.diarize(file: file)), terminator: "")
        }
    }
}
