import Foundation
import SORCore
import SORRuntime
import Testing

/// Fixtures for `Tests/Browser` that the `sor` binary cannot make yet.
///
/// Until the pipeline writes `analysis.json` for newly processed calls, the browser test of speaker corrections
/// (`Tests/Browser/test_speakers.py`) gives its call an analysis through here: run with `SOR_FIXTURE_WORKSPACE`
/// (a folder with `sor.yaml`) and `SOR_FIXTURE_CALL` (a stored call's id), it makes a two-speaker analysis from
/// the stored transcript, stores it with `CallStore.replaceAnalysis` and scores the call again, both as the
/// production code does. Without those variables it is skipped.
@Suite("Fixtures for the browser tests")
struct BrowserFixtures {
    static let environment = ProcessInfo.processInfo.environment

    @Test("gives a stored call a two-speaker analysis", .enabled(if: environment["SOR_FIXTURE_WORKSPACE"] != nil && environment["SOR_FIXTURE_CALL"] != nil))
    func analyse() throws {
        let root = try #require(Self.environment["SOR_FIXTURE_WORKSPACE"])
        let id = try #require(Self.environment["SOR_FIXTURE_CALL"])
        let workspace = try SORRuntime.Workspace.load(configPath: root + "/sor.yaml")
        let store = try workspace.store()
        try store.vault.check(dataDirectory: workspace.data)
        let folder = try store.find(id)
        var document = try store.load(folder: folder)
        let transcript = try #require(document.transcript, "the call has no transcript")
        let analysis = Self.alternating(transcript)
        try store.replaceAnalysis(analysis, in: folder)
        document.analysis = analysis
        let scoring = try ScoringService(workspace: workspace)
        if let evaluation = scoring.evaluate(document, previous: document.evaluation) {
            try store.write(FileFormats.json(evaluation), as: "evaluation.json", in: folder)
        }
        #expect(try store.load(folder: folder).analysis == analysis)
    }

    /// The transcript's segments as utterances of two speakers taking turns, S1 (KONSULTANT) first, with the roles
    /// flagged for review (a first-speaker guess) and plain talk statistics.
    static func alternating(_ transcript: Transcript) -> Analysis {
        let utterances = transcript.segments.enumerated().map { index, segment in
            Utterance(
                id: index, speaker: index % 2 == 0 ? "S1" : "S2", start: segment.start, end: segment.end,
                text: segment.text.trimmingCharacters(in: .whitespaces), words: segment.words)
        }
        let speakers = [Speaker(id: "S1", role: .konsultant), Speaker(id: "S2", role: .klient)]
        let times = speakers.map { speaker in utterances.filter { $0.speaker == speaker.id }.reduce(0) { $0 + ($1.end - $1.start) } }
        let total = max(times.reduce(0, +), 0.001)
        let stats = TalkStats(
            duration: transcript.duration,
            speakers: zip(speakers, times).map { speaker, time in
                let own = utterances.filter { $0.speaker == speaker.id }
                return SpeakerStats(
                    speaker: speaker.id, talkTime: time, talkShare: time / total, utterances: own.count,
                    words: own.reduce(0) { $0 + $1.words.count }, interruptions: 0)
            },
            overlaps: [], interruptions: [], silences: [], holds: [], longestSilence: 0,
            talkListenRatio: times[1] > 0 ? times[0] / times[1] : nil)
        return Analysis(
            method: .neural, speakers: speakers,
            segments: utterances.map { SpeakerSegment(speaker: $0.speaker, start: $0.start, end: $0.end) }, utterances: utterances,
            roles: RoleDecision(method: .firstSpeaker, confidence: 0.6, cues: ["S1 mówi pierwszy"], needsReview: true), stats: stats)
    }
}
