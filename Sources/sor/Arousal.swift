import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Arousal: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print how raised the voice is in recordings of one speaker (acoustic arousal), without storing anything.",
        discussion: """
            Each recording is measured as a whole: loudness (dBFS), pitch (median, Hz) and its range (semitones), \
            and spectral balance (dB). Arousal, from -1 to 1, compares each with the median of all the recordings \
            given, as an utterance is compared with the same speaker's others in a call; give one speaker's \
            recordings together (a single recording is compared with typical speech). --json prints the features.
            """)

    @Flag(help: "Print one JSON object per recording: file, acoustics, arousal, features.") var json = false
    @Argument(help: "Recordings of one speaker (any format sor accepts; stereo files are mixed).") var files: [String]

    func run() throws {
        var failures = 0
        let results = VoiceArousal.measure(files) { file, error in
            failures += 1
            let message = error.localizedDescription
            FileHandle.standardError.write(Data("error: \(message.contains(file) ? message : file + ": " + message)\n".utf8))
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for result in results {
            if json {
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else if let arousal = result.arousal, let acoustics = result.acoustics {
                let pitch = acoustics.pitch.map { String(format: "%5.0f Hz", $0) } ?? "    – Hz"
                print(String(format: "%+.2f  %6.1f dBFS  ", arousal, acoustics.loudness) + pitch + "  " + result.file)
            } else {
                print("  –    no speech to measure  " + result.file)
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
