import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime
@testable import SORScoring

/// A two-party analysis of the edit tests' sample call: utterance 0 ("Dzień dobry.") by S1, utterance 1 ("W czym
/// mogę pomóc?") by S2, with the roles the wrong way round (S1 KLIENT), as a first-speaker guess would have them.
enum AnalysisSample {
    static func analysis(of transcript: Transcript) -> Analysis {
        let utterances = transcript.segments.enumerated().map { index, segment in
            Utterance(
                id: index, speaker: index % 2 == 0 ? "S1" : "S2", start: segment.start, end: segment.end,
                text: segment.text.trimmingCharacters(in: .whitespaces), words: segment.words)
        }
        let speakers = [Speaker(id: "S1", role: .klient), Speaker(id: "S2", role: .konsultant)]
        let stats = TalkStats(
            duration: transcript.duration,
            speakers: [
                SpeakerStats(speaker: "S1", talkTime: 1.1, talkShare: 0.42, utterances: 1, words: 2, interruptions: 0),
                SpeakerStats(speaker: "S2", talkTime: 1.5, talkShare: 0.58, utterances: 1, words: 4, interruptions: 0),
            ],
            overlaps: [], interruptions: [], silences: [], holds: [], longestSilence: 0.3, talkListenRatio: 1.36)
        return Analysis(
            method: .neural, speakers: speakers, segments: utterances.map { SpeakerSegment(speaker: $0.speaker, start: $0.start, end: $0.end) },
            utterances: utterances,
            roles: RoleDecision(method: .firstSpeaker, confidence: 0.55, cues: ["S1 mówi pierwszy"], needsReview: true),
            stats: stats)
    }

    /// The edit tests' workspace with its call stored with an analysis.
    static func setUp(_ scratch: Scratch) throws -> (EditProcessor, Workspace, String) {
        let (processor, workspace, id) = try EditTests.setUp(scratch)
        let folder = try processor.store.find(id)
        let transcript = try #require(try processor.store.transcript(in: folder))
        try processor.store.replaceAnalysis(analysis(of: transcript), in: folder)
        // Scored as the pipeline would: on the utterances.
        let document = try processor.store.load(folder: folder)
        if let evaluation = processor.scorer.current?.evaluate(document, previous: nil) {
            try processor.store.write(FileFormats.json(evaluation), as: "evaluation.json", in: folder)
        }
        return (processor, workspace, id)
    }
}

@Suite("Analysis in the store")
struct AnalysisStoreTests {
    @Test("analysis.json is stored sealed with a new call, loads back unchanged, can be replaced, and record(in:) does not read it")
    func roundTrip() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sor-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try StoreTests.store(root)
        let (record, transcript) = StoreTests.sampleRecord()
        let analysis = AnalysisSample.analysis(of: transcript)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/input.wav", contents: Data("RIFF".utf8))
        try store.save(record: record, transcript: transcript, analysis: analysis, audioFrom: root + "/input.wav", moveInputs: false)

        let folder = root + "/calls/2026/11/02/0123456789abcdef"
        #expect(FileManager.default.fileExists(atPath: folder + "/analysis.json.sealed"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/analysis.json"), "no plaintext copy")
        let sealed = try #require(FileManager.default.contents(atPath: folder + "/analysis.json.sealed"))
        #expect(sealed.range(of: Data("Dzień".utf8)) == nil && sealed.range(of: Data("KLIENT".utf8)) == nil, "no plaintext in the sealed bytes")
        #expect(try store.load("0123").analysis == analysis)
        #expect(try store.load(folder: folder, transcript: false).analysis == nil, "left out with the transcript")
        #expect(try store.analysis(in: folder) == analysis)

        var renamed = analysis
        renamed.speakers[0].name = "Pan Kowalski"
        try store.replaceAnalysis(renamed, in: folder)
        #expect(try store.load("0123").analysis?.speakers[0].name == "Pan Kowalski")
        #expect(try store.record(in: folder).revision == 1, "replacing the analysis is not an edit")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(names.allSatisfy { $0.hasSuffix(Vault.suffix) }, "\(names)")
        // `sor show --json` prints the analysis with the call.
        let json = String(decoding: try FileFormats.json(try store.load("0123")), as: UTF8.self)
        #expect(json.contains("\"analysis\"") && json.contains("\"needs_review\" : true") && json.contains("\"Pan Kowalski\""))
    }
}

