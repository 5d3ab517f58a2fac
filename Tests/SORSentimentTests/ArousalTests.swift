import Foundation
import Testing
@testable import SORCore
@testable import SORSentiment

@Suite("Arousal and emotion")
struct ArousalTests {
    static func acoustics(loudness: Double = -22, pitch: Double? = 120, range: Double? = 5, brightness: Double = -9) -> UtteranceAcoustics {
        UtteranceAcoustics(voiced: 1.5, loudness: loudness, pitch: pitch, pitchRange: range, brightness: brightness)
    }

    /// Six calm utterances of one speaker, small natural variation, and one raised: louder, higher, wider, brighter.
    static let calm: [UtteranceAcoustics] = [(-22.0, 118.0), (-21.0, 124.0), (-23.0, 121.0), (-22.5, 116.0), (-21.5, 122.0), (-22.0, 119.0)]
        .map { acoustics(loudness: $0.0, pitch: $0.1) }
    static let raised = acoustics(loudness: -14, pitch: 165, range: 9, brightness: -6)

    static func measured(_ list: [UtteranceAcoustics], interruption: Bool = false) -> [ArousalModel.Measured] {
        list.map { ArousalModel.Measured(acoustics: $0, rate: nil, interruption: interruption) }
    }

    @Test("a raised utterance stands out against the same speaker's calm ones, with the features that made it")
    func raisedVoice() throws {
        let results = ArousalModel.arousal(of: Self.measured(Self.calm + [Self.raised]))
        let values = results.map { $0!.value }
        #expect(values.last! > 0.6, "\(values)")
        #expect(values.dropLast().allSatisfy { abs($0) < 0.25 }, "\(values)")
        let features = try #require(results.last??.features)
        #expect(features.baseline == .speaker)
        #expect(features.loudness > 5 && (features.pitch ?? 0) > 4 && (features.pitchRange ?? 0) > 2, "\(features)")
    }

    @Test("a loud speaker is not an angry one: the same call 10 dB louder has the same arousal")
    func loudSpeaker() {
        let louder = (Self.calm + [Self.raised]).map { acoustics -> UtteranceAcoustics in
            var acoustics = acoustics
            acoustics.loudness += 10
            return acoustics
        }
        let a = ArousalModel.arousal(of: Self.measured(Self.calm + [Self.raised])).map { $0!.value }
        let b = ArousalModel.arousal(of: Self.measured(louder)).map { $0!.value }
        #expect(a == b)
    }

    @Test("a lone utterance is compared with typical speech, and still orders a speaker's calm and raised voice")
    func lone() throws {
        let calm = try #require(ArousalModel.arousal(of: Self.measured([Self.calm[0]]))[0])
        let raised = try #require(ArousalModel.arousal(of: Self.measured([Self.raised]))[0])
        #expect(calm.features.baseline == .population && raised.features.baseline == .population)
        #expect(raised.value > calm.value + 0.3, "\(calm.value) \(raised.value)")
        #expect(calm.features.loudness == 0, "a recording's level alone says nothing")
    }

    @Test("an interruption raises arousal, talking over the other less; too little voiced speech is not measured; faster speech counts")
    func interruptionsAndRate() {
        let plain = ArousalModel.arousal(of: Self.measured(Self.calm))
        let interrupting = ArousalModel.arousal(of: Self.measured(Self.calm, interruption: true))
        let overlapping = ArousalModel.arousal(of: Self.calm.map { ArousalModel.Measured(acoustics: $0, rate: nil, interruption: false, overlap: true) })
        #expect(zip(plain, overlapping).allSatisfy { $1!.value > $0!.value })
        #expect(zip(overlapping, interrupting).allSatisfy { $1!.value > $0!.value })
        #expect(overlapping.allSatisfy { $0?.features.overlap == true } && interrupting.allSatisfy { $0?.features.overlap == nil })
        var short = Self.calm[0]
        short.voiced = 0.1
        #expect(ArousalModel.arousal(of: Self.measured([short]))[0] == nil)
        let rates = [5.0, 5.2, 4.9, 5.1, 7.5].map { ArousalModel.Measured(acoustics: Self.calm[0], rate: $0, interruption: false) }
        let byRate = ArousalModel.arousal(of: rates).map { $0! }
        #expect(byRate[4].value > byRate[0].value + 0.05 && (byRate[4].features.rate ?? 0) > 30, "\(byRate)")
    }

