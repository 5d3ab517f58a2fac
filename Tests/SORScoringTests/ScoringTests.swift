import Foundation
import Testing
@testable import SORCore
@testable import SORScoring

/// A transcript from text, one word every 0.4 s, one segment per sentence.
func transcript(_ sentences: [String], gap: Double = 0) -> Transcript {
    var segments: [Segment] = []
    var time = 0.0
    for (index, sentence) in sentences.enumerated() {
        let words = sentence.split(separator: " ").map { word -> Word in
            defer { time += 0.4 }
            return Word(text: " " + word, start: time, end: time + 0.35)
        }
        segments.append(Segment(id: index, start: words.first?.start ?? time, end: words.last?.end ?? time, text: sentence, words: words))
        time += gap
    }
    return Transcript(language: "pl", duration: time, text: sentences.joined(separator: " "), segments: segments, engine: EngineInfo(endpoint: "t", model: "t"))
}

@Suite("Polish words")
struct LemmaTests {
    @Test("hunspell-pl gives lemmas; folding drops Polish letters")
    func lemmas() {
        let lemmatizer = Lemmatizer()
        #expect(lemmatizer.dictionary != nil, "hunspell-pl is installed (make setup)")
        #expect(lemmatizer.forms("reklamację").contains("reklamacja"))
        #expect(lemmatizer.forms("Złożę").contains("zlozyc"))
        #expect(lemmatizer.forms("rezygnuję").contains("rezygnowac"))
        #expect(TextNormalizer.fold("Dzień-Dobry!") == "dzien-dobry".replacingOccurrences(of: "-", with: ""))
        #expect(TextNormalizer.fold("ŻÓŁĆ") == "zolc")
    }
}

@Suite("Fuzzy phrases")
struct PhraseTests {
    let matcher = PhraseMatcher(threshold: 0.8)

    func said(_ phrase: String, in text: String) -> Double? {
        let call = CallText(transcript: transcript([text]))
        return matcher.firstMatch(Phrase(phrase), in: call.tokens, indices: Array(call.tokens.indices))?.similarity
    }

    @Test("inflected, diacritics-free and misrecognised forms of a phrase count", arguments: [
        ("nazywam się", "Dzień dobry, nazywam sie Jan Kowalski"),
        ("złożyć reklamację", "chcę złożę reklamacje na piśmie"),
        ("Telkom Plus", "dzwonię z firmy Telkon plus"),
        ("Telkom Plus", "dzwonię z firmy Telkomplus w sprawie"),
        ("w czym mogę pomóc", "w czym moge panu pomóc"),
        ("prawo odstąpienia od umowy", "ma Pan prawo odstapienia od umowy w ciągu"),
        ("rozmowa jest nagrywana", "informuje że rozmowa jest nagrana a administratorem"),
        ("dzień dobry", "Dzień-dobry, nazywam się"),
    ])
    func garbledStillCounts(phrase: String, text: String) {
        let similarity = said(phrase, in: text)
        #expect(similarity != nil, "„\(phrase)” not found in „\(text)”")
    }

    @Test("unrelated words do not count", arguments: [
        ("nazywam się", "Proszę zapłacić rachunek do piątku"),
        ("rozmowa jest nagrywana", "rachunek jest za wysoki i niezrozumiały"),
        ("prawo odstąpienia od umowy", "umowa na dwanaście miesięcy"),
        ("nie wiem", "wiele razy dzwoniłem"),
        ("komornik", "kominek w domu"),
    ])
    func unrelatedDoesNot(phrase: String, text: String) {
        #expect(said(phrase, in: text) == nil, "„\(phrase)” wrongly found in „\(text)”")
    }

    @Test("a phrase after „nie” is its negation and does not count; a phrase that begins with „nie” still does", arguments: [
        ("zgadzam się", "Nie, nie zgadzam się na to", false),
        ("zgadzam się", "Tak, zgadzam się na to", true),
        ("rozumiem", "Przepraszam, nie rozumiem", false),
        ("rozumiem", "Rozumiem, bardzo mi przykro", true),
        ("nie wiem", "Tego nie wiem", true),
        ("musi Pan", "Nie musi Pan nic robić", false),
        ("tu syn", "Nie, tu syn, ojca nie ma", true),
    ])
    func negation(phrase: String, text: String, counts: Bool) {
        #expect((said(phrase, in: text) != nil) == counts, "„\(phrase)” in „\(text)”")
    }

