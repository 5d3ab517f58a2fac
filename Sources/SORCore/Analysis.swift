import Foundation

/// The two parties of a contact-centre call.
public enum Role: String, Codable, Sendable, CaseIterable {
    case klient = "KLIENT"
    case konsultant = "KONSULTANT"

    public var other: Role { self == .klient ? .konsultant : .klient }
}

/// A stretch of time in seconds from the start of the call.
public struct Span: Codable, Sendable, Equatable {
    public var start: Double
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    public var duration: Double { max(0, end - start) }
}

/// "Who spoke when" as the diarizer (or the channel split) found it: one speaker label per stretch.
/// Stretches of different speakers may overlap (both talking).
public struct SpeakerSegment: Codable, Sendable, Equatable {
    /// The speaker name of a recorded announcement (an IVR menu, the recording notice) played before anyone
    /// answers: a voice that is neither party.
    public static let announcement = "IVR"

    public var speaker: String
    public var start: Double
    public var end: Double

    public init(speaker: String, start: Double, end: Double) {
        self.speaker = speaker
        self.start = start
        self.end = end
    }
}

/// One voice in the call. `id` is stable ("S1", "S2", …); `name` is what people call it after a rename.
public struct Speaker: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var role: Role?
    /// The audio channel (0 = left) the speaker was recorded on, for stereo calls.
    public var channel: Int?

    public init(id: String, name: String? = nil, role: Role? = nil, channel: Int? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.channel = channel
    }
}

extension Collection where Element == Utterance {
    /// Seconds into the recording where the conversation starts: the end of the recorded announcement (speaker
    /// IVR) that opens the call, else 0. Later utterances given to IVR by a correction do not move it.
    public var answered: Double {
        sorted { $0.start < $1.start }.prefix { $0.speaker == SpeakerSegment.announcement }.map(\.end).max() ?? 0
    }
}

/// One speaker turn: consecutive words of one speaker. Its words are the call's words with speakers attached;
/// an utterance's text edit changes them here, and scoring, the site and search read utterances when they exist.
public struct Utterance: Codable, Sendable, Equatable {
    public var id: Int
    public var speaker: String
    public var start: Double
    public var end: Double
    public var text: String
    public var words: [Word]
    /// Another speaker talks during part of this utterance.
    public var overlap: Bool
    /// This utterance started while the other party was still speaking (and not as a short backchannel).
    public var interruption: Bool
    /// What its text expresses (the sentiment stage; nil before it ran).
    public var sentiment: UtteranceSentiment?
    /// How it sounded (measured from the audio when the call was processed; a split keeps the whole's).
    public var acoustics: UtteranceAcoustics?

    public init(
        id: Int, speaker: String, start: Double, end: Double, text: String, words: [Word],
        overlap: Bool = false, interruption: Bool = false
    ) {
        self.id = id
        self.speaker = speaker
        self.start = start
        self.end = end
        self.text = text
        self.words = words
        self.overlap = overlap
        self.interruption = interruption
    }
}

/// How the roles were decided, and how sure that is.
public struct RoleDecision: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable {
        /// The source's channel map in `sor.yaml` says which channel is which party.
        case channelMap = "channel-map"
        /// Polish lexical cues (greeting with the company name, self-introduction, offers of help, closings).
        case lexical
        /// Only who spoke first (inbound: the consultant answers).
        case firstSpeaker = "first-speaker"
        /// A person set or confirmed them on the site.
        case manual
        /// Nothing to go on (one speaker, or no speech).
        case none
    }

    public var method: Method
    /// 0…1; below `diarization.review_below` the call is flagged "do weryfikacji".
    public var confidence: Double
    /// Readable reasons, e.g. "S1: 'nazywam się' (2.1 s)".
    public var cues: [String]
    public var needsReview: Bool

    public init(method: Method, confidence: Double, cues: [String] = [], needsReview: Bool = false) {
        self.method = method
        self.confidence = confidence
        self.cues = cues
        self.needsReview = needsReview
    }
}

/// One party's share of the call.
public struct SpeakerStats: Codable, Sendable, Equatable {
    public var speaker: String
    /// Seconds this speaker talks (overlaps count for both).
    public var talkTime: Double
    /// talkTime over the sum of all speakers' talk time.
    public var talkShare: Double
    public var utterances: Int
    public var words: Int
    /// Times this speaker started talking over the other.
    public var interruptions: Int

    public init(speaker: String, talkTime: Double, talkShare: Double, utterances: Int, words: Int, interruptions: Int) {
        self.speaker = speaker
        self.talkTime = talkTime
        self.talkShare = talkShare
        self.utterances = utterances
        self.words = words
        self.interruptions = interruptions
    }
}

