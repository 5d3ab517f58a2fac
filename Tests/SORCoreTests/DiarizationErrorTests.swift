import Foundation
import Testing
@testable import SORCore

private func seg(_ speaker: String, _ start: Double, _ end: Double) -> SpeakerSegment {
    SpeakerSegment(speaker: speaker, start: start, end: end)
}

private func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

/// `../shared/data/pyannote-ami-debug/` next to the package root (this file is in `Tests/SORCoreTests/`).
private let amiDebug = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("shared/data/pyannote-ami-debug")

@Suite("Diarization error rate")
struct DiarizationErrorTests {
    @Test("a perfect hypothesis has no error; the default ±0.25 s collar takes 0.25 s off each side of each boundary")
    func perfect() {
        let reference = [seg("A", 0, 5), seg("B", 5, 10)]
        let exact = DiarizationError.compute(reference: reference, hypothesis: reference, collar: 0)
        #expect(exact.der == 0)
        #expect(exact.scored == 10)
        let collared = DiarizationError.compute(reference: reference, hypothesis: reference)
        // Boundaries 0, 5 (twice), 10: out of [0, 10] go [0, 0.25], [4.75, 5.25], [9.75, 10] → 10 − 1 = 9 s.
        #expect(close(collared.scored, 9))
        #expect(collared.der == 0)
    }

    @Test("renamed speakers are mapped, not counted as errors")
    func permutation() {
        let reference = [seg("A", 0, 5), seg("B", 5, 10), seg("A", 10, 12)]
        let hypothesis = [seg("spk1", 0, 5), seg("spk0", 5, 10), seg("spk1", 10, 12)]
        let result = DiarizationError.compute(reference: reference, hypothesis: hypothesis, collar: 0)
        #expect(result.der == 0)
        #expect(result.mapping == ["A": "spk1", "B": "spk0"])
    }

    @Test("speech the hypothesis leaves out is missed")
    func pureMiss() {
        // Reference 10 s, hypothesis covers 6 of them: 4 s missed, DER 0.4.
        let result = DiarizationError.compute(reference: [seg("A", 0, 10)], hypothesis: [seg("A", 0, 6)], collar: 0)
        #expect(close(result.missed, 4))
        #expect(result.falseAlarm == 0 && result.confusion == 0)
        #expect(close(result.der, 0.4))
        #expect(close(result.missedFraction, 0.4))
    }

    @Test("speech the hypothesis adds is a false alarm")
    func pureFalseAlarm() {
        // 2 s of an extra speaker where the reference is quiet: 2 / 10.
        let result = DiarizationError.compute(
            reference: [seg("A", 0, 10)], hypothesis: [seg("X", 0, 10), seg("Y", 12, 14)], collar: 0)
        #expect(close(result.falseAlarm, 2))
        #expect(result.missed == 0 && result.confusion == 0)
        #expect(close(result.der, 0.2))
        #expect(result.mapping == ["A": "X"])
    }

    @Test("speech given to the wrong speaker is confusion")
    func confusion() {
        // Shared time: A–X 10, B–X 4, B–Y 6 → A↦X, B↦Y. In [10, 14] B is labelled X: 4 s of 20.
        let result = DiarizationError.compute(
            reference: [seg("A", 0, 10), seg("B", 10, 20)], hypothesis: [seg("X", 0, 14), seg("Y", 14, 20)], collar: 0)
        #expect(result.mapping == ["A": "X", "B": "Y"])
        #expect(close(result.confusion, 4))
        #expect(result.missed == 0 && result.falseAlarm == 0)
        #expect(close(result.der, 0.2))
        #expect(close(result.confusionFraction, 0.2))
    }

    @Test("overlapped reference speech counts once per speaker; one hypothesis speaker misses the second voice")
    func referenceOverlap() {
        // A talks 0–10, B 4–6 over A. Scored 10 + 2 = 12 s. In [4, 6] two reference speakers and one hypothesis
        // speaker (X ↦ A): 2 s missed, no confusion. DER 2 / 12.
        let result = DiarizationError.compute(
            reference: [seg("A", 0, 10), seg("B", 4, 6)], hypothesis: [seg("X", 0, 10)], collar: 0)
        #expect(close(result.scored, 12))
        #expect(close(result.missed, 2))
        #expect(result.confusion == 0 && result.falseAlarm == 0)
        #expect(close(result.der, 2.0 / 12))
    }

