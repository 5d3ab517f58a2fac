import Foundation
import SORCore
import SORSpeech

/// The optional LLM judge (`sentiment.judge` in sor.yaml), run after the sentiment stage: each utterance with a
/// lexicon sentiment but no judgement of its current text gets the model's emotion and a quote that shows it.
///
/// It only ever adds `sentiment.judge`; the lexicon's score and label, which scoring reads, are never changed,
/// so a call's scores do not depend on whether a model was reachable. A failure (unreachable, timeout, HTTP
/// error, an answer that is not the JSON asked for) is one warning naming the call, the URL and what to fix, and
/// the call goes on without judgements; it is asked again the next time its words or utterances change.
public struct JudgeStage: CallStage {
    let judge: EmotionJudge
    /// `sentiment.judge.api_key_env`, for the warning when the key is refused.
    let keyVariable: String
    private let log: @Sendable (String) -> Void

    /// The judge of `config`, its key read from the environment variable it names (unset: no key is sent).
    public init(
        config: Config.Sentiment.Judge, environment: [String: String] = ProcessInfo.processInfo.environment,
        log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("warning: " + $0 + "\n").utf8)) }
    ) {
        let key = environment[config.apiKeyEnv].flatMap { $0.isEmpty ? nil : $0 }
        self.init(
            judge: EmotionJudge(endpoint: SpeechEndpoint(baseURL: config.url, model: config.model, apiKey: key, timeout: config.timeout)),
            keyVariable: config.apiKeyEnv, log: log)
    }

    init(judge: EmotionJudge, keyVariable: String, log: @escaping @Sendable (String) -> Void) {
        self.judge = judge
        self.keyVariable = keyVariable
        self.log = log
    }

    public func derive(_ document: inout CallDocument) -> Bool {
        guard var analysis = document.analysis else { return false }
        // Only utterances without a judgement of their current text are asked (the sentiment stage keeps a
        // judgement while its text stays as judged): a correction of one utterance costs one short request, and
        // the judgements of the rest do not flip with a model's whims. The price is that a corrected utterance is
        // judged without its neighbours; the whole call is judged together only the first time.
        let pending = analysis.utterances.filter { utterance in
            utterance.sentiment != nil && utterance.sentiment?.judge == nil
                && !utterance.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        guard !pending.isEmpty else { return false }
        let outcome = judge.judge(pending.map { EmotionJudge.Utterance(id: $0.id, role: analysis.role(of: $0.speaker), text: $0.text) })
        let call = document.call.id
        if !outcome.dropped.isEmpty {
            log("call \(call): sor dropped \(outcome.dropped.count) of the emotion judge's answers at \(judge.url) (\(outcome.dropped.joined(separator: "; "))); an utterance without a usable answer keeps the lexicon's sentiment only")
        }
        if let failure = outcome.failure {
            log(Self.warning(call: call, failure: failure, keyVariable: keyVariable))
        }
        guard !outcome.verdicts.isEmpty else { return false }
        let indices = Dictionary(analysis.utterances.indices.map { (analysis.utterances[$0].id, $0) }, uniquingKeysWith: { first, _ in first })
        for verdict in outcome.verdicts {
            guard let index = indices[verdict.id] else { continue }
            let text = analysis.utterances[index].text
            analysis.utterances[index].sentiment?.judge = EmotionJudgement(
                emotion: verdict.emotion, quote: verdict.quote, model: judge.endpoint.model, judged: text)
        }
        document.analysis = analysis
        return true
    }

    /// The warning for a failed request: the call, the URL, what happened and what to do about it.
    static func warning(call: String, failure: SpeechError, keyVariable: String) -> String {
        let what: String
        switch failure {
        case .unreachable(let url, let detail):
            what = "the emotion judge at \(url) is unreachable (\(detail)); check sentiment.judge.url in sor.yaml and that the server runs"
        case .timedOut(let url, let seconds):
            what = "the emotion judge at \(url) did not answer within \(YAMLReader.format(seconds)) s; raise sentiment.judge.timeout in sor.yaml or use a faster model"
        case .rejected(let url, let status, let message) where status == 401 || status == 403:
            what = "the emotion judge at \(url) refused the key (HTTP \(status): \(message)); set the API key in the environment variable \(keyVariable) (sentiment.judge.api_key_env)"
        case .rejected(let url, let status, let message):
            what = "the emotion judge at \(url) refused the request (HTTP \(status): \(message)); check sentiment.judge.model in sor.yaml"
        case .serverError(let url, let status, let message):
            what = "the emotion judge at \(url) failed (HTTP \(status): \(message)); check the server's log"
        case .invalidResponse(let url, let detail):
            what = "the emotion judge at \(url) sent an answer sor cannot read (\(detail)); sentiment.judge.model must be a chat model that can answer in JSON"
        case .engineFailedToStart, .missingAPIKey:
            what = "the emotion judge failed: \(failure.localizedDescription)"
        }
        return "call \(call): \(what). The call is kept with the lexicon's sentiment only; it is judged again when its text changes."
    }
}
