import Foundation

/// One recognised word with its time span in seconds from the start of the call.
public struct Word: Codable, Sendable, Equatable {
    public var text: String
    public var start: Double
    public var end: Double
    /// The engine's confidence in 0…1, where it reports one.
    public var probability: Double?

    public init(text: String, start: Double, end: Double, probability: Double? = nil) {
        self.text = text
        self.start = start
        self.end = end
        self.probability = probability
    }
}

extension Word {
    /// Words joined with single spaces; each word's own whitespace (Whisper's leading space) is trimmed.
    public static func text(of words: [Word]) -> String {
        words.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// `tokens`, as a person wrote them, in place of `words`. With as many tokens as words each keeps its word's
    /// timing (a fixed typo does not move the player's highlight) and a changed word gets probability 1;
    /// otherwise the tokens share `start…end` in proportion to their length, all with probability 1.
    public static func retexted(_ words: [Word], to tokens: [String], start: Double, end: Double) -> [Word] {
        if tokens.count == words.count {
            var words = words
            for index in tokens.indices where words[index].text.trimmingCharacters(in: .whitespaces) != tokens[index] {
                words[index].text = " " + tokens[index]
                words[index].probability = 1
            }
            return words
        }
        let end = max(end, start)
        let total = Double(tokens.reduce(0) { $0 + $1.count + 1 })
        func millis(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
        var cursor = start
        return tokens.map { token in
            let length = (end - start) * Double(token.count + 1) / total
            defer { cursor += length }
            return Word(text: " " + token, start: millis(cursor), end: millis(cursor + length), probability: 1)
        }
    }
}

/// A stretch of speech as the engine segmented it, with its words.
public struct Segment: Codable, Sendable, Equatable {
    public var id: Int
    public var start: Double
    public var end: Double
    public var text: String
    public var words: [Word]
    /// Mean log-probability of the segment's tokens (Whisper's `avg_logprob`).
    public var avgLogprob: Double?
    /// Probability that the segment holds no speech (Whisper's `no_speech_prob`).
    public var noSpeechProb: Double?

    public init(
        id: Int, start: Double, end: Double, text: String, words: [Word] = [],
        avgLogprob: Double? = nil, noSpeechProb: Double? = nil
    ) {
        self.id = id
        self.start = start
        self.end = end
        self.text = text
        self.words = words
        self.avgLogprob = avgLogprob
        self.noSpeechProb = noSpeechProb
    }
}

/// Which engine produced a transcript, so results can be compared across models.
public struct EngineInfo: Codable, Sendable, Equatable {
    public var endpoint: String
    public var model: String

    public init(endpoint: String, model: String) {
        self.endpoint = endpoint
        self.model = model
    }
}

/// The contents of `transcript.json`: what was said and when.
public struct Transcript: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var language: String
    public var duration: Double
    public var text: String
    public var segments: [Segment]
    public var engine: EngineInfo

    public init(language: String, duration: Double, text: String, segments: [Segment], engine: EngineInfo) {
        self.schemaVersion = Self.currentSchemaVersion
        self.language = language
        self.duration = duration
        self.text = text
        self.segments = segments
        self.engine = engine
    }

    /// Every word of the call in time order.
    public var words: [Word] { segments.flatMap(\.words) }
}
