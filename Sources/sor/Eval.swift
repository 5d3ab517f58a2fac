import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure sor against references.", subcommands: [TranscriptionCommand.self, DiarizationCommand.self, ScoringCommand.self])

    struct TranscriptionCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transcription",
            abstract: "Word error rate of SOR's transcripts against reference sentences, beside the bare engine's.",
            discussion: """
                Each recording is transcribed as sor process would (its working copy, the configured engine, language                 and prompt) and compared with its reference sentence, case and punctuation ignored, Polish letters kept:                 substitutions, deletions and insertions per file and overall. --band telephone narrows each recording to                 300-3400 Hz at 8 kHz first (sox), as a telephone line carries it; both (the default) measures the two.                 The bare engine (faster-whisper's defaults on the same files, the configured model and beam) is measured                 in the same run unless --no-bare. --references is a TSV whose header names a file and a sentence column                 (Common Voice's references.tsv) or a folder of NAME.txt.
                """)

        enum BandChoice: String, ExpressibleByArgument, CaseIterable {
            case wide, telephone, both
        }

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Reference sentences: a TSV (file and sentence columns) or a folder of NAME.txt.") var references: String
        @Option(name: .long, help: "wide (the recordings as they are), telephone (300-3400 Hz, 8 kHz) or both.") var band: BandChoice = .both
        @Flag(name: .long, inversion: .prefixedNo, help: "Measure the bare engine on the same files too.") var bare = true
        @Flag(name: .long, help: "Print JSON (per band: totals, real-time factor, and per file both hypotheses).") var json = false
        @Argument(help: "Recordings.") var files: [String]

        func run() throws {
            let runtime = try options.runtime()
            defer { runtime.speech.stop() }
            let evaluation = TranscriptionEvaluation(runtime: runtime)
            let references = try TranscriptionEvaluation.references(references)
            let bands: [TranscriptionEvaluation.Band] = band == .both ? [.wide, .telephone] : [band == .wide ? .wide : .telephone]
            let report = try evaluation.evaluate(files, references: references, bands: bands, bare: bare) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            if json {
                print(String(decoding: try FileFormats.json(report), as: UTF8.self))
                return
            }
            func percent(_ tally: TranscriptionEvaluation.Tally) -> String {
                String(format: "%5.1f%% (S %d, D %d, I %d of %d words)", tally.wer * 100, tally.substitutions, tally.deletions, tally.insertions, tally.referenceWords)
            }
            print("engine: \(report.engine), language \(report.language ?? "auto")")
            for band in report.bands {
                print("\n\(band.band == .wide ? "as recorded" : "telephone band (300-3400 Hz, 8 kHz)"): \(band.files.count) files")
                for file in band.files {
                    let bare = file.bare.map { String(format: "  bare %5.1f%%", $0.wer * 100) } ?? ""
                    print(String(format: "  %@  SOR %5.1f%%", file.file, file.sor.wer * 100) + bare)
                    print("    ref: \(file.reference)\n    sor: \(file.hypothesis)" + (file.bareHypothesis.map { "\n    bare: \($0)" } ?? ""))
                }
                print("  SOR:  \(percent(band.sor)), real-time factor \(String(format: "%.2f", band.realTimeFactor))")
                if let bare = band.bare { print("  bare: \(percent(bare))") }
            }
        }
    }

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

    struct ScoringCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scoring",
            abstract: "Agreement of the automatic answers with an evaluator's expected answers, per criterion and card.",
            discussion: """
                --expected is a YAML file giving, for each call (the recording's name without extension), its card and \
                the answer a careful evaluator gives to every criterion („tak — reason”; README "Calibration"). Each \
                recording is transcribed, diarized and scored as sor process would, without being stored (its sidecar \
                NAME.yaml is read); with --stored, the stored calls of those names are scored again from their words \
                instead; with --said DIR, what was said (DIR/NAME.turns.json: reference turns with roles) is scored \
                without the recogniser, so the rules are measured apart from recognition. Printed: agreement and Cohen's kappa per criterion, per card and overall, false and missed \
                critical failures with their evidence, pass/fail per call, every disagreement. Exit status 1 when \
                any critical failure is false.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "The expected answers (YAML).") var expected: String
        @Flag(name: .long, help: "Score the stored calls named in the expected answers instead of recordings.") var stored = false
        @Option(name: .long, help: "A folder of reference turns (NAME.turns.json): score what was said, without the recogniser.") var said: String?
        @Flag(name: .long, help: "Print JSON.") var json = false
        @Argument(help: "Recordings, each named as in the expected answers.") var files: [String] = []

        func validate() throws {
            let sources = [stored, said != nil, !files.isEmpty].filter { $0 }.count
            if sources > 1 { throw ValidationError("give recordings, --stored or --said, one of them") }
            if sources == 0 { throw ValidationError("give the recordings to score, --stored to use the stored calls, or --said DIR for reference turns") }
        }

        func run() throws {
            let runtime = try options.runtime()
            defer { runtime.shutdown() }
            let evaluation = ScoringEvaluation(runtime: runtime)
            let agreement: ScoringAgreement
            if stored {
                agreement = try evaluation.evaluateStored(expected: expected)
            } else if let said {
                agreement = try evaluation.evaluateSaid(expected: expected, references: said)
            } else {
                agreement = try evaluation.evaluate(expected: expected, files: files) { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
            }
            if json {
                print(String(decoding: try FileFormats.json(agreement), as: UTF8.self))
            } else {
                for line in agreement.text { print(line) }
            }
            if !agreement.falseCritical.isEmpty { throw ExitCode.failure }
        }
    }
}