@Suite("Scoring with speakers")
struct SpeakerScoringTests {
    static let cards = """
        version: 1
        cards:
          - id: ROLES
            name: Role
            pass_threshold: 50
            sections:
              - id: s
                name: Rozmowa
                weight: 100
                criteria:
                  - id: przedstawienie
                    name: Konsultant się przedstawił
                    points: 1
                    auto: {said: ["nazywam się"], by: KONSULTANT}
                  - id: cena
                    name: Klient pyta o cenę
                    points: 1
                    auto: {said: ["ile kosztuje"], by: KLIENT}
                  - id: proporcje
                    name: Konsultant nie mówi za dużo
                    points: 1
                    auto: {talk_ratio: {max: 0.7}, by: KONSULTANT}
                  - id: przerwania
                    name: Konsultant nie wchodzi w słowo
                    points: 1
                    auto: {interruptions: 0, by: KONSULTANT}

        """

    /// S1 introduces themselves (0–2 s); S2 asks for the price, starting at 1.5 s while S1 is still talking.
    static func call(roles: (Role, Role)?) -> CallDocument {
        let (record, transcript) = StoreTests.sampleRecord()
        let first = [Word(text: " Dzień", start: 0, end: 0.4), Word(text: " dobry,", start: 0.4, end: 0.8),
                     Word(text: " nazywam", start: 0.8, end: 1.3), Word(text: " się", start: 1.3, end: 1.5), Word(text: " Anna.", start: 1.5, end: 2.0)]
        let second = [Word(text: " Ile", start: 1.5, end: 1.9), Word(text: " kosztuje", start: 1.9, end: 2.6), Word(text: " abonament?", start: 2.6, end: 3.5)]
        var analysis = AnalysisSample.analysis(of: transcript)
        analysis.utterances = [
            Utterance(id: 0, speaker: "S1", start: 0, end: 2.0, text: "Dzień dobry, nazywam się Anna.", words: first),
            Utterance(id: 1, speaker: "S2", start: 1.5, end: 3.5, text: "Ile kosztuje abonament?", words: second, overlap: true, interruption: true),
        ]
        analysis.speakers = [Speaker(id: "S1", role: roles?.0), Speaker(id: "S2", role: roles?.1)]
        return CallDocument(call: record, transcript: transcript, analysis: roles == nil ? nil : analysis)
    }

    static func answers(_ document: CallDocument) throws -> [String: Answer?] {
        let (set, diagnostics) = ScorecardParser.parse(cards)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let loaded = LoadedScorecards(set: try #require(set), sha256: "test", commit: nil, problems: [])
        var config = Config().scoring
        config.defaultCards = ["ROLES"]
        let evaluation = try #require(ScoringService(scorecards: loaded, config: config).evaluate(document, previous: nil))
        let criteria = try #require(evaluation.card("ROLES")).sections.flatMap(\.criteria)
        return Dictionary(uniqueKeysWithValues: criteria.map { ($0.id, $0.auto?.answer) })
    }

    @Test("by: KLIENT and by: KONSULTANT count only that party's words; talk ratio and interruptions use the utterances")
    func roles() throws {
        let right = try Self.answers(Self.call(roles: (.konsultant, .klient)))
        #expect(right["przedstawienie"] == .yes && right["cena"] == .yes)
        #expect(right["proporcje"] == .yes, "the consultant talks half the time")
        #expect(right["przerwania"] == .yes, "the client interrupted, not the consultant")

        let swapped = try Self.answers(Self.call(roles: (.klient, .konsultant)))
        #expect(swapped["przedstawienie"] == .no, "only the client said „nazywam się”")
        #expect(swapped["cena"] == .no, "only the consultant asked the price")
        #expect(swapped["przerwania"] == .no, "now the consultant is the one who cut in")

        let facts = ScoringService.facts(transcript: Self.call(roles: (.klient, .konsultant)).transcript!, analysis: Self.call(roles: (.klient, .konsultant)).analysis)
        #expect(facts.turns == [
            Turn(role: .klient, start: 0, end: 2.0, text: "Dzień dobry, nazywam się Anna."),
            Turn(role: .konsultant, start: 1.5, end: 3.5, text: "Ile kosztuje abonament?"),
        ])
        #expect(facts.text.hasRoles && facts.text.tokens.first { $0.text == "nazywam" }?.role == .klient)
    }

    @Test("a call without an analysis is scored on its transcript, with no roles and no turns")
    func withoutAnalysis() throws {
        let facts = ScoringService.facts(transcript: Self.call(roles: nil).transcript!, analysis: nil)
        #expect(facts.turns == nil && !facts.text.hasRoles)
        #expect(try Self.answers(Self.call(roles: nil))["proporcje"] == .some(nil), "talk ratio is left for an evaluator")
    }
}

