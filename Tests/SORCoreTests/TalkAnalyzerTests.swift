import Testing
@testable import SORCore

/// A word as Whisper writes it, with its leading space.
private func word(_ text: String, _ start: Double, _ end: Double) -> Word {
    Word(text: " \(text)", start: start, end: end)
}

/// An utterance of one placeholder word per second, which is all the flags and statistics look at.
private func turn(_ id: Int, _ speaker: String, _ start: Double, _ end: Double) -> Utterance {
    Utterance(id: id, speaker: speaker, start: start, end: end, text: "", words: [word("x", start, end)])
}

private func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

private func spans(_ list: [Span]) -> [[Double]] { list.map { [$0.start, $0.end] } }

@Suite("Talk analyzer")
struct TalkAnalyzerTests {
    let parameters = TalkParameters()  // gap 1.5 s, silence 3 s, hold 20 s, backchannel 1 s

    @Test("a word takes the segment it overlaps most, else the nearest within 1 s, else the previous word's")
    func assignment() {
        let segments = [
            SpeakerSegment(speaker: "S1", start: 0, end: 2),
            SpeakerSegment(speaker: "S2", start: 2.5, end: 4),
            SpeakerSegment(speaker: "S1", start: 8, end: 9),
        ]
        let words = [
            word("Dzień", 0.1, 0.5),  // inside S1
            word("dobry", 1.9, 2.8),  // S1 0.1 s, S2 0.3 s → S2
            word("tak", 4.6, 4.9),  // touches nothing; S2 ends 0.6 s before → S2
            word("mhm", 6.5, 6.7),  // S2 2.5 s away, S1 1.3 s away: both beyond 1 s → previous word's S2
            word("no", 7.2, 7.4),  // S1 starts 0.6 s after → S1
        ]
        #expect(TalkAnalyzer.assign(words: words, segments: segments) == ["S1", "S2", "S2", "S2", "S1"])
    }

    @Test("a first word far from every segment takes the first speaker; no segments at all gives S1")
    func assignmentFallbacks() {
        let segments = [SpeakerSegment(speaker: "S2", start: 0, end: 1), SpeakerSegment(speaker: "S1", start: 2, end: 3)]
        #expect(TalkAnalyzer.assign(words: [word("halo", 20, 21)], segments: segments) == ["S2"])
        #expect(TalkAnalyzer.assign(words: [word("halo", 0, 1), word("tak", 2, 3)], segments: []) == ["S1", "S1"])
    }

    @Test("an utterance is one speaker's run of words, split where that speaker pauses longer than the gap")
    func utteranceSplitting() {
        let words = [
            word("Dzień", 0, 0.5), word("dobry.", 0.6, 1.0),
            word("Słucham", 2.5, 3.0),  // 1.5 s pause: not longer than the gap, same utterance
            word("pana.", 5.0, 5.5),  // 2.0 s pause: a new utterance of S1
            word("Aha", 6.0, 6.3),  // S2
            word("dobrze", 6.4, 7.0),  // S1 again
        ]
        let speakers = ["S1", "S1", "S1", "S1", "S2", "S1"]
        let result = TalkAnalyzer.utterances(words: words, speakers: speakers, parameters: parameters)
        #expect(result.map(\.id) == [0, 1, 2, 3])
        #expect(result.map(\.speaker) == ["S1", "S1", "S2", "S1"])
        #expect(result.map(\.text) == ["Dzień dobry. Słucham", "pana.", "Aha", "dobrze"])
        #expect(result.map { [$0.start, $0.end] } == [[0, 3.0], [5.0, 5.5], [6.0, 6.3], [6.4, 7.0]])
        #expect(result[0].words.count == 3)
    }

    @Test("words out of time order are put in order before grouping")
    func unorderedWords() {
        let words = [word("dobry", 0.6, 1.0), word("Dzień", 0, 0.5)]
        let result = TalkAnalyzer.utterances(words: words, speakers: ["S1", "S1"], parameters: parameters)
        #expect(result.map(\.text) == ["Dzień dobry"])
    }

