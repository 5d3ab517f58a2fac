import Foundation
import Testing
@testable import SORCore
@testable import SORSentiment

@Suite("Text sentiment")
struct SentimentTests {
    static let polish = try! SentimentAnalyzer.bundled("pl")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func label(_ text: String) -> SentimentLabel { polish.analyze(text).label }
    static func score(_ text: String) -> Double { polish.analyze(text).score }

    @Test("negation turns a positive word negative, and a negated problem is no complaint", arguments: [
        ("Nie jestem zadowolony z tej usługi.", SentimentLabel.negatywny),
        ("Nie jestem zadowolona z obsługi.", .negatywny),
        ("Nikt mi nie pomógł.", .negatywny),
        ("Internet nadal nie działa.", .negatywny),
        ("Nie ma problemu, zaraz to sprawdzę.", .neutralny),
        ("Nie mam żadnych zastrzeżeń.", .pozytywny),
    ])
    func negation(text: String, expected: SentimentLabel) {
        let result = Self.polish.analyze(text)
        #expect(result.label == expected, "\(text): \(result)")
    }

    @Test("the words that decided it come with the rules applied to them")
    func cues() {
        let result = Self.polish.analyze("Nie jestem zadowolony z tej usługi.")
        let cue = try? #require(result.cues.first)
        #expect(cue?.text == "zadowolony")
        #expect(cue?.rules.contains("negated") == true)
        #expect((cue?.weight ?? 0) < 0)
    }

    @Test("politeness formulas are neutral, not positive", arguments: [
        "Dzień dobry, w czym mogę pomóc?", "Proszę podać numer klienta.", "Dziękuję za cierpliwość, już sprawdzam.",
        "Czy mogę w czymś jeszcze pomóc?", "Dziękuję, do widzenia.",
    ])
    func politeness(text: String) {
        #expect(Self.label(text) == .neutralny, "\(text): \(Self.polish.analyze(text))")
    }

    @Test("intensifiers raise and diminishers lower a cue")
    func intensity() {
        #expect(Self.score("Jestem bardzo rozczarowany.") < Self.score("Jestem rozczarowany."))
        #expect(Self.score("Jestem trochę rozczarowany.") > Self.score("Jestem rozczarowany."))
        #expect(Self.score("Bardzo dziękuję za pomoc.") > Self.score("Dziękuję za pomoc."))
        #expect(Self.score("Dziękuję bardzo za pomoc.") > Self.score("Dziękuję za pomoc."))
    }

    @Test("call-centre complaints, threats to leave and escalations are negative", arguments: [
        "Złożę reklamację.", "Rezygnuję z waszych usług.", "Zgłoszę to do UOKiK.", "Pójdę z tym do sądu.",
        "Chcę rozmawiać z kierownikiem.", "To już trzeci raz dzwonię w tej sprawie.", "Wypowiadam umowę.",
    ])
    func complaints(text: String) {
        #expect(Self.label(text) == .negatywny, "\(text): \(Self.polish.analyze(text))")
    }

    @Test("text without Polish diacritics gets the same label")
    func diacritics() {
        for (with, without) in [
            ("Nie jestem zadowolony z tej usługi, to już trzeci raz.", "Nie jestem zadowolony z tej uslugi, to juz trzeci raz."),
            ("Świetnie, bardzo dziękuję!", "Swietnie, bardzo dziekuje!"),
            ("Złożę reklamację.", "Zloze reklamacje."),
        ] {
            #expect(Self.label(with) == Self.label(without), "\(with) / \(without)")
        }
    }

    @Test("strong cues of both kinds make it mixed, counted as its stronger side; after a contrast counts more")
    func mixed() {
        let result = Self.polish.analyze("Dziękuję za pomoc, ale nadal jestem bardzo niezadowolony z tej usługi.")
        #expect(result.label == .mieszany, "\(result)")
        #expect(result.label.polarity(score: result.score) == .negatywny)
        #expect(Self.score("Było drogo, ale jestem zadowolony.") > 0)
        #expect(Self.score("Jestem zadowolony, ale było drogo.") < Self.score("Było drogo, ale jestem zadowolony."))
    }

    @Test("a question asks: its positive words count little; \"dlaczego … nie …?\" complains")
    func questions() {
        #expect(Self.label("Czy jest pan zadowolony z naszych usług?") == .neutralny)
        #expect(Self.label("Dlaczego nikt mi tego nie powiedział?") == .negatywny)
    }

    @Test("English text uses the English lexicon")
    func english() throws {
        let english = try SentimentAnalyzer.bundled("en")
        #expect(english.analyze("I am not happy with this service at all").label == .negatywny)
        #expect(english.analyze("Thank you so much, that was really helpful").label == .pozytywny)
        #expect(english.analyze("Good morning, how can I help you?").label == .neutralny)
    }

    @Test("a broken lexicon line names the file and line")
    func lexiconErrors() {
        #expect(throws: LexiconError.invalidLine(file: "x.tsv", line: 2, detail: "weight \"dużo\" is not a number between -5 and 5")) {
            try Lexicon(text: "word\tdobry\t1\tsor\nword\tzły\tdużo\tsor\n", language: "pl", file: "x.tsv")
        }
        #expect(throws: LexiconError.self) { try Lexicon(text: "verb\tdobry\t1\tsor\n", language: "pl", file: "x.tsv") }
        #expect(throws: LexiconError.self) { try Lexicon.bundled("de") }
    }

    /// The target: macro-F1 of at least 0.75 on both parts. The held-out part was never read line by line
    /// nor used to choose entries; its score was looked at after each of four rounds of work on the tuning part.
    @Test("the project's labelled call-centre utterances: macro-F1 of at least 0.75 on three classes, on the tuning part and on the held-out part", arguments: [("tune", 0.75), ("heldout", 0.75)])
    func labelled(part: String, floor: Double) throws {
        let items = try SentimentEvaluation.read(Self.repository + "/sentiment/labelled/\(part).tsv")
        try #require(items.count >= 100, "\(part).tsv has \(items.count) lines")
        let evaluation = SentimentEvaluation(Self.polish, items: items)
        print("sentiment, \(part).tsv:\n" + evaluation.report)
        #expect(evaluation.macroF1 >= floor, "\(part): \(evaluation.report)")
    }
}
