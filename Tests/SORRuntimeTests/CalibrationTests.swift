import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime
@testable import SORScoring

/// The expected-answers file, the agreement arithmetic and the SALES card's withdrawal right, on the project's own
/// `scorecards.yaml`.
@Suite("Calibration: expected answers and agreement")
struct CalibrationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func scoring() throws -> ScoringService {
        let text = try String(contentsOfFile: root + "/scorecards.yaml", encoding: .utf8)
        let (set, diagnostics) = ScorecardParser.parse(text)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return ScoringService(scorecards: LoadedScorecards(set: try #require(set), sha256: "test", commit: nil, problems: []), config: Config().scoring)
    }

    /// Sentences as a transcript: one segment each, a word every 0.4 s.
    static func transcript(_ sentences: [String]) -> Transcript {
        var segments: [Segment] = []
        var time = 0.0
        for (index, sentence) in sentences.enumerated() {
            let own = sentence.split(separator: " ").map { word -> Word in
                defer { time += 0.4 }
                return Word(text: " " + word, start: time, end: time + 0.35, probability: 0.95)
            }
            segments.append(Segment(id: index, start: own.first!.start, end: own.last!.end, text: sentence, words: own))
        }
        return Transcript(language: "pl", duration: time, text: sentences.joined(separator: " "), segments: segments, engine: EngineInfo(endpoint: "t", model: "t"))
    }

    /// A call on a card from its sentences (no analysis: rules look at the whole call).
    static func sales(_ sentences: [String], scoring: ScoringService, card: String = "SALES") throws -> Evaluation {
        var (record, _) = StoreTests.sampleRecord()
        record.metadata.scorecard = card
        return try #require(scoring.evaluate(CallDocument(call: record, transcript: transcript(sentences)), previous: nil))
    }

    static let refused = [
        "Dzień dobry, nazywam się Jan Kowalski, dzwonię z firmy Telkom Plus z ofertą handlową.",
        "Proponuję internet za 59 złotych miesięcznie przez 24 miesiące, łącznie 1416 złotych.",
        "Nie, dziękuję, nie jestem zainteresowany i nie zgadzam się na żadną umowę.",
        "Rozumiem, dziękuję za rozmowę, do widzenia.",
    ]

    static func criterion(_ evaluation: Evaluation, _ id: String) -> CriterionResult? {
        evaluation.card("SALES")?.sections.flatMap(\.criteria).first { $0.id == id }
    }

    @Test("a refused sale owes no withdrawal notice: „nie dotyczy”, no critical failure; a concluded sale without it fails critically")
    func withdrawalRight() throws {
        let scoring = try Self.scoring()
        let refused = try Self.sales(Self.refused, scoring: scoring)
        #expect(Self.criterion(refused, "prawo_odstapienia")?.auto?.answer == .notApplicable, "\(String(describing: Self.criterion(refused, "prawo_odstapienia")?.auto))")
        #expect(refused.card("SALES")?.criticalFailures.contains("prawo_odstapienia") == false)

        var concluded = Self.refused
        concluded[2] = "Dobrze, zgadzam się, biorę tę ofertę."
        let sold = try Self.sales(concluded, scoring: scoring)
        #expect(Self.criterion(sold, "prawo_odstapienia")?.auto?.answer == .no)
        #expect(sold.card("SALES")?.criticalFailures.contains("prawo_odstapienia") == true)
    }

    @Test("COLLECTIONS: the debt named before the date of birth fails critically (not: in_order), verification first passes, no word of the debt passes")
    func disclosureOrder() throws {
        let scoring = try Self.scoring()
        func answer(_ sentences: [String]) throws -> Answer? {
            try Self.sales(sentences, scoring: scoring, card: "COLLECTIONS").card("COLLECTIONS")?.sections.flatMap(\.criteria)
                .first { $0.id == "weryfikacja_przed_ujawnieniem" }?.auto?.answer
        }
        let verifyFirst = ["Dzień dobry, proszę potwierdzić datę urodzenia.", "Piąty maja.", "Dziękuję, ma Pan zaległość 300 złotych."]
        let debtFirst = ["Dzień dobry, ma Pan zaległość 300 złotych.", "Proszę potwierdzić datę urodzenia.", "Piąty maja."]
        let thirdParty = ["Dzień dobry, czy zastałem pana Jana?", "Nie, tu syn.", "Zadzwonię jutro, do widzenia."]
        #expect(try answer(verifyFirst) == .yes)
        #expect(try answer(debtFirst) == .no, "disclosed before verification")
        #expect(try answer(thirdParty) == .yes, "nothing disclosed")
        // The debt information does not apply when a third party answers.
        let third = try Self.sales(thirdParty, scoring: scoring, card: "COLLECTIONS").card("COLLECTIONS")
        #expect(third?.sections.flatMap(\.criteria).first { $0.id == "kwota_zadluzenia" }?.auto?.answer == .notApplicable)
        #expect(third?.criticalFailures == [])
    }

    @Test("not: inverts its rule and keeps a rule's missing answer missing")
    func notRule() throws {
        let (set, diagnostics) = ScorecardParser.parse("""
            version: 1
            cards:
              - id: T
                name: T
                pass_threshold: 50
                sections:
                  - id: s
                    name: S
                    weight: 100
                    criteria:
                      - id: no_greeting
                        name: Bez powitania
                        points: 1
                        auto: {not: {said: ["dzień dobry"]}}
                      - id: no_talk_ratio
                        name: Odwrotność proporcji
                        points: 1
                        auto: {not: {talk_ratio: {max: 0.7}, by: KONSULTANT}}
            """)
        let cards = try #require(set, "\(diagnostics)")
        let facts = CallFacts(text: CallText(transcript: Self.transcript(["Dzień dobry, w czym mogę pomóc?"])))
        let answers = Evaluator(scorecards: cards).answers(try #require(cards.card("T")), facts: facts)
        #expect(answers["no_greeting"]?.answer == .no && answers["no_greeting"]?.note.hasPrefix("odwrotnie:") == true)
        #expect(answers["no_talk_ratio"]?.answer == nil, "without speaker turns there is nothing to invert")
        #expect(ScorecardParser.parse("version: 1\ncards: [{id: T, name: T, pass_threshold: 1, sections: [{id: s, name: S, weight: 100, criteria: [{id: c, name: C, points: 1, auto: {not: {}}}]}]}]").0 == nil)
    }

    static let expectedYAML = """
        calls:
          refused:
            card: SALES
            passed: true
            answers:
              powitanie_formula: tak — Wita „Dzień dobry”.
              przedstawienie: tak — Imię, nazwisko i firma.
              prawo_odstapienia: nie dotyczy — Klient odmówił.
              bez_zakazanych_zwrotow: nie — Celowo inaczej niż reguła, by policzyć niezgodność.
              ton_i_kultura: 4 — Uprzejmy.
        """

    @Test("answers are read as „answer — reason” and compared per criterion; a disagreement and a missing label are reported")
    func agreement() throws {
        let scoring = try Self.scoring()
        let (parsed, diagnostics) = ExpectedAnswers.parse(Self.expectedYAML, file: "expected.yaml", scorecards: scoring.scorecards.set)
        let expected = try #require(parsed, "\(diagnostics)")
        let call = try #require(expected.call("refused"))
        #expect(call.answers["prawo_odstapienia"] == .init(answer: .notApplicable, reason: "Klient odmówił."))
        #expect(call.answers["ton_i_kultura"]?.answer == Answer("4"))
        #expect(expected.notes.first?.contains("no expected answer for") == true, "criteria left unlabelled are named")

        let agreement = ScoringAgreement.compute(
            expected: expected, evaluations: [("refused", try Self.sales(Self.refused, scoring: scoring))], scorecards: scoring.scorecards)
        let rows = Dictionary(uniqueKeysWithValues: agreement.criteria.map { ($0.criterion!, $0) })
        #expect(rows["powitanie_formula"]?.agreed == 1 && rows["przedstawienie"]?.agreed == 1 && rows["prawo_odstapienia"]?.agreed == 1)
        #expect(rows["bez_zakazanych_zwrotow"]?.agreed == 0 && rows["bez_zakazanych_zwrotow"]?.compared == 1)
        #expect(rows["ton_i_kultura"] == nil, "a manual-only criterion is not compared")
        #expect(agreement.manualOnly.contains("SALES.ton_i_kultura"))
        #expect(agreement.overall.compared == 4 && agreement.overall.agreed == 3)
        #expect(agreement.disagreements.map(\.criterion) == ["bez_zakazanych_zwrotow"])
        #expect(agreement.falseCritical.isEmpty && agreement.missedCritical.isEmpty)
        #expect(agreement.calls.count == 1)
        #expect(agreement.text.contains { $0.hasPrefix("overall") && $0.contains("3/4") }, "\(agreement.text)")
    }

    @Test("a wrong card, criterion or answer is an error with its line and a way to fix it")
    func invalid() throws {
        let scoring = try Self.scoring()
        let text = """
            calls:
              a:
                card: SALE
              b:
                card: SERVICE
                answers:
                  powitanie_formla: tak — x
                  empatia: może — x
                  pytanie_o_sprawe: nie dotyczy — x
                  ton_i_kultura: 7 — x
            """
        let (parsed, diagnostics) = ExpectedAnswers.parse(text, file: "e.yaml", scorecards: scoring.scorecards.set)
        #expect(parsed == nil)
        let messages = diagnostics.map(\.description)
        #expect(messages.contains { $0.contains("e.yaml:3") && $0.contains("no card SALE") && $0.contains("SALES") }, "\(messages)")
        #expect(messages.contains { $0.contains("e.yaml:7") && $0.contains("did you mean 'powitanie_formula'") }, "\(messages)")
        #expect(messages.contains { $0.contains("e.yaml:8") && $0.contains("„może” is not an answer") }, "\(messages)")
        #expect(messages.contains { $0.contains("e.yaml:9") && $0.contains("does not allow „nie dotyczy”") }, "\(messages)")
        #expect(messages.contains { $0.contains("e.yaml:10") && $0.contains("0 to 5") }, "\(messages)")
    }

    @Test("Cohen's kappa: chance-corrected, undefined when both sides always give one answer")
    func kappa() {
        let value = ScoringAgreement.kappa([("yes", "yes"), ("yes", "yes"), ("no", "no"), ("yes", "no")])
        #expect(value.map { abs($0 - 0.5) < 1e-9 } == true, "observed 0.75, chance 0.5 → 0.5, got \(String(describing: value))")
        #expect(ScoringAgreement.kappa([("yes", "yes"), ("yes", "yes")]) == nil)
        #expect(ScoringAgreement.kappa([("yes", "no"), ("no", "yes")]).map { $0 < 0 } == true, "worse than chance is negative")
    }
}