    @Test("a backchannel overlaps but does not interrupt; a long turn over the other's speech interrupts")
    func overlapBackchannelInterruption() {
        let utterances = [
            turn(0, "S1", 0, 10),
            turn(1, "S2", 3.0, 3.4),  // "mhm": 0.4 s ≤ 1 s backchannel → overlap, no interruption
            turn(2, "S2", 6.0, 8.0),  // 2 s while S1 talks on 4 s more → interruption
            turn(3, "S2", 9.8, 11.5),  // S1 goes on only 0.2 s < 0.5 s → early start, overlap 0.2 s > 0.1 s
            turn(4, "S1", 11.45, 13),  // shares 0.05 s with S2: timing jitter, no overlap
        ]
        let flagged = TalkAnalyzer.flagged(utterances, parameters: parameters)
        #expect(flagged.map(\.overlap) == [true, true, true, true, false])
        #expect(flagged.map(\.interruption) == [false, false, true, false, false])

        let stats = TalkAnalyzer.stats(
            utterances: flagged, speakers: [Speaker(id: "S1"), Speaker(id: "S2")], duration: 13, parameters: parameters)
        #expect(stats.interruptions == [Interruption(by: "S2", of: "S1", at: 6.0)])
        #expect(stats.speakers.map(\.interruptions) == [0, 1])
        // Overlaps: [3.0, 3.4], [6, 8], [9.8, 10]; the 0.05 s at 11.45 is below 0.1 s.
        #expect(spans(stats.overlaps) == [[3.0, 3.4], [6, 8], [9.8, 10]])
    }

    @Test("the interrupted speaker is the one whose utterance was in progress, also in the utterance list order")
    func interruptionOfWhom() {
        // Given out of time order, as after a correction.
        let utterances = [turn(1, "S2", 2, 5), turn(0, "S1", 0, 6)]
        let flagged = TalkAnalyzer.flagged(utterances, parameters: parameters)
        #expect(flagged.map(\.interruption) == [true, false])
        let stats = TalkAnalyzer.stats(utterances: flagged, speakers: [], duration: 6, parameters: parameters)
        #expect(stats.interruptions == [Interruption(by: "S2", of: "S1", at: 2)])
        // Speakers not listed come in the order of the utterances.
        #expect(stats.speakers.map(\.speaker) == ["S2", "S1"])
    }

    @Test("silences are interior gaps of at least 3 s; holds at least 20 s; leading and trailing quiet is left out")
    func silencesAndHolds() {
        let utterances = [
            turn(0, "S1", 2, 5),  // 2 s before: leading, not counted
            turn(1, "S2", 5.5, 10),  // 0.5 s gap: no silence
            turn(2, "S1", 14, 20),  // 4 s gap: silence
            turn(3, "S2", 45, 50),  // 25 s gap: silence and hold; 10 s after it to the end: trailing
        ]
        let stats = TalkAnalyzer.stats(utterances: utterances, speakers: [], duration: 60, parameters: parameters)
        #expect(spans(stats.silences) == [[10, 14], [20, 45]])
        #expect(spans(stats.holds) == [[20, 45]])
        #expect(stats.longestSilence == 25)
        #expect(stats.duration == 60)
    }

    @Test("the longest silence counts any interior gap, even one too short to be a silence")
    func shortGapsOnly() {
        let utterances = [turn(0, "S1", 0, 5), turn(1, "S2", 6.2, 8), turn(2, "S1", 8.5, 9)]
        let stats = TalkAnalyzer.stats(utterances: utterances, speakers: [], duration: 9, parameters: parameters)
        #expect(stats.silences.isEmpty)
        #expect(close(stats.longestSilence, 1.2))
        #expect(TalkAnalyzer.stats(utterances: [], speakers: [], duration: 9, parameters: parameters).longestSilence == 0)
    }

    @Test("talk time is the union of a speaker's utterances; shares and the talk/listen ratio follow from it")
    func talkShares() {
        let utterances = [
            turn(0, "S1", 0, 6), turn(1, "S1", 5, 8),  // overlapping own utterances (after an edit): union 8 s, not 9
            turn(2, "S2", 8, 12),  // 4 s
            turn(3, "S1", 12, 14),  // S1 total 10 s
            turn(4, "S2", 13, 15),  // S2 total 6 s; overlaps S1 for 1 s, which counts for both
        ]
        let speakers = [Speaker(id: "S1", role: .konsultant), Speaker(id: "S2", role: .klient)]
        let stats = TalkAnalyzer.stats(utterances: utterances, speakers: speakers, duration: 15, parameters: parameters)
        #expect(stats.speakers.map(\.talkTime) == [10, 6])
        #expect(close(stats.speakers[0].talkShare, 10.0 / 16))
        #expect(close(stats.speakers[1].talkShare, 6.0 / 16))
        #expect(stats.speakers.map(\.utterances) == [3, 2])
        #expect(stats.speakers.map(\.words) == [3, 2])
        #expect(close(stats.talkListenRatio ?? 0, 10.0 / 6))

        let unlabelled = TalkAnalyzer.stats(
            utterances: utterances, speakers: [Speaker(id: "S1"), Speaker(id: "S2")], duration: 15,
            parameters: parameters)
        #expect(unlabelled.talkListenRatio == nil)
    }

