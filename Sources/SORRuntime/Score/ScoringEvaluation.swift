import Foundation
import SORAudio
import SORCore
import SORSpeech

/// `sor eval scoring`: scores recordings (or stored calls) on the cards an expected-answers file names, with the
/// automatic answers alone, and measures their agreement with the evaluator's answers.
public struct ScoringEvaluation: Sendable {
    public let runtime: Runtime

    public init(runtime: Runtime) {
        self.runtime = runtime
    }

    func scoring() throws -> ScoringService {
        guard let scoring = runtime.scorer.current else {
            throw RuntimeError.invalidScorecards(runtime.scorer.currentProblems)
        }
        return scoring
    }

    /// Each recording is transcribed, diarized and scored as `sor process` would (its sidecar `NAME.yaml` read
    /// when it has one), without being stored; its name without extension is its entry in the expected answers.
    public func evaluate(expected path: String, files: [String], progress: (String) -> Void = { _ in }) throws -> ScoringAgreement {
        let scoring = try scoring()
        let expected = try ExpectedAnswers.load(path, scorecards: scoring.scorecards.set)
        var evaluations: [(name: String, evaluation: Evaluation?)] = []
        for (index, file) in files.enumerated() {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            guard let labelled = expected.call(name) else {
                throw RuntimeError.cannotRead(
                    path: path, detail: "no expected answers for \"\(name)\" (\(file)); add it under `calls:` or leave the recording out")
            }
            progress("[\(index + 1)/\(files.count)] \(name) (\(labelled.card))")
            var document = try analyse(file)
            document.call.metadata.scorecard = labelled.card
            evaluations.append((name, runtime.deriver.derive(&document, after: .words, scoring: scoring).evaluation))
        }
        return ScoringAgreement.compute(expected: expected, evaluations: evaluations, scorecards: scoring.scorecards)
    }

    /// The stored calls whose recording's name (without extension) or id is in the expected answers, scored again
    /// with the current scorecards from their stored words; evaluators' answers on them are left out.
    public func evaluateStored(expected path: String) throws -> ScoringAgreement {
        let scoring = try scoring()
        let expected = try ExpectedAnswers.load(path, scorecards: scoring.scorecards.set)
        let store = try runtime.store
        var found: [String: (received: String, evaluation: Evaluation?)] = [:]
        for folder in store.folders().values.sorted() {
            var document = try store.load(folder: folder, transcript: false, history: false)
            let name = URL(fileURLWithPath: document.call.source.fileName).deletingPathExtension().lastPathComponent
            let key = expected.call(document.call.id) != nil ? document.call.id : name
            guard let labelled = expected.call(key) else { continue }
            // Of several copies of one recording, the latest received counts.
            if let earlier = found[key], earlier.received > document.call.source.receivedAt { continue }
            document.evaluation = nil
            document.call.metadata.scorecard = labelled.card
            let evaluation = try runtime.deriver.derive(
                &document, after: .answers, scoring: scoring,
                transcript: { try store.transcript(in: folder) }, analysis: { try store.analysis(in: folder) }
            ).evaluation
            found[key] = (document.call.source.receivedAt, evaluation)
        }
        var agreement = ScoringAgreement.compute(
            expected: expected, evaluations: expected.calls.compactMap { call in found[call.name].map { (call.name, $0.evaluation) } },
            scorecards: scoring.scorecards)
        let missing = expected.calls.map(\.name).filter { found[$0] == nil }
        if !missing.isEmpty {
            agreement.notes.append("not in the store (process them first): " + missing.joined(separator: ", "))
        }
        return agreement
    }

    /// A recording analysed as the pipeline does, not stored.
    func analyse(_ file: String) throws -> CallDocument {
        var metadata = CallMetadata()
        if let sidecar = InboxLayout.sidecar(for: file) {
            guard let data = FileManager.default.contents(atPath: sidecar) else {
                throw RuntimeError.cannotRead(path: sidecar, detail: "permission denied")
            }
            let (parsed, diagnostics) = MetadataParser.parse(String(decoding: data, as: UTF8.self), file: sidecar)
            guard let parsed else { throw RuntimeError.invalidMetadata(diagnostics) }
            metadata = parsed
        }
        let copy: WorkingCopy
        do {
            copy = try runtime.copies.make(from: file, label: "eval")
        } catch let error as AudioError {
            throw RuntimeError.cannotRead(path: file, detail: error.localizedDescription)
        }
        defer { copy.remove() }
        let language = metadata.language ?? runtime.config.speech.language
        let result = try runtime.analyzer.run(
            converted: copy.path,
            request: TranscriptionRequest(audioPath: copy.path, language: language == "auto" ? nil : language, prompt: runtime.config.speech.prompt),
            speech: runtime.speech, metadata: metadata)
        let name = (file as NSString).lastPathComponent
        let record = CallRecord(
            id: "eval", status: "transcribed",
            source: CallSource(fileName: name, sha256: "", bytes: 0, receivedAt: Timestamp.iso(runtime.clock.now())),
            audioFile: name, audio: copy.audio, metadata: metadata, processing: nil)
        return CallDocument(call: record, transcript: result.transcript, analysis: result.analysis)
    }
}
