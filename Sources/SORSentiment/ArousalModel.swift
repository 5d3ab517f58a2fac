import Foundation
import SORCore

/// Acoustic arousal of utterances from their measured acoustics (`ProsodyMeter`), their speaking rate, and
/// interruptions and overlaps, each relative to the same speaker's usual in the call.
///
/// Every feature is a distance from a baseline in its own unit (dB, semitones, percent), divided by the change that
/// counts as one step (`…Step`), weighted and squashed into [-1, 1] with tanh. The baseline is the speaker's usual
/// voice in the call: the 30th percentile of their measured utterances, each feature apart (their calmer level, not
/// the median, so a client angry for half the call still stands out); a speaker with few utterances is compared
/// partly with typical values of real Polish speech instead (`population`), the weight of their own moving from 0
/// (one utterance) towards 1 as k / (k + 2) for k other utterances. So a loud speaker is not an angry one, and a lone utterance still gets a
/// value that orders the same speaker's calm and raised voice.
public enum ArousalModel {
    /// A baseline's values. The population's come from the 44 real Polish recordings of `../shared/data/commonvoice-pl`
    /// (25 speakers, read speech, mixed microphones), measured with `sor arousal --json` on 2026-12-02: the medians of
    /// pitch range (5.9 st) and brightness (−8.4 dB); for pitch, the midpoint in semitones of its men's median
    /// (110 Hz) and its women's (185 Hz), 143 Hz, since the set is mostly men; for rate, 5.5 syllables per second, a
    /// usual conversational Polish rate (read sentences are no measure of it). Loudness has no population value:
    /// a recording's level says nothing about a voice, so loudness counts only against the speaker's own.
    public struct Norms: Sendable {
        public var loudness: Double?
        public var pitch: Double
        public var pitchRange: Double
        public var brightness: Double
        /// Syllables per second.
        public var rate: Double
    }

    public static let population = Norms(loudness: nil, pitch: 143, pitchRange: 5.9, brightness: -8.4, rate: 5.5)

    /// What one step of arousal is, per feature, and how much each counts.
    static let loudnessStep = 6.0, pitchStep = 3.0, rangeStep = 4.0, brightnessStep = 3.0, rateStep = 0.25
    static let loudnessWeight = 0.3, pitchWeight = 0.3, rangeWeight = 0.15, brightnessWeight = 0.15, rateWeight = 0.1
    static let interruptionWeight = 0.3
    /// Talking over the other party without having cut in (they started over this speaker, or both at once).
    static let overlapWeight = 0.1
    /// Which percentile of a speaker's utterances is their usual voice.
    static let baselinePercentile = 0.3
    /// Less voiced speech than this is too little to measure.
    public static let minimumVoiced = 0.2

    /// One utterance's measurements.
    public struct Measured: Sendable {
        public var acoustics: UtteranceAcoustics?
        /// Syllables per second (nil: no text, or too short to say).
        public var rate: Double?
        public var interruption: Bool
        public var overlap: Bool

        public init(acoustics: UtteranceAcoustics?, rate: Double?, interruption: Bool, overlap: Bool = false) {
            self.acoustics = acoustics
            self.rate = rate
            self.interruption = interruption
            self.overlap = overlap
        }

        var usable: Bool { (acoustics?.voiced ?? 0) >= ArousalModel.minimumVoiced }
    }