    @Test("a match reports its words and times")
    func evidence() throws {
        let call = CallText(transcript: transcript(["Dzień dobry", "nazywam się Jan Kowalski z Telkom Plus"]))
        let match = try #require(matcher.firstMatch(Phrase("Telkom Plus"), in: call.tokens, indices: Array(call.tokens.indices)))
        #expect(call.tokens[match.lower].text == "Telkom" && match.upper == match.lower + 2)
        #expect(abs(call.tokens[match.lower].start - 2.8) < 0.001)
    }
}

@Suite("Rules and scoring")
struct RuleTests {
    static let card = Scorecard(id: "T", name: "Test", passThreshold: 80, sections: [
        .init(id: "a", name: "Powitanie", weight: 1, criteria: [
            Criterion(id: "greet", name: "Powitanie", points: 2, auto: .said(phrases: ["dzień dobry"], party: .any, window: .first(5), min: 1)),
            Criterion(id: "name", name: "Przedstawienie", points: 2, answer: .partial,
                      auto: .said(phrases: ["nazywam się", "z firmy"], party: .any, window: .whole, min: 2)),
        ]),
        .init(id: "b", name: "Język", weight: 3, criteria: [
            Criterion(id: "nofillers", name: "Bez zakazanych zwrotów", points: 4, critical: true,
                      auto: .notSaid(phrases: ["nie wiem", "niestety"], party: .any, window: .whole)),
            Criterion(id: "objection", name: "Obiekcje", points: 4, naAllowed: true, auto: .said(phrases: ["rozumiem"], party: .any, window: .whole, min: 1),
                      applicableIf: .said(phrases: ["za drogie"], party: .any, window: .whole, min: 1)),
            Criterion(id: "tone", name: "Ton", points: 2, answer: .scale, scale: 4),
        ]),
    ])

    func evaluate(_ sentences: [String]) -> (CardResult, [String: AutoAnswer]) {
        let set = ScorecardSet(cards: [Self.card])
        let answers = Evaluator(scorecards: set).answers(Self.card, facts: CallFacts(text: CallText(transcript: transcript(sentences))))
        return (Scoring.score(card: Self.card, auto: answers, manual: [:]), answers)
    }

    @Test("section percentages, weights, N/A out of the denominator, unanswered left for an evaluator")
    func math() throws {
        let (result, answers) = evaluate(["Dzień dobry nazywam się Anna", "czym mogę służyć"])
        #expect(answers["greet"]?.answer == .yes)
        #expect(answers["greet"]?.evidence.first?.start == 0)
        #expect(answers["name"]?.answer == .partial, "one of two phrases")
        #expect(answers["objection"]?.answer == .notApplicable, "no objection, so N/A")
        #expect(answers["nofillers"]?.answer == .yes)
        // a: (2 + 1) / 4 = 75 %; b: 4/4 (objection N/A, tone unanswered) = 100 %; total (75·1 + 100·3) / 4 = 93.75.
        #expect(result.sections[0].percent == 75)
        #expect(result.sections[1].percent == 100)
        #expect(result.total == 93.75)
        #expect(result.unanswered == ["tone"])
        #expect(result.passed)
        // A manual answer overrides and enters the denominator: tone 1/4 → b = (4 + 0.5) / 6 = 75 %.
        let manual = ["tone": ManualAnswer(answer: Answer("1"), evaluator: "ewa", time: "t")]
        let rescored = Scoring.score(card: Self.card, auto: answers, manual: manual)
        #expect(rescored.sections[1].percent == 75)
        #expect(rescored.total == 75)
        #expect(!rescored.passed, "below the threshold of 80")
    }

    @Test("a critical criterion answered no makes the total 0 and the call fails, with the quote as evidence")
    func critical() throws {
        let (result, answers) = evaluate(["Dzień dobry nazywam się Anna z firmy Telkom", "niestety nie wiem"])
        #expect(answers["nofillers"]?.answer == .no)
        let quotes = answers["nofillers"]?.evidence.map(\.quote) ?? []
        #expect(quotes.contains("niestety") && quotes.contains("nie wiem"))
        #expect(result.criticalFailures == ["nofillers"])
        #expect(result.total == 0 && !result.passed)
    }

    @Test("a window limits where a phrase counts")
    func window() {
        let late = ["raz dwa trzy cztery pięć sześć siedem osiem dziewięć dziesięć jedenaście dwanaście trzynaście", "dzień dobry"]
        #expect(evaluate(late).1["greet"]?.answer == .no, "said after the first 5 s")
    }

    @Test("objection handling applies when the client objects")
    func applicable() {
        let answers = evaluate(["to jest za drogie", "rozumiem ale zobaczmy"]).1
        #expect(answers["objection"]?.answer == .yes)
    }
}
