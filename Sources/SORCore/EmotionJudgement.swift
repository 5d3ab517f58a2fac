import Foundation

/// A language model's opinion of the emotion an utterance shows, with the words of the utterance that show it.
/// It sits beside the lexicon's sentiment and never changes its score or label.
public struct EmotionJudgement: Codable, Sendable, Equatable {
    /// The emotions a judge may name, calmest first. A reply with any other is dropped.
    public static let emotions = ["spokojny", "zadowolony", "neutralny", "zaniepokojony", "zdezorientowany", "zirytowany", "zły", "smutny"]

    /// One of `emotions`.
    public var emotion: String
    /// Words copied from the utterance's text (checked to be there, ignoring case).
    public var quote: String
    /// The model that judged it, as sent to the endpoint.
    public var model: String
    /// `EmotionJudgement.fingerprint(of:)` of the text judged: a judgement whose text was since corrected is stale.
    public var textHash: String

    public init(emotion: String, quote: String, model: String, judged text: String) {
        self.emotion = emotion
        self.quote = quote
        self.model = model
        self.textHash = Self.fingerprint(of: text)
    }

    /// Whether this judgement was made of `text` as it reads now.
    public func judges(_ text: String) -> Bool { textHash == Self.fingerprint(of: text) }

    /// FNV-1a (64-bit) of the text's UTF-8, in hex: stable across runs and platforms (Swift's `hashValue` is
    /// seeded per process), and it keeps no second copy of what was said.
    public static func fingerprint(of text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
