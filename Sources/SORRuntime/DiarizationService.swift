import Foundation
import SORAudio
import SORCore
import SORDiarization

/// Runs diarization for the pipeline and the `sor diarize` / `sor eval diarization` commands.
public struct DiarizationService: Sendable {
    public let config: Config.Diarization
    private let modelsDirectory: String
    private let audio: AudioConverter

    public init(workspace: Workspace) {
        config = workspace.config.diarization
        modelsDirectory = workspace.resolve(workspace.config.diarization.modelsDir)
        audio = AudioConverter(rules: AudioRules(workspace.config.audio))
    }

    public var settings: DiarizerSettings {
        DiarizerSettings(
            minSpeakers: config.minSpeakers, maxSpeakers: config.maxSpeakers, chunkStep: config.chunkStep,
            threads: config.threads)
    }

    /// Loads the models (once per process; about 35 MB).
    public func diarizer() throws -> Diarizer {
        try Self.cache.diarizer(directory: modelsDirectory, settings: settings)
    }

    /// The 16 kHz channels of a recording.
    public func channels(_ path: String) throws -> [[Float]] {
        try audio.samples(path)
    }

    /// Whether these channels are split by channel (one party each) rather than diarized as a mix.
    public func splitsChannels(_ channels: [[Float]]) -> Bool {
        channels.count >= 2 && config.stereo != .mix
    }

    /// Who spoke when: per-channel voice activity for stereo calls (S1 = left, S2 = right), the neural
    /// diarizer on the mix otherwise.
    public func segments(_ channels: [[Float]]) throws -> [SpeakerSegment] {
        let diarizer = try diarizer()
        guard splitsChannels(channels) else { return diarizer.diarize(Self.mix(channels)) }
        var segments: [SpeakerSegment] = []
        for (index, samples) in channels.prefix(2).enumerated() {
            segments += diarizer.voiceActivity(samples).map {
                SpeakerSegment(speaker: "S\(index + 1)", start: $0.start, end: $0.end)
            }
        }
        return segments.sorted { ($0.start, $0.speaker) < ($1.start, $1.speaker) }
    }

    /// Speaker segments of a recording.
    public func diarize(file path: String) throws -> [SpeakerSegment] {
        try segments(try channels(path))
    }

    /// The average of the channels.
    public static func mix(_ channels: [[Float]]) -> [Float] {
        guard channels.count > 1 else { return channels.first ?? [] }
        let count = channels.map(\.count).min() ?? 0
        var out = [Float](repeating: 0, count: count)
        let scale = 1 / Float(channels.count)
        for channel in channels {
            for i in 0..<count { out[i] += channel[i] * scale }
        }
        return out
    }

    private static let cache = ModelCache()

    /// Models are read once and shared by every call the process diarizes.
    private final class ModelCache: @unchecked Sendable {
        private let lock = NSLock()
        private var loaded: (key: String, diarizer: Diarizer)?

        func diarizer(directory: String, settings: DiarizerSettings) throws -> Diarizer {
            lock.lock()
            defer { lock.unlock() }
            let key = "\(directory)|\(settings)"
            if let loaded, loaded.key == key { return loaded.diarizer }
            let diarizer = try Diarizer(modelsDirectory: directory, settings: settings)
            loaded = (key, diarizer)
            return diarizer
        }
    }
}
