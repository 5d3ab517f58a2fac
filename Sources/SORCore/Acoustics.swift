import Foundation

/// How an utterance sounded, measured once from the audio when the call is processed. Kept in `analysis.json`, so a
/// correction (a moved utterance, an edited text) recomputes arousal without decoding the recording again.
public struct UtteranceAcoustics: Codable, Sendable, Equatable {
    /// Seconds of voiced speech (frames where a pitch was found).
    public var voiced: Double
    /// Mean power of its speech frames, dBFS.
    public var loudness: Double
    /// Median pitch of its voiced frames, Hz (nil when none was voiced).
    public var pitch: Double?
    /// Spread of the pitch: semitones between its 10th and 90th percentiles.
    public var pitchRange: Double?
    /// Spectral balance: power of the signal's first difference against the signal's own, dB. Raised vocal effort
    /// moves energy up the spectrum whatever the recording's gain, so this is the one level-free cue of effort.
    public var brightness: Double

    public init(voiced: Double, loudness: Double, pitch: Double?, pitchRange: Double?, brightness: Double) {
        self.voiced = voiced
        self.loudness = loudness
        self.pitch = pitch
        self.pitchRange = pitchRange
        self.brightness = brightness
    }
}

/// What made an utterance's arousal: each feature's distance from the baseline it was compared with.
public struct ArousalFeatures: Codable, Sendable, Equatable {
    /// What the utterance was compared with.
    public enum Baseline: String, Codable, Sendable {
        /// The same speaker's other utterances in the call (a loud speaker is not an angry one).
        case speaker
        /// Typical values of real Polish speech: the speaker said too little in the call to have a baseline.
        case population
    }

    public var baseline: Baseline
    /// Louder (+) or quieter (−) than the baseline, dB.
    public var loudness: Double
    /// Higher (+) or lower (−) pitch, semitones.
    public var pitch: Double?
    /// Wider (+) or narrower (−) pitch range, semitones.
    public var pitchRange: Double?
    /// More (+) or less (−) high-frequency energy, dB.
    public var brightness: Double
    /// Faster (+) or slower (−) speech, percent of the baseline's syllables per second.
    public var rate: Double?
    /// It started while the other party was speaking.
    public var interruption: Bool
    /// The other party spoke during part of it (without this one having cut in).
    public var overlap: Bool?

    public init(
        baseline: Baseline, loudness: Double, pitch: Double?, pitchRange: Double?, brightness: Double, rate: Double?,
        interruption: Bool, overlap: Bool = false
    ) {
        self.baseline = baseline
        self.loudness = loudness
        self.pitch = pitch
        self.pitchRange = pitchRange
        self.brightness = brightness
        self.rate = rate
        self.interruption = interruption
        self.overlap = overlap && !interruption ? true : nil
    }
}

/// An emotion from text valence and acoustic arousal together, in the words a Polish QA manager uses.
public enum Emotion: String, Codable, Sendable, CaseIterable {
    /// Neutral words, usual voice.
    case spokojny
    /// Positive words.
    case zadowolony
    /// Neutral words, clearly raised voice (loud, high, fast): worth listening to.
    case pobudzony
    /// Negative words, calm voice.
    case niezadowolony
    /// Negative words, somewhat raised voice.
    case zirytowany
    /// Negative words, strongly raised voice.
    case zły = "zły"

    /// Arousal at or above which a voice counts as strongly raised, and as somewhat raised.
    public static let strongArousal = 0.45
    public static let raisedArousal = 0.12

    /// `valence` is the text sentiment score; `arousal` nil where the audio gave nothing to measure. `polar` is
    /// the valence from which words count as positive or negative: 0.2 for an utterance (the label's threshold),
    /// 0.1 for a mean over a party or a stretch (as the party's label), where neutral utterances dilute it.
    public static func of(valence: Double, arousal: Double?, polar: Double = 0.2) -> Emotion {
        let arousal = arousal ?? 0
        if valence >= polar { return .zadowolony }
        if valence <= -polar {
            if arousal >= strongArousal { return .zły }
            return arousal >= raisedArousal ? .zirytowany : .niezadowolony
        }
        return arousal >= strongArousal ? .pobudzony : .spokojny
    }
}

/// One party's emotion over one stretch (a quarter) of the conversation, with what led to it.
public struct EmotionStretch: Codable, Sendable, Equatable {
    /// 0…3: which quarter of the conversation.
    public var quarter: Int
    public var start: Double
    public var end: Double
    public var emotion: Emotion
    /// The party's text sentiment over the stretch.
    public var valence: Double
    /// Mean arousal of its measured utterances (nil where none was measured).
    public var arousal: Double?
    public var interruptions: Int
    /// Why, in Polish: the features that stood out ("głośniej o 6 dB niż zwykle", "2 wejścia w słowo").
    public var reasons: [String]

    public init(
        quarter: Int, start: Double, end: Double, emotion: Emotion, valence: Double, arousal: Double?, interruptions: Int,
        reasons: [String]
    ) {
        self.quarter = quarter
        self.start = start
        self.end = end
        self.emotion = emotion
        self.valence = valence
        self.arousal = arousal
        self.interruptions = interruptions
        self.reasons = reasons
    }
}
