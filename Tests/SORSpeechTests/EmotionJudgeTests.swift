import Foundation
import Testing
@testable import SORCore
@testable import SORSpeech

@Suite("Emotion judge: requests and reading the model's answers")
struct EmotionJudgeTests {
    static let url = "http://127.0.0.1:9/v1/chat/completions"
    static let asked = [
        EmotionJudge.Utterance(id: 3, role: .klient, text: "To jest skandal, trzeci raz dzwonię w tej sprawie."),
        EmotionJudge.Utterance(id: 4, role: .konsultant, text: "Rozumiem, już sprawdzam."),
        EmotionJudge.Utterance(id: 7, role: nil, text: "Dziękuję, do widzenia."),
    ]

    static func read(_ content: String) throws(SpeechError) -> ([EmotionJudge.Verdict], [String]) {
        try EmotionJudge.verdicts(fromContent: content, asked: asked, url: url)
    }

    @Test("a fenced JSON answer is read; each quote is kept as the utterance writes it")
    func fenced() throws {
        let (verdicts, dropped) = try Self.read("""
            ```json
            {"utterances": [
              {"id": 3, "emotion": "Zirytowany", "quote": "to jest  SKANDAL"},
              {"id": "4", "emotion": "spokojny", "quote": "„już sprawdzam”"}
            ]}
            ```
            """)
        #expect(verdicts == [
            EmotionJudge.Verdict(id: 3, emotion: "zirytowany", quote: "To jest skandal"),
            EmotionJudge.Verdict(id: 4, emotion: "spokojny", quote: "już sprawdzam"),
        ])
        #expect(dropped.isEmpty)
    }

    @Test("words around the JSON and a bare list are taken too")
    func lenient() throws {
        let (around, _) = try Self.read(#"Oto ocena: {"utterances": [{"id": 7, "emotion": "zadowolony", "quote": "Dziękuję"}]} Pozdrawiam."#)
        #expect(around == [EmotionJudge.Verdict(id: 7, emotion: "zadowolony", quote: "Dziękuję")])
        let (bare, _) = try Self.read(#"[{"id": 7, "emotion": "neutralny", "quote": "do widzenia"}]"#)
        #expect(bare == [EmotionJudge.Verdict(id: 7, emotion: "neutralny", quote: "do widzenia")])
    }

    @Test("unknown emotions, ids not asked about, repeated ids, missing ids and quotes not in the text are dropped, each with its reason")
    func dropped() throws {
        let (verdicts, dropped) = try Self.read("""
            {"utterances": [
              {"id": 3, "emotion": "wściekły", "quote": "skandal"},
              {"id": 99, "emotion": "zły", "quote": "skandal"},
              {"id": 4, "emotion": "spokojny", "quote": "nie ma problemu"},
              {"id": 4, "emotion": "spokojny", "quote": ""},
              {"emotion": "zły", "quote": "skandal"},
              {"id": 7, "emotion": "zadowolony", "quote": "dziękuję"},
              {"id": 7, "emotion": "smutny", "quote": "do widzenia"}
            ]}
            """)
        #expect(verdicts == [EmotionJudge.Verdict(id: 7, emotion: "zadowolony", quote: "Dziękuję")])
        #expect(dropped == [
            "utterance 3: unknown emotion „wściekły”",
            "utterance 99: not asked about",
            "utterance 4: quote „nie ma problemu” is not in its text",
            "utterance 4: quote „” is not in its text",
            "an entry without an utterance id",
            "utterance 7: answered twice (the first answer is kept)",
        ])
    }

    @Test("an answer that is not JSON, or has no utterances list, fails the batch", arguments: [
        "Przepraszam, nie mogę pomóc.", "```\nnot json\n```", #"{"emotions": []}"#, "",
    ])
    func garbage(content: String) {
        #expect(throws: SpeechError.self) { try Self.read(content) }
        do {
            _ = try Self.read(content)
        } catch {
            guard case .invalidResponse(let url, _) = error else { Issue.record("\(error)"); return }
            #expect(url == Self.url)
        }
    }

    @Test("the chat completion's first message content is read; anything else is an invalid response")
    func envelope() throws {
        let reply = Data(#"{"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}}]}"#.utf8)
        #expect(try EmotionJudge.content(ofReply: reply, url: Self.url) == "{}")
        for body in ["<html>502 Bad Gateway</html>", #"{"choices": []}"#, #"{"choices": [{"message": {"content": null}}]}"#] {
            #expect(throws: SpeechError.self) { try EmotionJudge.content(ofReply: Data(body.utf8), url: Self.url) }
        }
    }

    @Test("the request asks the configured model for JSON about each utterance: id, role (unknown without one) and text")
    func request() throws {
        let body = EmotionJudge.requestBody(Self.asked, model: "bielik-11b")
        let request = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(request["model"] as? String == "bielik-11b")
        #expect((request["response_format"] as? [String: Any])?["type"] as? String == "json_object")
        let messages = try #require(request["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["system", "user"])
        let system = try #require(messages[0]["content"] as? String)
        #expect(EmotionJudgement.emotions.allSatisfy { system.contains($0) } && system.contains("JSON"))
        let user = try #require(messages[1]["content"] as? String)
        let question = try #require(try JSONSerialization.jsonObject(with: Data(user.utf8)) as? [String: Any])
        let utterances = try #require(question["utterances"] as? [[String: Any]])
        #expect(utterances.map { $0["id"] as? Int } == [3, 4, 7])
        #expect(utterances.map { $0["role"] as? String } == ["KLIENT", "KONSULTANT", "unknown"])
        #expect(utterances.first?["text"] as? String == Self.asked[0].text)
    }

    @Test("a long call goes in batches of 40 utterances, or fewer when their text is long")
    func batches() {
        let short = (0..<100).map { EmotionJudge.Utterance(id: $0, role: .klient, text: "Tak.") }
        #expect(EmotionJudge.batches(short).map(\.count) == [40, 40, 20])
        #expect(EmotionJudge.batches(short).flatMap { $0 }.map(\.id) == Array(0..<100))
        let long = (0..<5).map { EmotionJudge.Utterance(id: $0, role: nil, text: String(repeating: "słowo ", count: 1_000)) }
        #expect(EmotionJudge.batches(long).map(\.count) == [2, 2, 1])
        #expect(EmotionJudge.batches([]).isEmpty)
    }

    /// Requests seen by a stand-in transport.
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var requests: [(url: String, headers: [String], body: Data, timeout: Double)] = []
        func add(_ request: (String, [String], Data, Double)) {
            lock.lock()
            requests.append(request)
            lock.unlock()
        }
    }

    /// A transport that answers each batch with "neutralny" and the first word of each utterance, and `failing`
    /// from the given request on (1-based).
    static func judge(key: String?, recorder: Recorder, failFrom: Int = .max, failure: SpeechError = .serverError(url: url, status: 500, message: "boom")) -> EmotionJudge {
        EmotionJudge(endpoint: SpeechEndpoint(baseURL: "http://127.0.0.1:9/v1/", model: "m", apiKey: key, timeout: 7)) { (url, headers, body, timeout) throws(SpeechError) -> HTTPResponse in
            recorder.add((url, headers, body, timeout))
            if recorder.requests.count >= failFrom { throw failure }
            let request = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            let user = ((request?["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
            let asked = ((try? JSONSerialization.jsonObject(with: Data(user.utf8))) as? [String: Any])?["utterances"] as? [[String: Any]] ?? []
            let answers = asked.map { ["id": $0["id"] ?? 0, "emotion": "neutralny", "quote": ($0["text"] as? String ?? "").split(separator: " ").first.map(String.init) ?? ""] }
            let content = String(decoding: try! JSONSerialization.data(withJSONObject: ["utterances": answers]), as: UTF8.self)
            let completion = try! JSONSerialization.data(withJSONObject: ["choices": [["message": ["role": "assistant", "content": "```json\n" + content + "\n```"]]]])
            return HTTPResponse(status: 200, body: completion)
        }
    }

    @Test("one request per batch to {url}/chat/completions, with the key as a Bearer token, or no Authorization header without one")
    func requests() {
        let utterances = (0..<45).map { EmotionJudge.Utterance(id: $0, role: .klient, text: "Dzień dobry \($0)") }
        let withKey = Recorder()
        let outcome = Self.judge(key: "sekret", recorder: withKey).judge(utterances)
        #expect(outcome.failure == nil && outcome.dropped.isEmpty)
        #expect(outcome.verdicts.map(\.id) == Array(0..<45) && outcome.verdicts.allSatisfy { $0.quote == "Dzień" && $0.emotion == "neutralny" })
        #expect(withKey.requests.map(\.url) == [Self.url, Self.url])
        #expect(withKey.requests.allSatisfy { $0.headers.contains("Authorization: Bearer sekret") && $0.timeout == 7 })
        let withoutKey = Recorder()
        _ = Self.judge(key: nil, recorder: withoutKey).judge(Array(utterances.prefix(2)))
        #expect(withoutKey.requests.count == 1)
        #expect(!withoutKey.requests[0].headers.contains { $0.lowercased().hasPrefix("authorization") })
    }

    @Test("a failed request ends the asking: the batches before it are kept, the failure is reported, later batches are not sent")
    func failure() {
        let utterances = (0..<100).map { EmotionJudge.Utterance(id: $0, role: nil, text: "Halo \($0)") }
        let recorder = Recorder()
        let outcome = Self.judge(key: nil, recorder: recorder, failFrom: 2).judge(utterances)
        #expect(outcome.verdicts.map(\.id) == Array(0..<40))
        #expect(outcome.failure == .serverError(url: Self.url, status: 500, message: "boom"))
        #expect(recorder.requests.count == 2)
    }

    @Test("an HTTP error status is a server error (5xx) or a refusal, with the server's message")
    func status() {
        let judge = EmotionJudge(endpoint: SpeechEndpoint(baseURL: "http://h/v1", model: "m", timeout: 1)) { (_, _, _, _) throws(SpeechError) -> HTTPResponse in
            HTTPResponse(status: 401, body: Data(#"{"error": {"message": "Incorrect API key"}}"#.utf8))
        }
        #expect(judge.judge(Self.asked).failure == .rejected(url: "http://h/v1/chat/completions", status: 401, message: "Incorrect API key"))
    }
}
