import Foundation

/// What an utterance expresses, as the text shows it.
public enum SentimentLabel: String, Codable, Sendable, CaseIterable {
    case negatywny
    case neutralny
    case pozytywny
    /// Strong positive and strong negative cues together ("dziękuję, ale nadal jestem niezadowolony").
    case mieszany

    /// The three-class view (mixed counted as its stronger side), given the score.
    public func polarity(score: Double) -> SentimentLabel {
        guard self == .mieszany else { return self }
        return score >= 0 ? .pozytywny : .negatywny
    }
}

/// One word or phrase that moved the score, with its weight after negation, intensifiers and contrast.
public struct SentimentCue: Codable, Sendable, Equatable {
    /// The words as spoken.
    public var text: String
    public var weight: Double
    /// How the lexicon's weight was changed: "negated", "intensified", "diminished", "after contrast",
    /// "before contrast", "question".
    public var rules: [String]

    public init(text: String, weight: Double, rules: [String] = []) {
        self.text = text
        self.weight = weight
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey { case text, weight, rules }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text = try container.decode(String.self, forKey: .text)
        weight = try container.decode(Double.self, forKey: .weight)
        rules = try container.decodeIfPresent([String].self, forKey: .rules) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(weight, forKey: .weight)
        if !rules.isEmpty { try container.encode(rules, forKey: .rules) }
    }
}

/// The sentiment of one utterance: a score in [-1, 1], a label and the cues that decided it.
public struct UtteranceSentiment: Codable, Sendable, Equatable {
    public var score: Double
    public var label: SentimentLabel
    public var cues: [SentimentCue]
    /// How raised the voice was against the speaker's usual in the call, in [-1, 1] (0: as usual); nil where the
    /// audio was not measured.
    public var arousal: Double?
    public var arousalFeatures: ArousalFeatures?
    /// Text and voice together.
    public var emotion: Emotion?
    /// The optional LLM judge's emotion and quote (`sentiment.judge` in sor.yaml), beside the lexicon's, never instead.
    public var judge: EmotionJudgement?

    public init(score: Double, label: SentimentLabel, cues: [SentimentCue]) {
        self.score = score
        self.label = label
        self.cues = cues
    }
}

/// A moment of the call worth looking at: the most negative or most positive utterance of a party.
public struct SentimentMoment: Codable, Sendable, Equatable {
    public var utterance: Int
    public var start: Double
    public var score: Double
    public var text: String

    public init(utterance: Int, start: Double, score: Double, text: String) {
        self.utterance = utterance
        self.start = start
        self.score = score
        self.text = text
    }
}

/// Sentiment over the call for one party (or for the whole call).
public struct PartySentiment: Codable, Sendable, Equatable {
    /// Mean of its utterances' scores, weighted by their number of words.
    public var score: Double
    public var label: SentimentLabel
    /// Per quarter of the conversation (after any announcement): nil where the party said nothing.
    public var quarters: [Double?]
    /// Last quarter with speech minus first quarter with speech: positive when it got better.
    public var change: Double
    public var mostNegative: SentimentMoment?
    public var mostPositive: SentimentMoment?
    public var utterances: Int
    /// Mean arousal of the measured utterances; nil where none was measured.
    public var arousal: Double?
    /// Text and voice together over all of it.
    public var emotion: Emotion?
    /// The emotion per quarter of the conversation where the party spoke, with its reasons.
    public var stretches: [EmotionStretch]?

    public init(
        score: Double, label: SentimentLabel, quarters: [Double?], change: Double, mostNegative: SentimentMoment?,
        mostPositive: SentimentMoment?, utterances: Int
    ) {
        self.score = score
        self.label = label
        self.quarters = quarters
        self.change = change
        self.mostNegative = mostNegative
        self.mostPositive = mostPositive
        self.utterances = utterances
    }

}

/// The call's sentiment: overall, per role, and which lexicon made it.
public struct CallSentiment: Codable, Sendable, Equatable {
    public var overall: PartySentiment
    /// Speakers without a role count only in `overall`.
    public var klient: PartySentiment?
    public var konsultant: PartySentiment?
    /// The lexicon's language and version, so a call scored with an older lexicon can be told apart.
    public var lexicon: String

    public init(overall: PartySentiment, klient: PartySentiment?, konsultant: PartySentiment?, lexicon: String) {
        self.overall = overall
        self.klient = klient
        self.konsultant = konsultant
        self.lexicon = lexicon
    }

    public subscript(role: Role) -> PartySentiment? { role == .klient ? klient : konsultant }
}
