import Foundation
import SORCore

/// Sentiment over a call from its utterances' sentiment: per party and overall, per quarter of the conversation,
/// the change from the start to the end, and the most negative and most positive moments (the shape contact-centre
/// analytics report: Amazon Transcribe Call Analytics, NICE).
public enum CallSentimentSummary {
    /// `nil` when no utterance has a sentiment yet.
    public static func summarize(_ analysis: Analysis, lexicon: String) -> CallSentiment? {
        let scored = analysis.utterances.filter { $0.sentiment != nil && $0.speaker != SpeakerSegment.announcement }
        guard !scored.isEmpty else { return nil }
        let start = analysis.utterances.answered
        let end = max(scored.map(\.end).max() ?? start, start + 1)
        func party(_ utterances: [Utterance]) -> PartySentiment? {
            guard !utterances.isEmpty else { return nil }
            return summary(utterances, from: start, to: end)
        }
        return CallSentiment(
            overall: summary(scored, from: start, to: end),
            klient: party(scored.filter { analysis.role(of: $0.speaker) == .klient }),
            konsultant: party(scored.filter { analysis.role(of: $0.speaker) == .konsultant }),
            lexicon: lexicon)
    }

    /// Weighted by words: a long complaint counts more than a short "tak".
    static func mean(_ utterances: [Utterance]) -> Double? {
        var total = 0.0
        var weight = 0.0
        for utterance in utterances {
            guard let sentiment = utterance.sentiment else { continue }
            let words = Double(max(1, utterance.words.count))
            total += sentiment.score * words
            weight += words
        }
        return weight > 0 ? total / weight : nil
    }

    static func summary(_ utterances: [Utterance], from start: Double, to end: Double) -> PartySentiment {
        let score = mean(utterances) ?? 0
        var quarters: [[Utterance]] = Array(repeating: [], count: 4)
        for utterance in utterances {
            let middle = (utterance.start + utterance.end) / 2
            let index = min(3, max(0, Int((middle - start) / (end - start) * 4)))
            quarters[index].append(utterance)
        }
        let quarterScores = quarters.map { mean($0).map(rounded) }
        let present = quarterScores.compactMap { $0 }
        let change = present.count >= 2 ? present.last! - present.first! : 0
        let ordered = utterances.compactMap { utterance in utterance.sentiment.map { (utterance, $0.score) } }
        let negative = ordered.filter { $0.1 < 0 }.min { $0.1 < $1.1 }
        let positive = ordered.filter { $0.1 > 0 }.max { $0.1 < $1.1 }
        let moment = { (pair: (Utterance, Double)) in
            SentimentMoment(utterance: pair.0.id, start: pair.0.start, score: pair.1, text: String(pair.0.text.prefix(160)))
        }
        // A party's label: mixed when it had both clearly negative and clearly positive utterances and neither side
        // dominates the mean.
        let strongNegative = ordered.contains { $0.1 <= -0.5 }
        let strongPositive = ordered.contains { $0.1 >= 0.5 }
        let label: SentimentLabel
        if strongNegative && strongPositive && abs(score) < 0.15 {
            label = .mieszany
        } else if score >= 0.1 {
            label = .pozytywny
        } else if score <= -0.1 {
            label = .negatywny
        } else {
            label = .neutralny
        }
        return PartySentiment(
            score: rounded(score), label: label, quarters: quarterScores, change: rounded(change),
            mostNegative: negative.map(moment), mostPositive: positive.map(moment), utterances: utterances.count)
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