    @Test("a speaker's own overlapping segments count once")
    func selfOverlap() {
        let result = DiarizationError.compute(
            reference: [seg("A", 0, 6), seg("A", 4, 10)], hypothesis: [seg("X", 0, 10)], collar: 0)
        #expect(close(result.scored, 10))
        #expect(result.der == 0)
    }

    @Test("the collar hides a 0.2 s boundary shift that is confusion without it")
    func collar() {
        let reference = [seg("A", 0, 5), seg("B", 5, 10)]
        let hypothesis = [seg("A", 0, 5.2), seg("B", 5.2, 10)]
        // [5, 5.2] is B's speech labelled A: 0.2 s of 10.
        let bare = DiarizationError.compute(reference: reference, hypothesis: hypothesis, collar: 0)
        #expect(close(bare.confusion, 0.2))
        #expect(close(bare.der, 0.02))
        // ±0.25 s around 5 covers it.
        let collared = DiarizationError.compute(reference: reference, hypothesis: hypothesis, collar: 0.25)
        #expect(collared.der == 0)
    }

    @Test("more reference than hypothesis speakers, and the other way round")
    func unequalCounts() {
        // Three reference speakers, two hypothesis ones: X can stand for A or B, not both: 10 s of 30 confused.
        let three = DiarizationError.compute(
            reference: [seg("A", 0, 10), seg("B", 10, 20), seg("C", 20, 30)],
            hypothesis: [seg("X", 0, 20), seg("Y", 20, 30)], collar: 0)
        #expect(close(three.confusion, 10))
        #expect(close(three.der, 1.0 / 3))
        #expect(three.mapping.count == 2)
        #expect(three.mapping["C"] == "Y")

        // One reference speaker split in two: A↦X (6 s shared beats Y's 4 s); Y's 4 s are confusion.
        let split = DiarizationError.compute(
            reference: [seg("A", 0, 10)], hypothesis: [seg("X", 0, 6), seg("Y", 6, 10)], collar: 0)
        #expect(split.mapping == ["A": "X"])
        #expect(close(split.confusion, 4))
        #expect(close(split.der, 0.4))
    }

    @Test("only the scored region counts")
    func scoredRegion() {
        let result = DiarizationError.compute(
            reference: [seg("A", 0, 10)], hypothesis: [seg("X", 8, 12)], collar: 0,
            scoredRegions: [Span(start: 2, end: 9)])
        // In [2, 9]: A all 7 s; X only 8–9. Missed 6 s of 7.
        #expect(close(result.scored, 7))
        #expect(close(result.missed, 6))
        #expect(close(result.der, 6.0 / 7))
    }

    @Test("several scored regions: the gaps between them and overlapping regions count once")
    func scoredRegions() {
        let result = DiarizationError.compute(
            reference: [seg("A", 0, 10)], hypothesis: [seg("X", 0, 4), seg("Y", 4, 10)], collar: 0,
            scoredRegions: [Span(start: 6, end: 9), Span(start: 1, end: 3), Span(start: 2, end: 4)])
        // Scored: 1–4 (A with X: 3 s) and 6–9 (A with Y: 3 s). A tie: either mapping leaves 3 s of confusion.
        #expect(close(result.scored, 6))
        #expect(close(result.confusion, 3))
        #expect(close(result.missed, 0) && close(result.falseAlarm, 0))
    }