/// An interruption: `by` started talking at `at` while `of` was still speaking.
public struct Interruption: Codable, Sendable, Equatable {
    public var by: String
    public var of: String
    public var at: Double

    public init(by: String, of: String, at: Double) {
        self.by = by
        self.of = of
        self.at = at
    }
}

/// Talk analytics of a call, all derived from the utterances and speaker segments.
public struct TalkStats: Codable, Sendable, Equatable {
    public var duration: Double
    public var speakers: [SpeakerStats]
    /// Both parties talking.
    public var overlaps: [Span]
    public var interruptions: [Interruption]
    /// Nobody talking for at least `silenceMinimum` seconds.
    public var silences: [Span]
    /// Silences long enough to be a hold (at least `holdMinimum` seconds).
    public var holds: [Span]
    public var longestSilence: Double
    /// KONSULTANT talk time over KLIENT talk time, when both roles are known.
    public var talkListenRatio: Double?

    public init(
        duration: Double, speakers: [SpeakerStats], overlaps: [Span], interruptions: [Interruption], silences: [Span],
        holds: [Span], longestSilence: Double, talkListenRatio: Double?
    ) {
        self.duration = duration
        self.speakers = speakers
        self.overlaps = overlaps
        self.interruptions = interruptions
        self.silences = silences
        self.holds = holds
        self.longestSilence = longestSilence
        self.talkListenRatio = talkListenRatio
    }
}

/// The contents of `analysis.json`: diarization, utterances, roles and talk analytics of one call.
public struct Analysis: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public enum Method: String, Codable, Sendable {
        /// One party per channel of a stereo recording.
        case channels
        /// Neural diarization of a mono recording (segmentation + speaker embeddings + clustering).
        case neural
        /// Everything in one speaker (diarization off, or too little speech).
        case single
    }

    public var schemaVersion: Int
    public var method: Method
    public var speakers: [Speaker]
    /// The diarizer's own output, kept as it was for measuring and re-merging.
    public var segments: [SpeakerSegment]
    public var utterances: [Utterance]
    public var roles: RoleDecision
    public var stats: TalkStats
    /// Sentiment over the call, per party (the sentiment stage; nil before it ran).
    public var sentiment: CallSentiment?

    public init(
        method: Method, speakers: [Speaker], segments: [SpeakerSegment], utterances: [Utterance], roles: RoleDecision,
        stats: TalkStats
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.method = method
        self.speakers = speakers
        self.segments = segments
        self.utterances = utterances
        self.roles = roles
        self.stats = stats
    }

    public func speaker(_ id: String) -> Speaker? { speakers.first { $0.id == id } }

    public func role(of speakerID: String) -> Role? { speaker(speakerID)?.role }

    /// The call's words as utterances, in the shape of a transcript (one segment per utterance), so scoring,
    /// the site and search read the corrected, speaker-attributed text.
    public func transcript(basedOn original: Transcript) -> Transcript {
        let segments = utterances.map { Segment(id: $0.id, start: $0.start, end: $0.end, text: $0.text, words: $0.words) }
        var result = original
        result.segments = segments
        result.text = utterances.map(\.text).joined(separator: " ")
        return result
    }

    /// The role of every word of `transcript(basedOn:)`, in order.
    public var wordRoles: [Role?] {
        utterances.flatMap { utterance in
            Array(repeating: role(of: utterance.speaker), count: utterance.words.count)
        }
    }
}

/// Thresholds of the talk analytics (`diarization:` in `sor.yaml`).
public struct TalkParameters: Codable, Sendable, Equatable {
    /// A pause of one speaker longer than this starts a new utterance of the same speaker.
    public var utteranceGap: Double
    /// Nobody talking for at least this long is a silence.
    public var silenceMinimum: Double
    /// A silence at least this long is a hold.
    public var holdMinimum: Double
    /// An overlapping utterance at most this long ("aha", "mhm") is a backchannel, not an interruption.
    public var backchannelMaximum: Double

    public init(utteranceGap: Double = 1.5, silenceMinimum: Double = 3, holdMinimum: Double = 20, backchannelMaximum: Double = 1.0) {
        self.utteranceGap = utteranceGap
        self.silenceMinimum = silenceMinimum
        self.holdMinimum = holdMinimum
        self.backchannelMaximum = backchannelMaximum
    }
}

// `Analysis.recomputed(_:duration:)` lives with the talk analytics in TalkAnalyzer.swift.
