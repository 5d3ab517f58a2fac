import Foundation
import SORCore
import SORSentiment

/// The sentiment stage of the derive step: every utterance's text sentiment, its arousal against its speaker's
/// usual (from the acoustics measured at processing) and the emotion of both, and the call's per party and quarter. Runs after
/// the talk statistics whenever words or utterances change (a new call, a text correction, a moved utterance).
/// Lexicons are loaded once per process and language.
public final class SentimentStage: CallStage, @unchecked Sendable {
    // `analyzers` is guarded by `lock`.
    private let lock = NSLock()
    private var analyzers: [String: SentimentAnalyzer?] = [:]
    private let log: @Sendable (String) -> Void

    public init(log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("warning: " + $0 + "\n").utf8)) }) {
        self.log = log
    }

    /// The analyser for a call's language (Polish unless the transcript says English); nil when its lexicon cannot
    /// be loaded (reported once).
    func analyzer(for language: String?) -> SentimentAnalyzer? {
        let name = (language ?? "pl").lowercased().hasPrefix("en") ? "en" : "pl"
        lock.lock()
        defer { lock.unlock() }
        if let known = analyzers[name] { return known }
        do {
            let analyzer = try SentimentAnalyzer.bundled(name)
            analyzers[name] = analyzer
            return analyzer
        } catch {
            log("sentiment is not computed: \(error.localizedDescription)")
            analyzers[name] = .some(nil)
            return nil
        }
    }

    public func derive(_ document: inout CallDocument) -> Bool {
        guard var analysis = document.analysis,
            let analyzer = analyzer(for: document.transcript?.language ?? document.call.processing?.language)
        else { return false }
        for index in analysis.utterances.indices {
            let utterance = analysis.utterances[index]
            var sentiment = analyzer.analyze(utterance.text, party: analysis.role(of: utterance.speaker))
            // A model's judgement (the judge stage) stays while the text is the one it judged.
            sentiment.judge = utterance.sentiment?.judge.flatMap { $0.judges(utterance.text) ? $0 : nil }
            analysis.utterances[index].sentiment = sentiment
        }
        ArousalModel.apply(to: &analysis)
        analysis.sentiment = CallSentimentSummary.summarize(analysis, lexicon: analyzer.lexicon.version)
        guard analysis != document.analysis else { return false }
        document.analysis = analysis
        return true
    }
}