    @Test("UEM: stretches by file id; comments skipped; a bad line is an error naming its line")
    func uem() throws {
        let regions = try UEM.parse(";; scored\ncall1 1 0.000 30.000\n\ncall1 1 45.5 60\ncall2 NA 0 12.25\n")
        #expect(regions["call1"] == [Span(start: 0, end: 30), Span(start: 45.5, end: 60)])
        #expect(regions["call2"] == [Span(start: 0, end: 12.25)])
        #expect(throws: RTTMError.malformedUEMLine(source: "x.uem", line: 2, reason: "the stretch 5…3 is empty or negative")) {
            try UEM.parse("call1 1 0 1\ncall1 1 5 3", source: "x.uem")
        }
        #expect(throws: RTTMError.malformedUEMLine(source: "uem", line: 1, reason: "a line needs 4 fields, found 3")) {
            try UEM.parse("call1 1 0")
        }
    }

    @Test("nothing to score and nothing said is no error")
    func empty() {
        let result = DiarizationError.compute(reference: [], hypothesis: [])
        #expect(result.der == 0 && result.scored == 0)
        #expect(DiarizationError.compute(reference: [], hypothesis: [seg("X", 0, 1)]).der == 1)
    }

    @Test("the assignment maximises the total, where a greedy choice would not")
    func hungarian() {
        // Greedy takes (0,0)=5, then (2,2)=1: 6. Best: (0,1)=4 + (1,0)=4 + (2,2)=1 = 9.
        let weights = [[5, 4, 0], [4, 0, 0], [0, 0, 1]]
        #expect(DiarizationError.maximumAssignment(weights) == [1, 0, 2])
        // More rows than columns: one row is left out.
        #expect(DiarizationError.maximumAssignment([[1], [3]]) == [nil, 0])
        #expect(DiarizationError.maximumAssignment([[1, 3]]) == [1])
    }

    @Test("the AMI debug reference: two files of two speakers, scored against itself and against a cut copy")
    func amiReference() throws {
        let text = try String(contentsOf: amiDebug.appendingPathComponent("debug.development.rttm"), encoding: .utf8)
        let files = try RTTM.parse(text)
        #expect(files.keys.sorted() == ["dev00", "dev01"])
        #expect(files["dev00"]?.count == 9)
        #expect(files["dev01"]?.count == 8)
        for (_, segments) in files {
            #expect(Set(segments.map(\.speaker)) == ["MEE009", "MEE012"])
            #expect(DiarizationError.compute(reference: segments, hypothesis: segments).der == 0)
            #expect(DiarizationError.compute(reference: segments, hypothesis: segments, collar: 0).der == 0)
        }
        let dev00 = try #require(files["dev00"])
        #expect(dev00.first == seg("MEE009", 1.44, 1.44 + 11.872))

        // Without MEE012: its 3.770 + 0.336 + 1.056 + 0.736 + 2.192 = 8.090 s are missed, of all 28.497 s
        // (neither speaker overlaps itself).
        let cut = DiarizationError.compute(
            reference: dev00, hypothesis: dev00.filter { $0.speaker == "MEE009" }, collar: 0)
        #expect(close(cut.scored, 28.497))
        #expect(close(cut.missed, 8.090))
        #expect(close(cut.der, 8.090 / 28.497))
    }

    @Test("RTTM skips comments, blank lines and other records, and round-trips through format")
    func rttmRoundTrip() throws {
        let text = """
            ;; a comment
            SPKR-INFO call1 1 <NA> <NA> <NA> unknown S1 <NA> <NA>

            SPEAKER call1 1 0.500 2.250 <NA> <NA> S1 <NA> <NA>
            SPEAKER\tcall1 1 3.000 1.000 <NA> <NA> S2 <NA> <NA>
            """
        let files = try RTTM.parse(text)
        #expect(files == ["call1": [seg("S1", 0.5, 2.75), seg("S2", 3, 4)]])
        let formatted = RTTM.format(file: "call1", segments: [seg("S2", 3, 4), seg("S1", 0.5, 2.75)])
        #expect(formatted == """
            SPEAKER call1 1 0.500 2.250 <NA> <NA> S1 <NA> <NA>
            SPEAKER call1 1 3.000 1.000 <NA> <NA> S2 <NA> <NA>

            """)
        #expect(try RTTM.parse(formatted) == files)
    }

    @Test("a malformed SPEAKER line is an error naming its line and what is wrong")
    func malformed() {
        let badStart = "SPEAKER f 1 0.0 1.0 <NA> <NA> A <NA> <NA>\n;; comment\n\nSPEAKER f 1 abc 1.0 <NA> <NA> B <NA> <NA>"
        #expect(throws: RTTMError.malformedLine(source: "ref.rttm", line: 4, reason: "start 'abc' is not a number")) {
            try RTTM.parse(badStart, source: "ref.rttm")
        }
        #expect(throws: RTTMError.malformedLine(source: "rttm", line: 2, reason: "a SPEAKER line needs at least 8 fields, found 5")) {
            try RTTM.parse("\nSPEAKER f 1 0.0 1.0\n")
        }
        #expect(throws: RTTMError.malformedLine(source: "rttm", line: 1, reason: "duration -1.0 is negative")) {
            try RTTM.parse("SPEAKER f 1 0.0 -1.0 <NA> <NA> A <NA> <NA>")
        }
        let message = RTTMError.malformedLine(source: "ref.rttm", line: 4, reason: "start 'abc' is not a number")
            .localizedDescription
        #expect(message.hasPrefix("ref.rttm:4: error: start 'abc' is not a number"))
    }
}
