import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure sor against references.", subcommands: [DiarizationCommand.self])

    struct DiarizationCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diarization",
            abstract: "Diarization error rate (missed speech, false alarm, confusion) against reference RTTM.",
            discussion: """
                Each recording is diarized as sor would (stereo: by channel; mono: the neural diarizer) and scored \
                against the reference turns whose file id is the recording's name without extension. --rttm is one \
                RTTM file for all recordings or a folder holding NAME.rttm per recording; --uem limits scoring to the \
                annotated stretches. Overlapped speech is scored; the table is printed with the collar and without one.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Reference RTTM file, or a folder of NAME.rttm files.") var rttm: String
        @Option(name: .long, help: "Seconds not scored on each side of every reference boundary.") var collar: Double = 0.25
        @Option(name: .long, help: "UEM file: the stretches of each recording to score (default: all of it).") var uem: String?
        @Flag(name: .long, help: "Print JSON (per file: DER with and without collar, and the hypothesis).") var json = false
        @Argument(help: "Recordings.") var files: [String]

        func validate() throws {
            guard collar >= 0, collar < 5 else { throw ValidationError("--collar must be between 0 and 5 seconds") }
        }

        func run() throws {
            let evaluation = DiarizationEvaluation(service: try options.runtime().diarization, collar: collar)
            let results = try evaluation.evaluate(files, reference: rttm, uem: uem) { note in
                FileHandle.standardError.write(Data(("note: " + note + "\n").utf8))
            }
            if json {
                print(String(decoding: try FileFormats.json(results), as: UTF8.self))
            } else {
                for line in evaluation.report(results) { print(line) }
            }
        }
    }
}
