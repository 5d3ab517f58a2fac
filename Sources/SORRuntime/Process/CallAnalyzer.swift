import Foundation
import SORAcoustics
import SORAudio
import SORCore
import SORDiarization
import SORSpeech

/// Transcribes a converted recording and works out who said what: stereo calls by channel, mono calls with the
/// neural diarizer; then utterances, roles and talk statistics (`analysis.json`).
public struct CallAnalyzer: Sendable {
    public let workspace: Workspace
    private let service: DiarizationService

    public init(workspace: Workspace, diarization: DiarizationService) {
        self.workspace = workspace
        service = diarization
    }

    public struct Result: Sendable {
        public var transcript: Transcript
        public var analysis: Analysis?
        /// Why there is no analysis although diarization is on (e.g. the models are missing), for the log.
        public var note: String?
    }

    /// `converted` is the 16 kHz WAV the pipeline made (all channels kept).
    public func run(
        converted: String, request: TranscriptionRequest, speech: any Transcriber, metadata: CallMetadata
    ) throws -> Result {
        let config = workspace.config.diarization
        guard config.enabled else {
            return Result(transcript: try speech.transcribe(request), analysis: nil, note: nil)
        }
        let file: SampleFile
        do {
            file = try SampleFile(path: converted)
        } catch {
            return Result(transcript: try speech.transcribe(request), analysis: nil, note: "\(error.localizedDescription)")
        }
        let duration = file.duration
        let stereo = service.splitsChannels(file)
        // Mono calls are diarized first: a recorded announcement found there is transcribed apart from the
        // conversation (Whisper, told the call's language, lost the greeting after a foreign-language IVR menu).
        let diarized = Swift.Result { try service.segments(file, split: stereo) }
        let answered = ((try? diarized.get()) ?? []).filter { $0.speaker == SpeakerSegment.announcement }.map(\.end).max()
        var transcript: Transcript
        var wordSpeakers: [String]?
        if stereo && config.stereo == .channels {
            (transcript, wordSpeakers) = try transcribeChannels(file, converted: converted, request: request, speech: speech)
        } else if !stereo, let answered {
            transcript = try transcribeApart(file, converted: converted, request: request, speech: speech, at: answered)
        } else {
            transcript = try speech.transcribe(request)
        }
        let segments: [SpeakerSegment]
        do {
            segments = try diarized.get()
        } catch {
            return Result(transcript: transcript, analysis: nil, note: "\(error.localizedDescription)")
        }
        let roles = roleParameters(metadata: metadata, stereo: stereo)
        var analysis: Analysis
        if stereo {
            let words = transcript.words
            analysis = TalkAnalyzer.analyze(
                words: words, speakers: wordSpeakers ?? Self.louderChannel(words: words, file: file),
                segments: segments, allSpeakers: [Speaker(id: "S1", channel: 0), Speaker(id: "S2", channel: 1)],
                duration: duration, parameters: config.talk, method: .channels, roles: roles)
        } else {
            analysis = TalkAnalyzer.analyze(
                words: transcript.words, segments: segments, duration: duration, parameters: config.talk,
                method: segments.isEmpty ? .single : .neural, roles: roles)
        }
        Self.measureAcoustics(&analysis, file: file)
        return Result(transcript: transcript, analysis: analysis, note: nil)
    }

    /// Role-labeller settings for this call: the sidecar's channel map wins over the configured one.
    func roleParameters(metadata: CallMetadata, stereo: Bool) -> RoleLabeller.Parameters {
        let config = workspace.config.diarization
        var map: [Int: Role]?
        if stereo {
            if let channels = metadata.channels {
                map = [:]
                for (key, value) in channels {
                    guard let role = Role(rawValue: value.uppercased()) else { continue }
                    map?[key == "left" ? 0 : 1] = role
                }
            } else if !config.channelMap.isEmpty {
                map = Dictionary(uniqueKeysWithValues: config.channelMap.prefix(2).enumerated().map { ($0.offset, $0.element) })
            }
        }
        // The sidecar's direction (inbound or outbound, checked by MetadataParser), else the configured one.
        let direction = RoleLabeller.Direction(rawValue: metadata.direction ?? config.direction.rawValue) ?? .inbound
        return RoleLabeller.Parameters(
            companyNames: config.companyNames, direction: direction, channelMap: map, reviewBelow: config.reviewBelow)
    }

