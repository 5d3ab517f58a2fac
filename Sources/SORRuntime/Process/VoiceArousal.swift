import Foundation
import SORAcoustics
import SORAudio
import SORCore
import SORSentiment

/// One recording's voice measured as a whole, for `sor arousal`.
public struct RecordingArousal: Encodable, Sendable {
    public var file: String
    /// nil when the recording holds no measurable speech.
    public var acoustics: UtteranceAcoustics?
    public var arousal: Double?
    public var features: ArousalFeatures?
}

public enum VoiceArousal {
    /// Each recording's loudness, pitch and spectral balance over its whole length (channels mixed), and its arousal
    /// with the recordings taken as one speaker's utterances: the baseline is their median, as a speaker's is in a
    /// call, so a speaker's calm and raised recordings can be compared. A single recording is compared with typical
    /// speech. `failed` is told each recording that cannot be read, and the others go on. Needs no workspace: the
    /// 16 kHz copies go to the system's temporary folder and are removed at once.
    public static func measure(_ files: [String], failed: (String, any Error) -> Void) -> [RecordingArousal] {
        let converter = AudioConverter(rules: AudioRules(Config.Audio()))
        var measured: [(String, UtteranceAcoustics?)] = []
        for file in files {
            let copy = FileManager.default.temporaryDirectory
                .appendingPathComponent("sor-arousal-\(getpid())-\(UUID().uuidString.prefix(8)).16k.wav").path
            defer { try? FileManager.default.removeItem(atPath: copy) }
            do {
                _ = try converter.convert(file, to: copy)
                let samples = try SampleFile(path: copy)
                measured.append((file, ProsodyMeter.measure(samples.samples(0..<samples.frames), sampleRate: samples.sampleRate)))
            } catch {
                failed(file, error)
            }
        }
        let results = ArousalModel.arousal(of: measured.map { ArousalModel.Measured(acoustics: $0.1, rate: nil, interruption: false) })
        return zip(measured, results).map { item, result in
            RecordingArousal(file: item.0, acoustics: item.1, arousal: result?.value, features: result?.features)
        }
    }
}