    @Test("recomputing keeps utterance ids, re-sorts by time, re-derives texts, spans, flags and statistics")
    func recomputedKeepsIDs() {
        let before = Analysis(
            method: .neural, speakers: [Speaker(id: "S1", role: .konsultant), Speaker(id: "S2", role: .klient)],
            segments: [],
            utterances: [
                Utterance(id: 0, speaker: "S1", start: 0, end: 1, text: "stary tekst",
                          words: [word("Dzień", 0, 0.8), word("dobry", 0.9, 2.0)]),
                Utterance(id: 1, speaker: "S1", start: 3, end: 4, text: "w czym", words: [word("pomóc", 3, 4)]),
                // A correction moved this one earlier and gave it to S2; it now overlaps utterance 0 by 0.4 s.
                Utterance(id: 2, speaker: "S2", start: 6, end: 7, text: "aha", words: [word("aha", 1.5, 1.9)]),
                // Every word deleted.
                Utterance(id: 3, speaker: "S2", start: 8, end: 9, text: "nic", words: []),
            ],
            roles: RoleDecision(method: .manual, confidence: 1),
            stats: TalkAnalyzer.stats(utterances: [], speakers: [], duration: 0, parameters: parameters))
        let after = before.recomputed(parameters, duration: 10)
        #expect(after.utterances.map(\.id) == [0, 2, 1])
        #expect(after.utterances.map(\.text) == ["Dzień dobry", "aha", "pomóc"])
        #expect(after.utterances.map { [$0.start, $0.end] } == [[0, 2.0], [1.5, 1.9], [3, 4]])
        #expect(after.utterances.map(\.overlap) == [true, true, false])
        #expect(after.roles == before.roles)
        // S1: 2 s + 1 s; S2: 0.4 s; ratio 3 / 0.4 = 7.5.
        #expect(after.stats.speakers.map(\.speaker) == ["S1", "S2"])
        #expect(close(after.stats.speakers[0].talkTime, 3))
        #expect(close(after.stats.speakers[1].talkTime, 0.4))
        #expect(close(after.stats.talkListenRatio ?? 0, 7.5))
        #expect(after.stats.duration == 10)
    }

    @Test("one call end to end: words and segments become utterances with roles and statistics")
    func analyzeCall() {
        let words = [
            word("Dzień", 0, 0.3), word("dobry,", 0.3, 0.6), word("infolinia", 0.6, 0.9), word("Orange,", 0.9, 1.2),
            word("w", 1.2, 1.3), word("czym", 1.3, 1.5), word("mogę", 1.5, 1.8), word("pomóc?", 1.8, 2.1),
            word("Mam", 3.0, 3.2), word("problem", 3.2, 3.6), word("z", 3.6, 3.7), word("fakturą.", 3.7, 4.2),
        ]
        let segments = [SpeakerSegment(speaker: "S1", start: 0, end: 2.2), SpeakerSegment(speaker: "S2", start: 2.9, end: 4.3)]
        let analysis = TalkAnalyzer.analyze(
            words: words, segments: segments, duration: 5, method: .neural,
            roles: RoleLabeller.Parameters(companyNames: ["Orange"]))
        #expect(analysis.utterances.map(\.speaker) == ["S1", "S2"])
        #expect(analysis.utterances.map(\.text) == ["Dzień dobry, infolinia Orange, w czym mogę pomóc?", "Mam problem z fakturą."])
        #expect(analysis.role(of: "S1") == .konsultant)
        #expect(analysis.role(of: "S2") == .klient)
        #expect(analysis.roles.method == .lexical)
        // S1 2.1 s, S2 1.2 s.
        #expect(close(analysis.stats.talkListenRatio ?? 0, 2.1 / 1.2))
    }
}
