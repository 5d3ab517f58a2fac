import Foundation
import SORCore

/// The optional emotion judge: a chat model behind an OpenAI-compatible `POST {base}/chat/completions`, asked for
/// strict JSON about a call's utterances, a batch at a time. Its answer is read defensively: an entry with an
/// emotion outside `EmotionJudgement.emotions`, an id that was not asked about, or a quote that is not in the
/// utterance's text is dropped with its reason, and the rest is kept.
public struct EmotionJudge: Sendable {
    /// One utterance as the judge sees it.
    public struct Utterance: Sendable, Equatable {
        public var id: Int
        public var role: Role?
        public var text: String

        public init(id: Int, role: Role?, text: String) {
            self.id = id
            self.role = role
            self.text = text
        }
    }

    /// The judge's answer for one utterance, checked: a known emotion, and a quote as it is written in the text.
    public struct Verdict: Sendable, Equatable {
        public var id: Int
        public var emotion: String
        public var quote: String

        public init(id: Int, emotion: String, quote: String) {
            self.id = id
            self.emotion = emotion
            self.quote = quote
        }
    }

    /// What a call's requests brought back.
    public struct Outcome: Sendable, Equatable {
        public var verdicts: [Verdict] = []
        /// Entries of the answers that were dropped, each saying which utterance and why.
        public var dropped: [String] = []
        /// The request that failed, if one did; the batches after it were not sent.
        public var failure: SpeechError?
    }

    /// Utterances per request, and the text a request carries at most (whichever comes first), so that one
    /// request of a two-hour call stays small enough for any model's context and any timeout.
    public static let batchSize = 40
    public static let batchCharacters = 12_000

    /// Sends one request: url, headers, body, timeout. HTTP in production; a stand-in in tests.
    typealias Transport = @Sendable (String, [String], Data, Double) throws(SpeechError) -> HTTPResponse

    public let endpoint: SpeechEndpoint
    private let transport: Transport

    public init(endpoint: SpeechEndpoint) {
        self.init(endpoint: endpoint) { (url, headers, body, timeout) throws(SpeechError) -> HTTPResponse in
            try HTTPClient.post(url, headers: headers, body: body, contentType: "application/json", timeout: timeout)
        }
    }

    init(endpoint: SpeechEndpoint, transport: @escaping Transport) {
        self.endpoint = endpoint
        self.transport = transport
    }

    /// Where the requests go.
    public var url: String { endpoint.baseURL + "/chat/completions" }

    /// Judges `utterances`, a batch per request. Never throws: a failed request ends the asking, and what the
    /// earlier batches brought is kept.
    public func judge(_ utterances: [Utterance]) -> Outcome {
        var outcome = Outcome()
        for batch in Self.batches(utterances) {
            do {
                let reply = try send(batch)
                let (verdicts, dropped) = try Self.verdicts(fromContent: reply, asked: batch, url: url)
                outcome.verdicts += verdicts
                outcome.dropped += dropped
            } catch {
                outcome.failure = error
                break
            }
        }
        return outcome
    }

