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

    /// What was said, scored without the recogniser: each call's reference turns (`DIR/NAME.turns.json`, or
    /// `NAME.json` as make-demo writes them: `{"turns": [{"role": "KONSULTANT", "start": 0.6, "end": 4.1, "text": "…"}]}`)
    /// become its utterances with the right roles, so a disagreement is the rule's, not the recogniser's.
    public func evaluateSaid(expected path: String, references folder: String) throws -> ScoringAgreement {
        let scoring = try scoring()
        let expected = try ExpectedAnswers.load(path, scorecards: scoring.scorecards.set)
        var evaluations: [(name: String, evaluation: Evaluation?)] = []
        for call in expected.calls {
            let candidates = [folder + "/" + call.name + ".turns.json", folder + "/" + call.name + ".json"]
            guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }),
                let data = FileManager.default.contents(atPath: file)
            else {
                throw RuntimeError.cannotRead(path: candidates[0], detail: "no reference turns for \(call.name); write them or leave the call out of the expected answers")
            }
            let said: ReferenceTurns
            do {
                said = try JSONDecoder().decode(ReferenceTurns.self, from: data)
            } catch {
                throw RuntimeError.cannotRead(path: file, detail: "not reference turns (\(error.localizedDescription)); expected {\"turns\": [{\"role\", \"start\", \"end\", \"text\"}]}")
            }
            var document = said.document(name: call.name, card: call.card, now: Timestamp.iso(runtime.clock.now()))
            evaluations.append((call.name, runtime.deriver.derive(&document, after: .utterances, scoring: scoring).evaluation))
        }
        return ScoringAgreement.compute(expected: expected, evaluations: evaluations, scorecards: scoring.scorecards)
    }

    /// A recording analysed as the pipeline does, not stored.
    func analyse(_ file: String) throws -> CallDocument {
        var metadata = CallMetadata()
        if let sidecar = InboxLayout.sidecar(for: file) {
            // Read as the pipeline reads a sidecar: a plain file of at most 64 KiB.
            let data: Data
            do {
                data = try InboxFile.read(sidecar, limit: Pipeline.sidecarLimit, followLinks: true)
            } catch {
                throw RuntimeError.cannotRead(path: sidecar, detail: error.localizedDescription)
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

/// A call's reference turns: who said what, when.
struct ReferenceTurns: Decodable {
    struct Turn: Decodable {
        var role: String
        var start: Double
        var end: Double
        var text: String
    }

    var turns: [Turn]

    /// A call whose transcript and utterances are exactly these turns (words spread over each turn in proportion
    /// to their length), KONSULTANT as S1 and KLIENT as S2, the roles set by hand.
    func document(name: String, card: String, now: String) -> CallDocument {
        var utterances: [Utterance] = []
        var segments: [Segment] = []
        for (index, turn) in turns.sorted(by: { $0.start < $1.start }).enumerated() {
            let pieces = turn.text.split(separator: " ").map(String.init)
            let letters = Double(max(1, pieces.reduce(0) { $0 + $1.count + 1 }))
            var cursor = turn.start
            let words = pieces.map { piece -> Word in
                let length = (turn.end - turn.start) * Double(piece.count + 1) / letters
                defer { cursor += length }
                return Word(text: " " + piece, start: cursor, end: cursor + length, probability: 1)
            }
            let speaker = turn.role == Role.konsultant.rawValue ? "S1" : "S2"
            utterances.append(Utterance(id: index, speaker: speaker, start: turn.start, end: turn.end, text: turn.text, words: words))
            segments.append(Segment(id: index, start: turn.start, end: turn.end, text: " " + turn.text, words: words))
        }
        let duration = (turns.map(\.end).max() ?? 0) + 0.8
        let transcript = Transcript(
            language: "pl", duration: duration, text: turns.map(\.text).joined(separator: " "), segments: segments,
            engine: EngineInfo(endpoint: "reference", model: "reference turns"))
        let analysis = Analysis(
            method: .channels, speakers: [Speaker(id: "S1", role: .konsultant), Speaker(id: "S2", role: .klient)],
            segments: utterances.map { SpeakerSegment(speaker: $0.speaker, start: $0.start, end: $0.end) }, utterances: utterances,
            roles: RoleDecision(method: .manual, confidence: 1, cues: ["reference turns"]),
            stats: TalkStats(duration: duration, speakers: [], overlaps: [], interruptions: [], silences: [], holds: [], longestSilence: 0, talkListenRatio: nil))
        let record = CallRecord(
            id: "said", status: "transcribed", source: CallSource(fileName: name, sha256: "", bytes: 0, receivedAt: now),
            audioFile: name, audio: AudioInfo(format: "reference", sampleRate: 16000, channels: 2, duration: duration, peakDb: 0, rmsDb: 0),
            metadata: CallMetadata(scorecard: card), processing: nil)
        return CallDocument(call: record, transcript: transcript, analysis: analysis)
    }
}
