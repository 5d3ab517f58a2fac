import Foundation

/// Why a recording was refused or could not be converted. Each message says what, where and how to fix it.
public enum AudioError: Error, Equatable, LocalizedError, Sendable {
    case empty(path: String)
    case unreadable(path: String, detail: String)
    case notAudio(path: String, detail: String)
    case noAudioStream(path: String)
    case truncated(path: String, expectedSeconds: Double, decodedSeconds: Double)
    case corrupt(path: String, atSeconds: Double, detail: String)
    case tooShort(path: String, seconds: Double, minimum: Double)
    case tooLong(path: String, seconds: Double, maximum: Double)
    case silent(path: String, peakDB: Double, thresholdDB: Double)
    case conversionFailed(path: String, detail: String)

    /// A short machine-readable name for the reason, used in `error.txt` files and the audit.
    public var code: String {
        switch self {
        case .empty: "empty"
        case .unreadable: "unreadable"
        case .notAudio: "not-audio"
        case .noAudioStream: "no-audio-stream"
        case .truncated: "truncated"
        case .corrupt: "corrupt"
        case .tooShort: "too-short"
        case .tooLong: "too-long"
        case .silent: "silent"
        case .conversionFailed: "conversion-failed"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .empty(let path):
            "\(path): the file is empty (0 bytes). The copy or upload probably failed: send the recording again."
        case .unreadable(let path, let detail):
            "\(path): cannot read the file (\(detail)). Check that it exists and that sor may read it."
        case .notAudio(let path, let detail):
            "\(path): not an audio file (\(detail)). Send WAV, MP3, FLAC or OGG recordings."
        case .noAudioStream(let path):
            "\(path): the file holds no audio samples. Export the recording again from the telephone system."
        case .truncated(let path, let expected, let decoded):
            "\(path): the file is truncated: its header promises \(Self.seconds(expected)) of audio but only "
                + "\(Self.seconds(decoded)) could be read. The copy was probably cut short: send the whole file again."
        case .corrupt(let path, let at, let detail):
            "\(path): the audio is corrupt at \(Self.seconds(at)) (\(detail)). Export the recording again."
        case .tooShort(let path, let seconds, let minimum):
            "\(path): the recording lasts \(Self.seconds(seconds)), shorter than the minimum of "
                + "\(Self.seconds(minimum)) (audio.min_duration in sor.yaml). Check it is the whole call."
        case .tooLong(let path, let seconds, let maximum):
            "\(path): the recording lasts \(Self.seconds(seconds)), longer than the maximum of "
                + "\(Self.seconds(maximum)) (audio.max_duration in sor.yaml). Split it or raise the limit."
        case .silent(let path, let peak, let threshold):
            "\(path): the recording is silent: its loudest sample is \(String(format: "%.1f", peak)) dBFS, below "
                + "\(String(format: "%.1f", threshold)) dBFS (audio.silence_threshold_db in sor.yaml). "
                + "Check the channel or the recorder's input."
        case .conversionFailed(let path, let detail):
            "\(path): the audio could not be converted (\(detail))."
        }
    }

    static func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }
}
