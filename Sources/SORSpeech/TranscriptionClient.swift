import Foundation
import SORCore

/// An OpenAI-compatible speech endpoint: the embedded engine, OpenAI itself, or a self-hosted server.
public struct SpeechEndpoint: Sendable, Equatable {
    /// Base URL up to and including `/v1`, e.g. `http://127.0.0.1:40123/v1`.
    public var baseURL: String
    public var model: String
    public var apiKey: String?
    public var timeout: Double

    public init(baseURL: String, model: String, apiKey: String? = nil, timeout: Double) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.model = model
        self.apiKey = apiKey
        self.timeout = timeout
    }
}

/// What to transcribe and how.
public struct TranscriptionRequest: Sendable, Equatable {
    public var audioPath: String
    /// ISO 639-1 code, or nil to let the engine detect the language.
    public var language: String?
    /// Vocabulary hint (names, products) passed as Whisper's prompt.
    public var prompt: String?

    public init(audioPath: String, language: String?, prompt: String? = nil) {
        self.audioPath = audioPath
        self.language = language
        self.prompt = prompt
    }
}

/// The one speech client: `POST {base}/audio/transcriptions` with word and segment timestamps.
public struct TranscriptionClient: Sendable {
    public var endpoint: SpeechEndpoint

    public init(endpoint: SpeechEndpoint) {
        self.endpoint = endpoint
    }

    /// True when the endpoint answers its health check (the embedded engine's `GET /health`).
    public func isHealthy(timeout: Double = 5) -> Bool {
        let root = endpoint.baseURL.hasSuffix("/v1") ? String(endpoint.baseURL.dropLast(3)) : endpoint.baseURL
        guard let response = try? HTTPClient.get(root + "/health", timeout: timeout) else { return false }
        return response.status == 200
    }

    public func transcribe(_ request: TranscriptionRequest) throws(SpeechError) -> Transcript {
        let url = endpoint.baseURL + "/audio/transcriptions"
        var form: [FormField] = [
            .file(name: "file", path: request.audioPath, contentType: "audio/wav"),
            .text(name: "model", value: endpoint.model),
            .text(name: "response_format", value: "verbose_json"),
            .text(name: "timestamp_granularities[]", value: "word"),
            .text(name: "timestamp_granularities[]", value: "segment"),
            .text(name: "temperature", value: "0"),
        ]
        if let language = request.language { form.append(.text(name: "language", value: language)) }
        if let prompt = request.prompt, !prompt.isEmpty { form.append(.text(name: "prompt", value: prompt)) }
        var headers: [String] = ["Accept: application/json"]
        if let key = endpoint.apiKey, !key.isEmpty { headers.append("Authorization: Bearer \(key)") }

        let response = try HTTPClient.post(url, headers: headers, form: form, timeout: endpoint.timeout)
        guard (200..<300).contains(response.status) else {
            let message = Self.errorMessage(response.body)
            if response.status >= 500 { throw .serverError(url: url, status: response.status, message: message) }
            throw .rejected(url: url, status: response.status, message: message)
        }
        do {
            let decoded = try JSONDecoder().decode(VerboseTranscription.self, from: response.body)
            return decoded.transcript(engine: EngineInfo(endpoint: endpoint.baseURL, model: endpoint.model), requestedLanguage: request.language)
        } catch {
            throw .invalidResponse(url: url, detail: "\(error)")
        }
    }

    static func errorMessage(_ body: Data) -> String {
        struct Envelope: Decodable {
            struct Detail: Decodable { var message: String }
            var error: Detail
        }
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: body) { return envelope.error.message }
        return String(decoding: body.prefix(500), as: UTF8.self)
    }
}

/// OpenAI's `verbose_json` transcription shape. Words may come at the top level (OpenAI) or inside segments.
struct VerboseTranscription: Decodable {
    struct RawWord: Decodable {
        var word: String
        var start: Double
        var end: Double
        var probability: Double?
    }

    struct RawSegment: Decodable {
        var id: Int?
        var start: Double
        var end: Double
        var text: String
        var avg_logprob: Double?
        var no_speech_prob: Double?
        var words: [RawWord]?
    }

    var language: String?
    var duration: Double?
    var text: String
    var segments: [RawSegment]?
    var words: [RawWord]?

    func transcript(engine: EngineInfo, requestedLanguage: String?) -> Transcript {
        let rawSegments = segments ?? []
        let topWords = words ?? []
        var result: [Segment] = []
        for (index, raw) in rawSegments.enumerated() {
            let own = raw.words ?? topWords.filter { word in
                let middle = (word.start + word.end) / 2
                return middle >= raw.start && (middle < raw.end || index == rawSegments.count - 1 && middle <= raw.end + 0.5)
            }
            result.append(Segment(
                id: raw.id ?? index, start: raw.start, end: raw.end,
                text: raw.text.trimmingCharacters(in: .whitespaces),
                words: own.map { Word(text: $0.word.trimmingCharacters(in: .whitespaces), start: $0.start, end: $0.end, probability: $0.probability) },
                avgLogprob: raw.avg_logprob, noSpeechProb: raw.no_speech_prob))
        }
        let duration = self.duration ?? result.last?.end ?? 0
        return Transcript(
            language: Self.isoCode(language) ?? requestedLanguage ?? "und", duration: duration,
            text: text.trimmingCharacters(in: .whitespaces), segments: result, engine: engine)
    }

    /// OpenAI answers with language names ("polish"), faster-whisper with codes ("pl").
    static func isoCode(_ language: String?) -> String? {
        guard let language else { return nil }
        let names = ["polish": "pl", "english": "en", "german": "de", "ukrainian": "uk", "russian": "ru", "french": "fr", "spanish": "es"]
        return names[language.lowercased()] ?? language
    }
}