@Suite("Edit documents for speakers and utterances")
struct AnalysisEditTests {
    static func apply(_ json: String, user: String = "anna", name: String = "e1.json", _ processor: EditProcessor, _ workspace: Workspace) throws -> EditOutcome {
        processor.apply(try EditTests.drop(json, user: user, name: name, in: workspace), user: user)
    }

    static func analysis(_ processor: EditProcessor, _ id: String) throws -> Analysis {
        try #require(try processor.store.load(id).analysis)
    }

    @Test("roles.swap swaps KLIENT and KONSULTANT, marks the decision manual, keeps the speakers' before/after and is audited")
    func swap() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try AnalysisSample.setUp(scratch)
        let outcome = try Self.apply(#"{"schema": 1, "type": "roles.swap", "call": "00112233", "base_revision": 1}"#, user: "ewa.k", processor, workspace)
        #expect(outcome == .applied(call: id, revision: 2))
        let document = try processor.store.load(id)
        let analysis = try #require(document.analysis)
        #expect(analysis.speakers.map(\.role) == [.konsultant, .klient])
        #expect(analysis.roles == RoleDecision(method: .manual, confidence: 1, cues: ["role zamienione ręcznie: ewa.k"], needsReview: false))
        // The utterances are untouched; only their sentiment is derived again (the parties changed).
        let withoutSentiment = analysis.utterances.map { utterance -> Utterance in
            var plain = utterance
            plain.sentiment = nil
            return plain
        }
        #expect(withoutSentiment == AnalysisSample.analysis(of: try #require(document.transcript)).utterances, "utterances untouched")
        #expect(analysis.utterances.allSatisfy { $0.sentiment != nil })
        let entry = try #require(document.history.last)
        #expect(entry.type == "roles.swap" && entry.user == "ewa.k" && entry.state == "applied" && entry.revision == 2)
        #expect(entry.before?["S1"] == "KLIENT" && entry.after?["S1"] == "KONSULTANT" && entry.after?["S2"] == "KLIENT")
        #expect(entry.after?["speakers"]?.contains("\"role\":\"KONSULTANT\"") == true)
        #expect(entry.after?["roles"]?.contains("\"method\":\"manual\"") == true)
        #expect(entry.after?["utterances"] == nil, "only what changed is kept")
        let event = try #require(processor.audit.events().last)
        #expect(event.actor == "user:ewa.k" && event.action == "edit" && event.outcome == "applied" && event.detail?["type"] == "roles.swap")
        #expect(document.call.updatedBy == "ewa.k")
    }