    /// Each item's arousal and features, the items taken as one speaker's (nil where it cannot be measured).
    public static func arousal(of items: [Measured]) -> [(value: Double, features: ArousalFeatures)?] {
        let usable = items.filter(\.usable)
        // The speaker's calmer level (`baselinePercentile`): a client angry for half the call must stand out.
        func usual(_ values: [Double]) -> Double? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let position = baselinePercentile * Double(sorted.count - 1)
            let lower = Int(position)
            let upper = min(sorted.count - 1, lower + 1)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
        }
        let own = Norms(
            loudness: usual(usable.compactMap { $0.acoustics?.loudness }),
            pitch: usual(usable.compactMap { $0.acoustics?.pitch }) ?? population.pitch,
            pitchRange: usual(usable.compactMap { $0.acoustics?.pitchRange }) ?? population.pitchRange,
            brightness: usual(usable.compactMap { $0.acoustics?.brightness }) ?? population.brightness,
            rate: usual(usable.compactMap(\.rate)) ?? population.rate)
        let others = Double(max(0, usable.count - 1))
        let weight = others / (others + 2)
        return items.map { item in
            guard item.usable, let acoustics = item.acoustics else { return nil }
            func blend(_ against: (Norms) -> Double?) -> Double? {
                guard let mine = against(own), let typical = against(population) else { return nil }
                return weight * mine + (1 - weight) * typical
            }
            let loudness = weight * (acoustics.loudness - (own.loudness ?? acoustics.loudness))
            let brightness = blend { acoustics.brightness - $0.brightness }!
            let pitch = acoustics.pitch.flatMap { hz in blend { 12 * log2(hz / $0.pitch) } }
            let range = acoustics.pitchRange.flatMap { semitones in blend { semitones - $0.pitchRange } }
            let rate = item.rate.flatMap { rate in blend { log(rate / $0.rate) } }
            var sum = loudnessWeight * loudness / loudnessStep + brightnessWeight * brightness / brightnessStep
            if let pitch { sum += pitchWeight * pitch / pitchStep }
            if let range { sum += rangeWeight * range / rangeStep }
            if let rate { sum += rateWeight * rate / rateStep }
            if item.interruption {
                sum += interruptionWeight
            } else if item.overlap {
                sum += overlapWeight
            }
            let features = ArousalFeatures(
                baseline: weight >= 0.5 ? .speaker : .population, loudness: rounded(loudness, 10),
                pitch: pitch.map { rounded($0, 10) }, pitchRange: range.map { rounded($0, 10) },
                brightness: rounded(brightness, 10), rate: rate.map { rounded((exp($0) - 1) * 100, 1) },
                interruption: item.interruption, overlap: item.overlap)
            return (rounded(tanh(sum), 1000), features)
        }
    }

    /// Syllables per second of an utterance's text over its span: vowel groups counted as syllables (Polish
    /// "nie", "dzień" are one), nil for fewer than four or under 0.6 s.
    public static func rate(text: String, start: Double, end: Double) -> Double? {
        let vowels = Set("aąeęioóuyáéíú")
        var syllables = 0
        var inVowel = false
        for character in text.lowercased() {
            let vowel = vowels.contains(character)
            if vowel && !inVowel { syllables += 1 }
            inVowel = vowel
        }
        let seconds = end - start
        guard syllables >= 4, seconds >= 0.6 else { return nil }
        return Double(syllables) / seconds
    }

    /// Sets every utterance's arousal, its features and its emotion (text and voice), speaker by speaker.
    public static func apply(to analysis: inout Analysis) {
        let bySpeaker = Dictionary(grouping: analysis.utterances.indices) { analysis.utterances[$0].speaker }
        for (speaker, indices) in bySpeaker {
            let measured = indices.map { index -> Measured in
                let utterance = analysis.utterances[index]
                return Measured(
                    acoustics: speaker == SpeakerSegment.announcement ? nil : utterance.acoustics,
                    rate: rate(text: utterance.text, start: utterance.start, end: utterance.end),
                    interruption: utterance.interruption, overlap: utterance.overlap)
            }
            for (index, result) in zip(indices, arousal(of: measured)) {
                guard var sentiment = analysis.utterances[index].sentiment else { continue }
                sentiment.arousal = result?.value
                sentiment.arousalFeatures = result?.features
                sentiment.emotion = Emotion.of(valence: sentiment.score, arousal: result?.value)
                analysis.utterances[index].sentiment = sentiment
            }
        }
    }

    static func rounded(_ value: Double, _ scale: Double) -> Double { (value * scale).rounded() / scale }
}