    @Test("speaking rate: vowel groups per second, one syllable for \"nie\" and \"dzień\", nothing for a short word")
    func rate() {
        #expect(ArousalModel.rate(text: "Dzień dobry, nie wiem", start: 0, end: 1) == 5)
        #expect(ArousalModel.rate(text: "tak", start: 0, end: 1) == nil)
        #expect(ArousalModel.rate(text: "To jest bardzo długie zdanie", start: 0, end: 0.3) == nil)
    }

    @Test("emotion from valence and arousal", arguments: [
        (0.5, 0.0, Emotion.zadowolony), (0.0, 0.0, .spokojny), (0.0, 0.7, .pobudzony), (-0.5, 0.0, .niezadowolony),
        (-0.5, 0.3, .zirytowany), (-0.5, 0.7, .zły),
    ])
    func emotion(valence: Double, arousal: Double, expected: Emotion) {
        #expect(Emotion.of(valence: valence, arousal: arousal) == expected)
    }

    @Test("a call: each utterance gets arousal against its own speaker, and each party an emotion per quarter with reasons")
    func call() throws {
        let analyzer = try SentimentAnalyzer.bundled("pl")
        let lines: [(String, String, UtteranceAcoustics, Bool)] = [
            ("S1", "Dzień dobry, w czym mogę pomóc?", Self.acoustics(pitch: 200), false),
            ("S2", "Dzień dobry, dzwonię w sprawie zamówienia.", Self.calm[0], false),
            ("S1", "Proszę podać numer zamówienia.", Self.acoustics(pitch: 205), false),
            ("S2", "Numer to dwanaście trzydzieści cztery.", Self.calm[1], false),
            ("S1", "Widzę, że paczka jest w drodze.", Self.acoustics(pitch: 198), false),
            ("S2", "Znowu to samo, to skandal, jestem wściekły!", Self.raised, true),
            ("S1", "Przepraszam, sprawdzę to jeszcze raz.", Self.acoustics(pitch: 202), false),
            ("S2", "Nie obchodzi mnie to, złożę reklamację!", Self.raised, true),
        ]
        var analysis = Analysis(
            method: .channels, speakers: [Speaker(id: "S1", role: .konsultant, channel: 0), Speaker(id: "S2", role: .klient, channel: 1)],
            segments: [],
            utterances: lines.enumerated().map { index, line in
                var utterance = Utterance(
                    id: index, speaker: line.0, start: Double(index) * 4, end: Double(index) * 4 + 3.5, text: line.1, words: [],
                    interruption: line.3)
                utterance.acoustics = line.2
                utterance.sentiment = analyzer.analyze(line.1, party: line.0 == "S1" ? .konsultant : .klient)
                return utterance
            },
            roles: RoleDecision(method: .channelMap, confidence: 1, cues: [], needsReview: false),
            stats: TalkStats(duration: 32, speakers: [], overlaps: [], interruptions: [], silences: [], holds: [], longestSilence: 0, talkListenRatio: nil))
        ArousalModel.apply(to: &analysis)
        let klient = analysis.utterances.filter { $0.speaker == "S2" }
        #expect(klient.suffix(2).allSatisfy { ($0.sentiment?.arousal ?? 0) > 0.45 && $0.sentiment?.emotion == .zły }, "\(klient.map(\.sentiment))")
        #expect(klient.prefix(2).allSatisfy { ($0.sentiment?.arousal ?? 1) < 0.12 && $0.sentiment?.emotion == .spokojny })
        // The consultant's high voice is her usual: not aroused.
        #expect(analysis.utterances.filter { $0.speaker == "S1" }.allSatisfy { abs($0.sentiment?.arousal ?? 1) < 0.2 })

        let summary = try #require(CallSentimentSummary.summarize(analysis, lexicon: "pl-test"))
        let stretches = try #require(summary.klient?.stretches)
        #expect(stretches.first?.emotion == .spokojny && stretches.last?.emotion == .zły, "\(stretches)")
        let last = try #require(stretches.last)
        #expect(last.interruptions == 1)
        #expect(last.reasons.contains { $0.hasPrefix("głośniej niż zwykle o ") }, "\(last.reasons)")
        #expect(last.reasons.contains { $0.hasPrefix("głos wyżej niż zwykle") }, "\(last.reasons)")
        #expect(last.reasons.contains("1 wejście w słowo"), "\(last.reasons)")
        #expect(last.reasons.contains { $0.hasPrefix("negatywne słowa: ") }, "\(last.reasons)")
        #expect(summary.klient?.emotion != nil && summary.overall.stretches == nil)
        #expect(summary.konsultant?.stretches?.allSatisfy { $0.emotion != .zły && $0.emotion != .pobudzony } == true)
    }
}