    /// Each channel transcribed alone; the two transcripts merged in time order. Returns each word's speaker.
    public func transcribeChannels(
        _ file: SampleFile, converted: String, request: TranscriptionRequest, speech: any Transcriber
    ) throws -> (Transcript, [String]) {
        let parts = try (0..<min(file.channels, 2)).map { channel in
            (try transcribe(file, channel: channel, frames: 0..<file.frames, as: converted + ".ch\(channel).wav",
                            request: request, speech: speech), "S\(channel + 1)")
        }
        var tagged: [(Segment, String)] = parts.flatMap { transcript, speaker in transcript.segments.map { ($0, speaker) } }
        tagged.sort { ($0.0.start, $0.1) < ($1.0.start, $1.1) }
        let speakers = tagged.flatMap { segment, speaker in Array(repeating: speaker, count: segment.words.count) }
        let transcript = Self.joined(
            tagged.map(\.0), like: parts[0].0, duration: max(parts[0].0.duration, parts.last?.0.duration ?? 0))
        return (transcript, speakers)
    }

    /// The recording before `seconds` (a recorded announcement) and after it (the conversation) transcribed
    /// separately, the second part's times shifted back into the recording's.
    func transcribeApart(
        _ file: SampleFile, converted: String, request: TranscriptionRequest, speech: any Transcriber, at seconds: Double
    ) throws -> Transcript {
        let cut = Int(seconds * Double(file.sampleRate))
        let announcement = try transcribe(file, channel: nil, frames: 0..<cut, as: converted + ".part0.wav", request: request, speech: speech)
        let conversation = try transcribe(file, channel: nil, frames: cut..<file.frames, as: converted + ".part1.wav", request: request, speech: speech)
        let shift = Double(cut) / Double(file.sampleRate)
        let later = conversation.segments.map { segment in
            var segment = segment
            segment.start += shift
            segment.end += shift
            segment.words = segment.words.map { word in
                var word = word
                word.start += shift
                word.end += shift
                return word
            }
            return segment
        }
        return Self.joined(announcement.segments + later, like: conversation, duration: file.duration)
    }

    /// `frames` of one channel (or the mix) transcribed on its own, written for the engine to `path` and removed.
    func transcribe(
        _ file: SampleFile, channel: Int?, frames: Range<Int>, as path: String, request: TranscriptionRequest,
        speech: any Transcriber
    ) throws -> Transcript {
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(channel: channel, frames: frames, to: path)
        var part = request
        part.audioPath = path
        return try speech.transcribe(part)
    }

    /// `segments` numbered in order as one transcript, with the language and engine of `model`.
    static func joined(_ segments: [Segment], like model: Transcript, duration: Double) -> Transcript {
        let numbered = segments.enumerated().map { index, segment in
            var segment = segment
            segment.id = index
            return segment
        }
        return Transcript(
            language: model.language, duration: duration, text: numbered.map(\.text).joined(separator: " "),
            segments: numbered, engine: model.engine)
    }

    /// Each utterance's loudness, pitch and spectral balance, on its speaker's own channel where the call is stereo
    /// (the mix otherwise), for the sentiment stage's arousal.
    public static func measureAcoustics(_ analysis: inout Analysis, file: SampleFile) {
        let rate = Double(file.sampleRate)
        let channels = Dictionary(analysis.speakers.map { ($0.id, $0.channel) }, uniquingKeysWith: { a, _ in a })
        for index in analysis.utterances.indices {
            let utterance = analysis.utterances[index]
            guard utterance.speaker != SpeakerSegment.announcement else { continue }
            let frames = max(0, Int(utterance.start * rate))..<min(file.frames, Int(utterance.end * rate))
            guard !frames.isEmpty else { continue }
            let channel = file.channels > 1 ? channels[utterance.speaker] ?? nil : nil
            analysis.utterances[index].acoustics = ProsodyMeter.measure(
                file.samples(frames, channel: channel), sampleRate: file.sampleRate)
        }
    }

    /// Each word's speaker: the channel (S1 = left, S2 = right) with more energy over the word's span.
    public static func louderChannel(words: [Word], file: SampleFile) -> [String] {
        let rate = Double(file.sampleRate)
        return words.map { word in
            let data = file.interleaved(Int(word.start * rate)..<Int(word.end * rate))
            var energy = [Double](repeating: 0, count: file.channels)
            for (index, sample) in data.enumerated() { energy[index % file.channels] += Double(sample * sample) }
            return energy.count > 1 && energy[1] > energy[0] ? "S2" : "S1"
        }
    }
}
