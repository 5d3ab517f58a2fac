import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime
@testable import SORSpeech

@Suite("LLM judge stage")
struct JudgeStageTests {
    /// What a stand-in judge was asked, and the warnings the stage logged.
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var asked: [[Int]] = []
        private var logged: [String] = []
        func ask(_ ids: [Int]) { lock.withLock { asked.append(ids) } }
        func log(_ line: String) { lock.withLock { logged.append(line) } }
        var requests: [[Int]] { lock.withLock { asked } }
        var warnings: [String] { lock.withLock { logged } }
    }

    static let base = "http://127.0.0.1:9/v1"

    /// A stage whose judge answers "zirytowany" with each utterance's first word, or fails with `failure`.
    static func stage(_ seen: Seen, failure: SpeechError? = nil) -> JudgeStage {
        let judge = EmotionJudge(endpoint: SpeechEndpoint(baseURL: base, model: "test-model", timeout: 2)) { (_, _, body, _) throws(SpeechError) -> HTTPResponse in
            let request = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            let user = ((request?["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
            let asked = ((try? JSONSerialization.jsonObject(with: Data(user.utf8))) as? [String: Any])?["utterances"] as? [[String: Any]] ?? []
            seen.ask(asked.compactMap { $0["id"] as? Int })
            if let failure { throw failure }
            let answers = asked.map { ["id": $0["id"] ?? 0, "emotion": "zirytowany", "quote": ($0["text"] as? String ?? "").split(separator: " ").first.map(String.init) ?? ""] }
            let content = String(decoding: try! JSONSerialization.data(withJSONObject: ["utterances": answers]), as: UTF8.self)
            return HTTPResponse(status: 200, body: try! JSONSerialization.data(withJSONObject: ["choices": [["message": ["content": content]]]]))
        }
        return JudgeStage(judge: judge, keyVariable: "SOR_JUDGE_API_KEY", log: { seen.log($0) })
    }

    /// A two-party call with these texts, alternating client and consultant.
    static func document(_ texts: [String]) -> CallDocument {
        let utterances = texts.enumerated().map { index, text in
            let start = Double(index) * 5
            let words = text.split(separator: " ").enumerated().map { offset, word in
                Word(text: " " + word, start: start + Double(offset) * 0.3, end: start + Double(offset) * 0.3 + 0.25)
            }
            return Utterance(id: index, speaker: index % 2 == 0 ? "S1" : "S2", start: start, end: start + 4.5, text: text, words: words)
        }
        let stats = TalkStats(duration: Double(texts.count) * 5, speakers: [], overlaps: [], interruptions: [], silences: [], holds: [], longestSilence: 0, talkListenRatio: nil)
        let analysis = Analysis(
            method: .channels, speakers: [Speaker(id: "S1", role: .klient), Speaker(id: "S2", role: .konsultant)], segments: [],
            utterances: utterances, roles: RoleDecision(method: .channelMap, confidence: 1, cues: [], needsReview: false), stats: stats)
        var record = StoreTests.sampleRecord().0
        record.audio.duration = stats.duration
        return CallDocument(call: record, transcript: nil, evaluation: nil, analysis: analysis, history: [])
    }

    static let texts = ["To skandal, trzeci raz dzwonię.", "Rozumiem, już sprawdzam.", "Dobrze, dziękuję."]

    static func deriver(_ stages: [any CallStage]) -> CallDeriver {
        CallDeriver(talk: TalkParameters(), stages: stages, siteChanges: SiteChanges(), site: "/nonexistent")
    }

    @Test("after the sentiment stage, every utterance gets the model's emotion and quote; the lexicon's score and label stay as they were")
    func adds() throws {
        let seen = Seen()
        var lexiconOnly = Self.document(Self.texts)
        _ = Self.deriver([SentimentStage()]).derive(&lexiconOnly, after: .words, scoring: nil)
        var judged = Self.document(Self.texts)
        let derived = Self.deriver([SentimentStage(), Self.stage(seen)]).derive(&judged, after: .words, scoring: nil)
        #expect(derived.analysisChanged)
        #expect(seen.requests == [[0, 1, 2]], "one request for the call")
        let utterances = try #require(judged.analysis?.utterances)
        #expect(utterances.map { $0.sentiment?.judge?.emotion } == ["zirytowany", "zirytowany", "zirytowany"])
        #expect(utterances.map { $0.sentiment?.judge?.quote } == ["To", "Rozumiem,", "Dobrze,"])
        #expect(utterances.allSatisfy { $0.sentiment?.judge?.model == "test-model" && $0.sentiment?.judge?.judges($0.text) == true })
        let lexicon = try #require(lexiconOnly.analysis?.utterances)
        #expect(zip(utterances, lexicon).allSatisfy { $0.sentiment?.score == $1.sentiment?.score && $0.sentiment?.label == $1.sentiment?.label })
        #expect(judged.analysis?.sentiment == lexiconOnly.analysis?.sentiment, "the call's summary is the lexicon's")
        #expect(seen.warnings.isEmpty)
    }

    @Test("a correction of one utterance asks about that utterance alone; the others keep their judgements, and nothing is asked when nothing changed")
    func correction() throws {
        let seen = Seen()
        let deriver = Self.deriver([SentimentStage(), Self.stage(seen)])
        var document = Self.document(Self.texts)
        _ = deriver.derive(&document, after: .words, scoring: nil)
        var analysis = try #require(document.analysis)
        analysis = try analysis.correcting(.retextUtterance(1, text: "Niestety nic nie mogę zrobić."), by: "ewa")
        document.analysis = analysis
        _ = deriver.derive(&document, after: .utterances, scoring: nil)
        #expect(seen.requests == [[0, 1, 2], [1]])
        let utterances = try #require(document.analysis?.utterances)
        #expect(utterances.map { $0.sentiment?.judge?.quote } == ["To", "Niestety", "Dobrze,"])
        let moved = try #require(document.analysis).correcting(.moveUtterance(2, to: "S2"), by: "ewa")
        document.analysis = moved
        _ = deriver.derive(&document, after: .utterances, scoring: nil)
        #expect(seen.requests.count == 2, "a moved utterance keeps its text, and its judgement")
        #expect(document.analysis?.utterances.allSatisfy { $0.sentiment?.judge != nil } == true)
        let before = document.analysis
        #expect(!Self.deriver([SentimentStage(), Self.stage(seen)]).derive(&document, after: .words, scoring: nil).analysisChanged)
        #expect(seen.requests.count == 2 && document.analysis == before)
    }

    @Test("a failing judge leaves the call as the lexicon made it and logs one warning naming the call, the URL and the fix", arguments: [
        (SpeechError.unreachable(url: base + "/chat/completions", detail: "Couldn't connect to server"), "check sentiment.judge.url"),
        (SpeechError.timedOut(url: base + "/chat/completions", seconds: 2), "did not answer within 2 s; raise sentiment.judge.timeout"),
        (SpeechError.serverError(url: base + "/chat/completions", status: 500, message: "boom"), "failed (HTTP 500: boom)"),
        (SpeechError.rejected(url: base + "/chat/completions", status: 401, message: "bad key"), "in the environment variable SOR_JUDGE_API_KEY"),
        (SpeechError.invalidResponse(url: base + "/chat/completions", detail: "not JSON"), "a chat model that can answer in JSON"),
    ])
    func failure(error: SpeechError, fix: String) throws {
        let seen = Seen()
        var lexiconOnly = Self.document(Self.texts)
        _ = Self.deriver([SentimentStage()]).derive(&lexiconOnly, after: .words, scoring: nil)
        var document = Self.document(Self.texts)
        _ = Self.deriver([SentimentStage(), Self.stage(seen, failure: error)]).derive(&document, after: .words, scoring: nil)
        #expect(document.analysis == lexiconOnly.analysis)
        #expect(seen.warnings.count == 1)
        let warning = try #require(seen.warnings.first)
        #expect(warning.hasPrefix("call \(document.call.id): the emotion judge at \(Self.base)/chat/completions"), "\(warning)")
        #expect(warning.contains(fix) && warning.contains("kept with the lexicon's sentiment only"), "\(warning)")
    }

    @Test("without a lexicon sentiment there is nothing to add to, and nothing is asked")
    func withoutSentiment() {
        let seen = Seen()
        var document = Self.document(Self.texts)
        #expect(!Self.stage(seen).derive(&document))
        #expect(seen.requests.isEmpty)
    }

    @Test("the judge runs only when sentiment.judge enables it, after the sentiment stage, with its key from the environment")
    func registered() throws {
        var config = Config()
        #expect(Runtime.stages(config).count == 1 && Runtime.stages(config).first is SentimentStage)
        config.sentiment.judge = .init()
        config.sentiment.judge.enabled = true
        config.sentiment.judge.url = Self.base + "/"
        config.sentiment.judge.model = "m"
        let stages = Runtime.stages(config)
        #expect(stages.count == 2 && stages.first is SentimentStage && stages.last is JudgeStage)
        let stage = JudgeStage(config: config.sentiment.judge, environment: ["SOR_JUDGE_API_KEY": "k"])
        #expect(stage.judge.endpoint == SpeechEndpoint(baseURL: Self.base, model: "m", apiKey: "k", timeout: 60))
        #expect(stage.judge.url == Self.base + "/chat/completions")
        #expect(JudgeStage(config: config.sentiment.judge, environment: ["SOR_JUDGE_API_KEY": ""]).judge.endpoint.apiKey == nil)
    }
}
