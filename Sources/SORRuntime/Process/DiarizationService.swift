import Foundation
import SORAudio
import SORCore
import SORDiarization

/// One channel of a sample file (or the mix, when `channel` is nil), read a stretch at a time.
public struct ChannelSource: SampleSource {
    public let file: SampleFile
    public let channel: Int?

    public init(file: SampleFile, channel: Int?) {
        self.file = file
        self.channel = channel
    }

    public var count: Int { file.frames }

    public func samples(_ range: Range<Int>) -> [Float] { file.samples(range, channel: channel) }
}

/// Runs diarization for the pipeline and the `sor diarize` / `sor eval diarization` commands.
public struct DiarizationService: Sendable {
    public let config: Config.Diarization
    private let modelsDirectory: String
    private let copies: WorkingCopies

    public init(workspace: Workspace) {
        config = workspace.config.diarization
        modelsDirectory = workspace.resolve(workspace.config.diarization.modelsDir)
        copies = WorkingCopies(workspace: workspace)
    }

    public var settings: DiarizerSettings {
        var settings = DiarizerSettings(
            minSpeakers: config.minSpeakers, maxSpeakers: config.maxSpeakers, chunkStep: config.chunkStep,
            threads: config.threads)
        settings.announcementMinimum = config.announcementMinimum
        return settings
    }

    /// Loads the models (once per process; about 35 MB).
    public func diarizer() throws -> Diarizer {
        try Self.cache.diarizer(directory: modelsDirectory, settings: settings)
    }

    /// Runs `body` on the 16 kHz working copy of any recording (removed afterwards).
    public func withConverted<T>(_ path: String, _ body: (SampleFile) throws -> T) throws -> T {
        let copy = try copies.make(from: path, label: "diarize")
        defer { copy.remove() }
        return try body(try SampleFile(path: copy.path))
    }

    /// Whether this recording is split by channel (one party each) rather than diarized as a mix. Two channels
    /// that carry one signal (a mono recording saved as stereo) or of which one is silent are not two parties.
    public func splitsChannels(_ file: SampleFile) -> Bool {
        guard config.stereo != .mix, let channels = file.compareChannels() else { return false }
        return Self.twoParties(channels)
    }

    /// Two parties, one per channel: the channels differ (correlation under 0.9 either way: a channel with its
    /// phase inverted is still the same signal) and the quieter is within 40 dB of the louder. (A real two-party
    /// recording correlates little: each channel holds mostly its own party, with at most an echo of the other.)
    static func twoParties(_ channels: SampleFile.ChannelComparison) -> Bool {
        abs(channels.correlation) < 0.9 && channels.balance > -40
    }

    /// Who spoke when: per-channel voice activity for stereo calls (S1 = left, S2 = right), the neural
    /// diarizer on the mix otherwise. `split`: whether to split by channel (`splitsChannels`, when not given).
    public func segments(_ file: SampleFile, split: Bool? = nil) throws -> [SpeakerSegment] {
        let diarizer = try diarizer()
        guard split ?? splitsChannels(file) else { return diarizer.diarize(ChannelSource(file: file, channel: nil)) }
        var segments: [SpeakerSegment] = []
        for channel in 0..<2 {
            segments += diarizer.voiceActivity(ChannelSource(file: file, channel: channel)).map {
                SpeakerSegment(speaker: "S\(channel + 1)", start: $0.start, end: $0.end)
            }
        }
        return segments.sorted { ($0.start, $0.speaker) < ($1.start, $1.speaker) }
    }

    /// Speaker segments of any recording.
    public func diarize(file path: String) throws -> [SpeakerSegment] {
        try withConverted(path) { try segments($0) }
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