    @Test("speaker.role sets one speaker's role and gives the other speaker the other role")
    func role() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try AnalysisSample.setUp(scratch)
        #expect(try Self.apply(#"{"schema": 1, "type": "speaker.role", "call": "00112233", "base_revision": 1, "speaker": "S2", "role": "KLIENT"}"#, processor, workspace)
            == .applied(call: id, revision: 2))
        let analysis = try Self.analysis(processor, id)
        #expect(analysis.speakers.map(\.role) == [.konsultant, .klient])
        #expect(analysis.roles.method == .manual && !analysis.roles.needsReview && analysis.roles.confidence == 1)
    }

    @Test("utterance.speaker moves one utterance to the other speaker and keeps that utterance's before/after")
    func move() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try AnalysisSample.setUp(scratch)
        #expect(try Self.apply(#"{"schema": 1, "type": "utterance.speaker", "call": "00112233", "base_revision": 1, "utterance": 1, "speaker": "S1"}"#, processor, workspace)
            == .applied(call: id, revision: 2))
        let document = try processor.store.load(id)
        #expect(document.analysis?.utterances.map(\.speaker) == ["S1", "S1"])
        let entry = try #require(document.history.last)
        #expect(entry.before?["speaker"] == "S2 · KONSULTANT" && entry.after?["speaker"] == "S1 · KLIENT")
        let moved = try FileFormats.jsonDecoder().decode([Utterance].self, from: Data(try #require(entry.after?["utterances"]).utf8))
        #expect(moved.map(\.id) == [1] && moved[0].speaker == "S1")
    }

    @Test("utterance.split cuts before the word, gives the second part a new id and optionally another speaker")
    func split() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try AnalysisSample.setUp(scratch)
        #expect(try Self.apply(#"{"schema": 1, "type": "utterance.split", "call": "00112233", "base_revision": 1, "utterance": 1, "at_word": 2, "speaker": "S1"}"#, processor, workspace)
            == .applied(call: id, revision: 2))
        let analysis = try Self.analysis(processor, id)
        #expect(analysis.utterances.map(\.id) == [0, 1, 2])
        #expect(analysis.utterances.map(\.speaker) == ["S1", "S2", "S1"])
        #expect(analysis.utterances[1].text == "W czym" && analysis.utterances[1].start == 1.5 && analysis.utterances[1].end == 2.0)
        #expect(analysis.utterances[2].text == "mogę pomóc?" && analysis.utterances[2].start == 2.0 && analysis.utterances[2].end == 3.0)
        #expect(analysis.utterances[2].words.map(\.text) == [" mogę", " pomóc?"])
        let entry = try #require(try processor.store.load(id).history.last)
        #expect(entry.before?["utterance"] == "1" && entry.after?["utterance"] == "1, 2" && entry.after?["at_word"] == "2")
    }

    @Test("speaker.rename gives a speaker a display name")
    func rename() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try AnalysisSample.setUp(scratch)
        #expect(try Self.apply(#"{"schema": 1, "type": "speaker.rename", "call": "00112233", "base_revision": 1, "speaker": "S2", "name": "  Anna Nowak "}"#, processor, workspace)
            == .applied(call: id, revision: 2))
        #expect(try Self.analysis(processor, id).speakers.map(\.name) == [nil, "Anna Nowak"])
        let entry = try #require(try processor.store.load(id).history.last)
        #expect(entry.before?["name"] == "" && entry.after?["name"] == "Anna Nowak" && entry.after?["speaker"] == "S2")
    }

    @Test("utterance.text replaces the words, spread over the utterance by length, and the call is scored on the new text")
    func text() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try AnalysisSample.setUp(scratch)
        let before = try #require(try processor.store.load(id).evaluation?.card("SERVICE"))
        #expect(before.sections.flatMap(\.criteria).first { $0.id == "bez_zakazanych" }?.auto?.answer == .yes)
        #expect(try Self.apply(#"{"schema": 1, "type": "utterance.text", "call": "00112233", "base_revision": 1, "utterance": 1, "text": "Niestety nie wiem, proszę pana."}"#, processor, workspace)
            == .applied(call: id, revision: 2))
        let document = try processor.store.load(id)
        let utterance = try #require(document.analysis?.utterances[1])
        #expect(utterance.text == "Niestety nie wiem, proszę pana.")
        #expect(utterance.words.map(\.text) == [" Niestety", " nie", " wiem,", " proszę", " pana."])
        #expect(utterance.words.allSatisfy { $0.probability == 1 }, "a person wrote them")
        #expect(utterance.words.first?.start == 1.5 && utterance.words.last?.end == 3.0, "they share the utterance's span")
        let lengths = utterance.words.map { $0.end - $0.start }
        #expect(lengths[0] > lengths[1], "longer words get more time")
        #expect(document.transcript?.segments[1].text == " W czym mogę pomóc?", "transcript.json keeps what the engine heard")
        let card = try #require(document.evaluation?.card("SERVICE"))
        let criterion = try #require(card.sections.flatMap(\.criteria).first { $0.id == "bez_zakazanych" })
        #expect(criterion.auto?.answer == .no && criterion.auto?.evidence.first?.quote == "Niestety", "scored on the corrected utterance")
        let entry = try #require(document.history.last)
        #expect(entry.before?["text"] == "W czym mogę pomóc?" && entry.after?["text"] == "Niestety nie wiem, proszę pana.")

        // Same number of words: each keeps its timing.
        #expect(try Self.apply(#"{"schema": 1, "type": "utterance.text", "call": "00112233", "base_revision": 2, "utterance": 0, "text": "Dzień dobry!"}"#, name: "e2.json", processor, workspace)
            == .applied(call: id, revision: 3))
        let first = try #require(try Self.analysis(processor, id).utterances.first)
        #expect(first.words.map(\.start) == [0.1, 0.6] && first.words.map(\.text) == [" Dzień", " dobry!"])
    }

    @Test("a corrected utterance text and a moved utterance get their sentiment again through the derive step")
    func sentiment() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try AnalysisSample.setUp(scratch)
        #expect(try Self.apply(#"{"schema": 1, "type": "utterance.text", "call": "00112233", "base_revision": 1, "utterance": 0, "text": "To skandal, złożę reklamację!"}"#, processor, workspace)
            == .applied(call: id, revision: 2))
        var analysis = try Self.analysis(processor, id)
        let complaint = try #require(analysis.utterances[0].sentiment)
        #expect(complaint.label == .negatywny && complaint.cues.contains { $0.text == "skandal" }, "\(complaint)")
        #expect(analysis.utterances[1].sentiment?.label == .neutralny, "\(String(describing: analysis.utterances[1].sentiment))")
        let klient = try #require(analysis.sentiment?.klient)
        #expect(klient.score < 0 && klient.mostNegative?.utterance == 0)
        #expect(analysis.sentiment?.konsultant?.mostNegative == nil)

        // Moved to the consultant, the complaint is the consultant's.
        #expect(try Self.apply(#"{"schema": 1, "type": "utterance.speaker", "call": "00112233", "base_revision": 2, "utterance": 0, "speaker": "S2"}"#, name: "e2.json", processor, workspace)
            == .applied(call: id, revision: 3))
        analysis = try Self.analysis(processor, id)
        #expect(analysis.sentiment?.konsultant?.mostNegative?.utterance == 0, "\(String(describing: analysis.sentiment))")
        #expect(analysis.sentiment?.klient == nil)
    }

    @Test("bad corrections are rejected with a reason and change nothing", arguments: [
        (#""type": "utterance.text", "utterance": 7, "text": "x""#, "utterance 7 does not exist; the call's utterances are numbered 0…1"),
        (#""type": "utterance.text", "utterance": 1, "text": "  ""#, "non-empty"),
        (#""type": "utterance.text", "utterance": 1, "text": "W czym  mogę pomóc?""#, "nothing to change"),
        (#""type": "utterance.text", "text": "x""#, "missing \"utterance\""),
        (#""type": "utterance.speaker", "utterance": 1, "speaker": "S9""#, "speaker \"S9\" does not exist; the call's speakers are S1, S2"),
        (#""type": "utterance.speaker", "utterance": 1, "speaker": "S2""#, "already S2's"),
        (#""type": "utterance.split", "utterance": 1, "at_word": 0"#, "only be split before words 1…3"),
        (#""type": "utterance.split", "utterance": 1, "at_word": 4"#, "only be split before words 1…3"),
        (#""type": "utterance.split", "utterance": 9, "at_word": 1"#, "utterance 9 does not exist"),
        (#""type": "utterance.split", "utterance": 1, "at_word": 1, "speaker": "S3""#, "speaker \"S3\" does not exist"),
        (#""type": "speaker.rename", "speaker": "S1", "name": " ""#, "non-empty display name"),
        (#""type": "speaker.rename", "speaker": "S1", "name": "\#(String(repeating: "a", count: 81))""#, "longer than 80"),
        (#""type": "speaker.rename", "speaker": "X", "name": "Jan""#, "speaker \"X\" does not exist"),
        (#""type": "speaker.role", "speaker": "S1", "role": "AGENT""#, "must be KLIENT or KONSULTANT"),
        (#""type": "speaker.role", "speaker": "S1", "role": "KLIENT""#, "already KLIENT"),
        (#""type": "roles.swap", "speaker": "S1""#, "unknown key \"speaker\""),
        (#""type": "transcript.text", "segment": 1, "text": "x""#, "\"utterance.text\""),
    ])
    func rejected(fields: String, expected: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try AnalysisSample.setUp(scratch)
        let before = try processor.store.load(id)
        let json = #"{"schema": 1, "call": "00112233", "base_revision": 1, "# + fields + "}"
        guard case .rejected(let reason) = try Self.apply(json, processor, workspace) else {
            Issue.record("accepted: \(json)")
            return
        }
        #expect(reason.contains(expected), "\(reason)")
        let after = try processor.store.load(id)
        #expect(after.call.revision == 1 && after.analysis == before.analysis, "nothing changed")
        if !expected.hasPrefix("unknown key") {  // refused before the call is looked up: not in its history
            #expect(after.history.last?.state == "rejected" && after.history.last?.reason == reason)
        }
        #expect(FileManager.default.fileExists(atPath: workspace.failed + "/edits/anna/e1.json"))
        #expect(processor.audit.events().last?.outcome == "rejected")
    }

    @Test("every correction of speakers is rejected on a call that has no analysis yet", arguments: EditProcessor.analysisTypes)
    func withoutAnalysis(type: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, _) = try EditTests.setUp(scratch)
        guard case .rejected(let reason) = try Self.apply(#"{"schema": 1, "type": "\#(type)", "call": "00112233", "base_revision": 1}"#, processor, workspace) else {
            Issue.record("accepted")
            return
        }
        #expect(reason.contains("no speaker analysis yet"), "\(reason)")
    }

    @Test("a split interrupted after its journal is finished once, not applied twice")
    func interrupted() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try AnalysisSample.setUp(scratch)
        let json = #"{"schema": 1, "type": "utterance.split", "call": "00112233", "base_revision": 1, "utterance": 1, "at_word": 1}"#
        let path = try EditTests.drop(json, in: workspace)
        let folder = try processor.store.find(id)
        let callBefore = try #require(try processor.store.read("call.yaml", in: folder))
        #expect(processor.apply(path, user: "anna") == .applied(call: id, revision: 2))
        // The analysis was written, the commit (call.yaml) lost: seen again, the journal finishes it.
        try processor.store.write(callBefore, as: "call.yaml", in: folder)
        _ = try EditTests.drop(json, in: workspace)
        #expect(processor.apply(path, user: "anna") == .applied(call: id, revision: 2))
        let analysis = try Self.analysis(processor, id)
        #expect(analysis.utterances.map(\.id) == [0, 1, 2], "one new utterance, not two")
        #expect(analysis.utterances.map(\.text) == ["Dzień dobry.", "W", "czym mogę pomóc?"])
        #expect(try processor.store.load(id).history.filter { $0.state == "applied" }.count == 1)
    }
}

@Suite("Sentiment rules in scorecards")
struct SentimentRuleTests {
    static let cards = """
        version: 1
        cards:
          - id: NASTROJ
            name: Nastawienie
            pass_threshold: 50
            sections:
              - id: nastroj
                name: Nastawienie
                weight: 100
                criteria:
                  - id: klient_nie_gorzej
                    name: Klient kończy nie gorzej, niż zaczął
                    points: 1
                    auto: {sentiment_change: {min: 0}, by: KLIENT}
                  - id: konsultant_bez_negatywnych
                    name: Żadnej negatywnej wypowiedzi konsultanta
                    points: 1
                    auto: {sentiment_floor: {below: -0.3}, by: KONSULTANT}
                  - id: eskalacja
                    name: Prośba o kierownika obsłużona
                    points: 1
                    auto:
                      escalation_handled:
                        requests: ["rozmawiać z kierownikiem", "połączyć z przełożonym"]
                        handled: ["połączę pana", "przekażę sprawę", "kierownik oddzwoni"]
                        within: 60
        """

    /// A two-party call of these (role, text) turns, five seconds each, with its sentiment derived.
    static func facts(_ turns: [(Role, String)]) -> CallFacts {
        var utterances: [Utterance] = []
        var segments: [Segment] = []
        for (index, (role, text)) in turns.enumerated() {
            let start = Double(index) * 5
            let tokens = text.split(separator: " ")
            let words = tokens.enumerated().map { offset, word in
                Word(text: " " + word, start: start + Double(offset) * 0.3, end: start + Double(offset) * 0.3 + 0.25)
            }
            utterances.append(Utterance(id: index, speaker: role == .klient ? "S1" : "S2", start: start, end: start + 4.5, text: text, words: words))
            segments.append(Segment(id: index, start: start, end: start + 4.5, text: text, words: words))
        }
        let transcript = Transcript(language: "pl", duration: Double(turns.count) * 5, text: "", segments: segments, engine: EngineInfo(endpoint: "t", model: "t"))
        let stats = TalkStats(duration: transcript.duration, speakers: [], overlaps: [], interruptions: [], silences: [], holds: [], longestSilence: 0, talkListenRatio: nil)
        let analysis = Analysis(
            method: .channels, speakers: [Speaker(id: "S1", role: .klient), Speaker(id: "S2", role: .konsultant)], segments: [],
            utterances: utterances, roles: RoleDecision(method: .channelMap, confidence: 1, cues: [], needsReview: false), stats: stats)
        var document = CallDocument(call: StoreTests.sampleRecord().0, transcript: transcript, evaluation: nil, analysis: analysis, history: [])
        _ = SentimentStage().derive(&document)
        return ScoringService.facts(transcript: transcript, analysis: document.analysis)
    }

    static func answers(_ turns: [(Role, String)]) throws -> [String: AutoAnswer] {
        let (set, diagnostics) = ScorecardParser.parse(cards)
        let scorecards = try #require(set, "\(diagnostics)")
        return Evaluator(scorecards: scorecards).answers(scorecards.cards[0], facts: facts(turns))
    }

    @Test("a call that ends better than it began, a polite consultant and a handled escalation pass; each answer has its evidence")
    func pass() throws {
        let answers = try Self.answers([
            (.klient, "To skandal, jestem bardzo niezadowolony z tej faktury."),
            (.konsultant, "Rozumiem, sprawdzę to od razu."),
            (.klient, "Chcę rozmawiać z kierownikiem."),
            (.konsultant, "Dobrze, połączę pana z kierownikiem zmiany."),
            (.klient, "Dziękuję bardzo, teraz wszystko jasne, jestem zadowolony."),
        ])
        #expect(answers["klient_nie_gorzej"]?.answer == .yes, "\(String(describing: answers["klient_nie_gorzej"]))")
        #expect(answers["klient_nie_gorzej"]?.evidence.count == 2)
        #expect(answers["konsultant_bez_negatywnych"]?.answer == .yes, "\(String(describing: answers["konsultant_bez_negatywnych"]))")
        #expect(answers["eskalacja"]?.answer == .yes, "\(String(describing: answers["eskalacja"]))")
        #expect(answers["eskalacja"]?.evidence.count == 2, "the request and the answer are quoted")
    }

    @Test("a call that ends worse, a negative consultant turn and an unanswered escalation fail, quoting what failed")
    func fail() throws {
        let answers = try Self.answers([
            (.klient, "Dzień dobry, mam pytanie o fakturę."),
            (.konsultant, "To jest pana problem, niestety nic nie zrobię, to absurd."),
            (.klient, "Chcę rozmawiać z kierownikiem."),
            (.konsultant, "Nie ma takiej możliwości."),
            (.klient, "To skandal, złożę reklamację i rezygnuję z usług."),
        ])
        #expect(answers["klient_nie_gorzej"]?.answer == .no, "\(String(describing: answers["klient_nie_gorzej"]))")
        let floor = try #require(answers["konsultant_bez_negatywnych"])
        #expect(floor.answer == .no && floor.evidence.first?.quote.contains("absurd") == true, "\(floor)")
        #expect(answers["eskalacja"]?.answer == .no, "\(String(describing: answers["eskalacja"]))")
        // Nobody asked: the escalation criterion holds.
        let calm = try Self.answers([(.klient, "Dzień dobry, dziękuję za informację."), (.konsultant, "Proszę bardzo.")])
        #expect(calm["eskalacja"]?.answer == .yes && calm["eskalacja"]?.note == "klient nie prosił o przełożonego")
    }

    @Test("sentiment rules are checked like every rule: by is required, bounds and keys are validated")
    func diagnostics() {
        let bad = Self.cards.replacingOccurrences(of: "{sentiment_change: {min: 0}, by: KLIENT}", with: "{sentiment_change: {min: 5}}")
            .replacingOccurrences(of: "within: 60", with: "within: 60\n                extra: 1")
        let (_, diagnostics) = ScorecardParser.parse(bad)
        let text = diagnostics.map(\.description).joined(separator: "\n")
        #expect(text.contains("sentiment_change.min"), "\(text)")
        #expect(text.contains("sentiment_change needs by"), "\(text)")
        #expect(text.contains("extra"), "\(text)")
    }
}
