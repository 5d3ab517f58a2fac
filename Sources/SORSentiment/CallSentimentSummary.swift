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
            return summary(utterances, from: start, to: end, stretches: true)
        }
        return CallSentiment(
            overall: summary(scored, from: start, to: end, stretches: false),
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

    /// Voiced time weighs arousal: a long raised complaint counts more than a loud "halo?".
    static func meanArousal(_ utterances: [Utterance]) -> Double? {
        var total = 0.0
        var weight = 0.0
        for utterance in utterances {
            guard let arousal = utterance.sentiment?.arousal, let voiced = utterance.acoustics?.voiced else { continue }
            total += arousal * voiced
            weight += voiced
        }
        return weight > 0 ? total / weight : nil
    }

    /// `stretches`: one party's, so the emotion per quarter is worth giving.
    static func summary(_ utterances: [Utterance], from start: Double, to end: Double, stretches: Bool) -> PartySentiment {
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
        var party = PartySentiment(
            score: rounded(score), label: label, quarters: quarterScores, change: rounded(change),
            mostNegative: negative.map(moment), mostPositive: positive.map(moment), utterances: utterances.count)
        party.arousal = meanArousal(utterances).map(rounded)
        party.emotion = Emotion.of(valence: score, arousal: party.arousal, polar: 0.1)
        if stretches {
            let length = (end - start) / 4
            party.stretches = quarters.enumerated().compactMap { quarter, spoken in
                guard let valence = mean(spoken) else { return nil }
                let arousal = meanArousal(spoken)
                return EmotionStretch(
                    quarter: quarter, start: rounded(start + Double(quarter) * length),
                    end: rounded(start + Double(quarter + 1) * length), emotion: Emotion.of(valence: valence, arousal: arousal, polar: 0.1),
                    valence: rounded(valence), arousal: arousal.map(rounded), interruptions: spoken.filter(\.interruption).count,
                    reasons: reasons(spoken, valence: valence))
            }
        }
        return party
    }

    /// What stood out in a stretch, in Polish, strongest first: voice features averaged over its measured
    /// utterances (only those past a noticeable step), interruptions, and the words that decided the text side.
    static func reasons(_ utterances: [Utterance], valence: Double) -> [String] {
        let features = utterances.compactMap { $0.sentiment?.arousalFeatures }
        var reasons: [String] = []
        func average(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        if !features.isEmpty {
            let usual = features.filter { $0.baseline == .speaker }.count * 2 >= features.count ? "niż zwykle" : "niż typowo"
            if let loudness = average(features.map(\.loudness)), abs(loudness) >= 3 {
                reasons.append((loudness > 0 ? "głośniej " : "ciszej ") + usual + " o \(Format.number(abs(loudness))) dB")
            }
            if let pitch = average(features.compactMap(\.pitch)), abs(pitch) >= 1.5 {
                reasons.append("głos " + (pitch > 0 ? "wyżej" : "niżej") + " \(usual) o \(Format.number(abs(pitch))) półt.")
            }
            if let range = average(features.compactMap(\.pitchRange)), abs(range) >= 2 {
                reasons.append((range > 0 ? "żywsza" : "bardziej monotonna") + " intonacja (\(Format.signed(range)) półt. zakresu)")
            }
            if let rate = average(features.compactMap(\.rate)), abs(rate) >= 15 {
                reasons.append((rate > 0 ? "szybsze" : "wolniejsze") + " tempo (\(Format.signed(rate)) %)")
            }
        }
        let interruptions = utterances.filter(\.interruption).count
        if interruptions > 0 {
            let few = (2...4).contains(interruptions % 10) && !(12...14).contains(interruptions % 100)
            reasons.append(interruptions == 1 ? "1 wejście w słowo" : "\(interruptions) " + (few ? "wejścia" : "wejść") + " w słowo")
        }
        if abs(valence) >= 0.1 {
            let all: [SentimentCue] = utterances.flatMap { $0.sentiment?.cues ?? [] }
            let sided = all.filter { (cue: SentimentCue) -> Bool in valence < 0 ? cue.weight < 0 : cue.weight > 0 }
            let cues = sided.sorted { (a: SentimentCue, b: SentimentCue) -> Bool in abs(a.weight) > abs(b.weight) }
            var seen = Set<String>()
            let words = cues.map { $0.text.lowercased() }.filter { seen.insert($0).inserted }.prefix(3)
            if !words.isEmpty {
                reasons.append((valence < 0 ? "negatywne słowa: " : "pozytywne słowa: ") + words.map { "„\($0)”" }.joined(separator: ", "))
            }
        }
        return reasons
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    /// Polish number formatting for reasons: a decimal comma, one digit after it where it matters.
    enum Format {
        static func number(_ value: Double) -> String {
            let text = value >= 10 ? String(Int(value.rounded())) : String(format: "%.1f", value)
            return text.replacingOccurrences(of: ".", with: ",").replacingOccurrences(of: ",0", with: "")
        }

        static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "−") + number(abs(value)) }
    }
}