    /// The utterances in request-sized groups, in order.
    static func batches(_ utterances: [Utterance]) -> [[Utterance]] {
        var result: [[Utterance]] = []
        var current: [Utterance] = []
        var characters = 0
        for utterance in utterances {
            if !current.isEmpty && (current.count == batchSize || characters + utterance.text.count > batchCharacters) {
                result.append(current)
                current = []
                characters = 0
            }
            current.append(utterance)
            characters += utterance.text.count
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// The message content of the reply to one batch.
    private func send(_ batch: [Utterance]) throws(SpeechError) -> String {
        var headers = ["Accept: application/json"]
        if let key = endpoint.apiKey, !key.isEmpty { headers.append("Authorization: Bearer \(key)") }
        let response = try transport(url, headers, Self.requestBody(batch, model: endpoint.model), endpoint.timeout)
        guard (200..<300).contains(response.status) else {
            let message = TranscriptionClient.errorMessage(response.body)
            if response.status >= 500 { throw .serverError(url: url, status: response.status, message: message) }
            throw .rejected(url: url, status: response.status, message: message)
        }
        return try Self.content(ofReply: response.body, url: url)
    }

    /// What the model is told. In Polish, as the calls are; the emotions are the words it must answer with.
    static let instructions = """
        Oceniasz emocje w wypowiedziach z rozmowy telefonicznej w centrum obsługi klienta. Każda wypowiedź ma \
        id, rolę mówiącego (KLIENT, KONSULTANT albo unknown) i tekst. Dla każdej wypowiedzi wybierz jedną emocję \
        z listy: \(EmotionJudgement.emotions.joined(separator: ", ")); oraz krótki cytat (kilka słów) skopiowany \
        dosłownie z tekstu tej wypowiedzi, który tę emocję pokazuje. Odpowiedz wyłącznie obiektem JSON, bez \
        komentarza: {"utterances": [{"id": 1, "emotion": "neutralny", "quote": "…"}]}, jedna pozycja na każdą \
        wypowiedź.
        """

    /// The chat request for one batch: the instructions, and the utterances as JSON.
    static func requestBody(_ batch: [Utterance], model: String) -> Data {
        let utterances: [[String: Any]] = batch.map { ["id": $0.id, "role": $0.role?.rawValue ?? "unknown", "text": $0.text] }
        let question = (try? JSONSerialization.data(withJSONObject: ["utterances": utterances], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        let request: [String: Any] = [
            "model": model,
            "temperature": 0,
            "response_format": ["type": "json_object"],
            "messages": [
                ["role": "system", "content": instructions],
                ["role": "user", "content": String(decoding: question, as: UTF8.self)],
            ],
        ]
        return (try? JSONSerialization.data(withJSONObject: request, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// The first choice's message content of an OpenAI chat completion.
    static func content(ofReply body: Data, url: String) throws(SpeechError) -> String {
        struct Completion: Decodable {
            struct Choice: Decodable {
                struct Message: Decodable { var content: String? }
                var message: Message
            }
            var choices: [Choice]
        }
        let completion: Completion
        do {
            completion = try JSONDecoder().decode(Completion.self, from: body)
        } catch {
            throw .invalidResponse(url: url, detail: "not a chat completion: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        guard let content = completion.choices.first?.message.content else {
            throw .invalidResponse(url: url, detail: "the chat completion has no message content")
        }
        return content
    }

    /// The checked verdicts in a reply's content, and the entries dropped. Throws when the content holds no JSON
    /// object with an `utterances` list at all.
    static func verdicts(fromContent content: String, asked batch: [Utterance], url: String) throws(SpeechError) -> ([Verdict], [String]) {
        let json = Self.unwrapped(content)
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) else {
            throw .invalidResponse(url: url, detail: "the model's answer is not JSON: \(content.prefix(200))")
        }
        // {"utterances": [...]} as asked; a bare list is taken too.
        guard let entries = (object as? [String: Any])?["utterances"] as? [Any] ?? object as? [Any] else {
            throw .invalidResponse(url: url, detail: "the model's answer has no \"utterances\" list: \(content.prefix(200))")
        }
        let texts = Dictionary(batch.map { ($0.id, $0.text) }, uniquingKeysWith: { first, _ in first })
        var verdicts: [Verdict] = []
        var dropped: [String] = []
        var answered: Set<Int> = []
        for entry in entries {
            guard let fields = entry as? [String: Any], let id = Self.integer(fields["id"]) else {
                dropped.append("an entry without an utterance id")
                continue
            }
            guard let text = texts[id] else {
                dropped.append("utterance \(id): not asked about")
                continue
            }
            guard !answered.contains(id) else {
                dropped.append("utterance \(id): answered twice (the first answer is kept)")
                continue
            }
            let emotion = (fields["emotion"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard EmotionJudgement.emotions.contains(emotion) else {
                dropped.append("utterance \(id): unknown emotion „\(emotion)”")
                continue
            }
            guard let quote = Self.quote(fields["quote"] as? String ?? "", in: text) else {
                dropped.append("utterance \(id): quote „\(fields["quote"] as? String ?? "")” is not in its text")
                continue
            }
            answered.insert(id)
            verdicts.append(Verdict(id: id, emotion: emotion, quote: quote))
        }
        return (verdicts, dropped)
    }

    /// The content without a Markdown code fence (```json … ```) or words around the JSON.
    static func unwrapped(_ content: String) -> String {
        var text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("```") {
            text = String(text.drop { $0 != "\n" })
            if let fence = text.range(of: "```", options: .backwards) { text = String(text[..<fence.lowerBound]) }
            text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if !(text.hasPrefix("{") || text.hasPrefix("[")), let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close {
            text = String(text[open...close])
        }
        return text
    }

    /// The quote as the text writes it (found ignoring case, with runs of whitespace as one space and quotation
    /// marks around it removed); nil when it is empty or not there.
    static func quote(_ raw: String, in text: String) -> String? {
        let marks = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "\"'„”“«»…"))
        let quote = raw.split(whereSeparator: \.isWhitespace).joined(separator: " ").trimmingCharacters(in: marks)
        guard !quote.isEmpty, let range = text.range(of: quote, options: .caseInsensitive) else { return nil }
        return String(text[range])
    }

    /// An id sent as a number or as a numeric string.
    private static func integer(_ value: Any?) -> Int? {
        if let number = value as? NSNumber { return Int(exactly: number.doubleValue) }
        if let text = value as? String { return Int(text.trimmingCharacters(in: .whitespaces)) }
        return nil
    }
}
