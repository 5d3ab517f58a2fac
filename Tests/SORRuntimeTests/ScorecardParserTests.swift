import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime

@Suite("scorecards.yaml")
struct ScorecardParserTests {
    static let valid = """
        version: 1
        matching:
          threshold: 0.8
        sections:
          - id: powitanie
            name: Powitanie
            weight: 20
            criteria:
              - id: przedstawienie
                name: Przedstawił się
                points: 2
                auto:
                  said: ["nazywam się", "z tej strony"]
                  by: KONSULTANT
                  within: first 30 s
        cards:
          - id: SERVICE
            name: Obsługa
            pass_threshold: 80
            sections:
              - use: powitanie
              - id: jezyk
                name: Język
                weight: 80
                criteria:
                  - id: bez_zakazanych
                    name: Bez zakazanych zwrotów
                    points: 4
                    critical: true
                    auto:
                      not_said: ["nie wiem", "niestety"]
                  - id: kwota
                    name: Kwota podana
                    points: 2
                    answer: partial
                    auto: {pattern: "[0-9]+ zlotych"}
                  - id: ton
                    name: Ton rozmowy
                    points: 3
                    answer: scale
                    scale: 5
                  - id: obiekcje
                    name: Obsługa obiekcji
                    points: 3
                    applicable_if: {said: ["za drogie"], by: KLIENT}
                    auto:
                      any:
                        - said: ["rozumiem"]
                        - in_order: [["rozumiem"], ["proponuję", "mogę zaproponować"]]

        """

    @Test("a valid file parses, with shared sections reused and rules in place")
    func valid() throws {
        let (set, diagnostics) = ScorecardParser.parse(Self.valid)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let card = try #require(set?.card("SERVICE"))
        #expect(card.sections.map(\.id) == ["powitanie", "jezyk"])
        #expect(card.sections[0].criteria[0].auto == .said(phrases: ["nazywam się", "z tej strony"], party: .konsultant, window: .first(30), min: 1))
        #expect(card.sections[1].criteria[0].critical)
        #expect(card.sections[1].criteria[2].answer == .scale && card.sections[1].criteria[2].auto == nil)
        #expect(card.sections[1].criteria[3].naAllowed, "applicable_if implies N/A")
    }

    /// Ten broken files, each with the one error it must report, located.
    static let broken: [(String, String, String, Int)] = [
        ("unknown key", "weigth: 80", "unknown key 'weigth' in a section of card SERVICE (did you mean 'weight'?)", 12),
        ("duplicate card id", "DUPLICATE_CARD", "duplicate card id 'SERVICE'", 0),
        ("duplicate criterion id", "id: kwota\n                    name: Kwota podana", "", 0),
        ("weights do not add up", "weight: 70", "the section weights of card SERVICE add up to 90, not 100 (powitanie 20 + jezyk 70)", 0),
        ("empty phrase list", "not_said: [\"nie wiem\", \"niestety\"]", "needs a list of phrases", 0),
        ("invalid pattern", "[0-9]+ zlotych", "pattern is not a valid regular expression", 0),
        ("unknown shared section", "use: powitanie", "unknown section 'powitani' (did you mean 'powitanie'?); shared sections: powitanie", 0),
        ("bad window", "within: first 30 s", "within must be 'first N s' or 'last N s'", 0),
        ("bad answer type", "answer: partial", "answer must be one of: yes_no, partial, scale", 0),
        ("two rules in one", "auto: {pattern: \"[0-9]+ zlotych\"}", "has several rules (said, pattern); combine them with all: or any:", 0),
    ]

    @Test("ten broken files each give a precise, located error", arguments: 0..<10)
    func broken(index: Int) throws {
        let (name, _, expected, _) = Self.broken[index]
        var text = Self.valid
        switch name {
        case "unknown key": text = text.replacingOccurrences(of: "weight: 80", with: "weigth: 80")
        case "duplicate card id":
            text += "  - id: SERVICE\n    name: Druga\n    pass_threshold: 50\n    sections:\n      - use: powitanie\n        weight: 100\n"
        case "duplicate criterion id": text = text.replacingOccurrences(of: "id: ton", with: "id: kwota")
        case "weights do not add up": text = text.replacingOccurrences(of: "weight: 80", with: "weight: 70")
        case "empty phrase list": text = text.replacingOccurrences(of: "not_said: [\"nie wiem\", \"niestety\"]", with: "not_said: []")
        case "invalid pattern": text = text.replacingOccurrences(of: "[0-9]+ zlotych", with: "[0-9+ zlotych")
        case "unknown shared section": text = text.replacingOccurrences(of: "use: powitanie", with: "use: powitani")
        case "bad window": text = text.replacingOccurrences(of: "within: first 30 s", with: "within: pierwsze 30 s")
        case "bad answer type": text = text.replacingOccurrences(of: "answer: partial", with: "answer: czesciowo")
        default: text = text.replacingOccurrences(of: "auto: {pattern: \"[0-9]+ zlotych\"}", with: "auto: {pattern: \"[0-9]+ zlotych\", said: [\"zł\"]}")
        }
        let (set, diagnostics) = ScorecardParser.parse(text, file: "scorecards.yaml")
        #expect(set == nil, "\(name): accepted")
        try #require(diagnostics.count >= 1, "\(name): no diagnostic")
        let first = diagnostics[0]
        let rendered = first.description
        #expect(rendered.hasPrefix("scorecards.yaml:\(first.line):\(first.column): error: "))
        // The located line is where the problem is.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let line = String(lines[first.line - 1])
        switch name {
        case "unknown key": #expect(line.contains("weigth"))
        case "duplicate card id": #expect(line.contains("id: SERVICE") && first.line > 20)
        case "duplicate criterion id": #expect(first.message.contains("duplicate criterion id 'kwota' in card SERVICE"))
        case "empty phrase list", "invalid pattern": #expect(line.contains(name == "empty phrase list" ? "not_said" : "pattern"))
        case "unknown shared section": #expect(line.contains("use: powitani"))
        case "bad window": #expect(line.contains("within"))
        case "bad answer type": #expect(line.contains("answer: czesciowo"))
        default: break
        }
        if !expected.isEmpty { #expect(first.message.contains(expected), "\(name): \(first.message)") }
    }

    @Test("the shipped scorecards.yaml is valid, defines the four cards, and each card's weights add up to 100")
    func shipped() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/scorecards.yaml"
        let (set, diagnostics) = ScorecardParser.parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(Set(set?.cards.map(\.id) ?? []) == ["SALES", "SERVICE", "RETENTION", "COLLECTIONS"])
        for card in set?.cards ?? [] {
            let critical = card.sections.flatMap(\.criteria).filter(\.critical)
            #expect(!critical.isEmpty, "\(card.id) has a critical criterion")
        }
    }
}

@Suite("Which cards a call is scored on")
struct CardSelectionTests {
    static func service(rules: [Config.Scoring.Rule], defaults: [String] = ["SERVICE"]) throws -> ScoringService {
        var text = ScorecardParserTests.valid
        text += "  - id: SALES\n    name: Sprzedaż\n    pass_threshold: 80\n    sections:\n      - use: powitanie\n        weight: 100\n"
        text += "  - id: COLLECTIONS\n    name: Windykacja\n    pass_threshold: 80\n    sections:\n      - use: powitanie\n        weight: 100\n"
        let set = try #require(ScorecardParser.parse(text).0)
        var config = Config.Scoring()
        config.rules = rules
        config.defaultCards = defaults
        return ScoringService(scorecards: LoadedScorecards(set: set, sha256: "x", commit: nil, problems: []), config: config)
    }

    static func record(file: String = "a.wav", campaign: String? = nil, scorecard: String? = nil) -> CallRecord {
        var (record, _) = StoreTests.sampleRecord()
        record.source.fileName = file
        record.metadata.campaign = campaign
        record.metadata.scorecard = scorecard
        return record
    }

    @Test("metadata first (one or several cards), then every matching rule, then the default; unknown cards are left out")
    func selection() throws {
        let scoring = try Self.service(rules: [
            .init(campaign: "Windykacja*", cards: ["COLLECTIONS"]), .init(file: "sprzedaz-*.wav", cards: ["SALES"]),
            .init(file: "*.wav", campaign: "windykacja q4", cards: ["SERVICE"]),
        ])
        #expect(scoring.cards(for: Self.record(campaign: "Windykacja Q4", scorecard: "SALES, SERVICE")) == ["SALES", "SERVICE"])
        #expect(scoring.cards(for: Self.record(campaign: "Windykacja Q4")) == ["COLLECTIONS", "SERVICE"], "case-insensitive, every matching rule")
        #expect(scoring.cards(for: Self.record(file: "sprzedaz-0412.wav")) == ["SALES"])
        #expect(scoring.cards(for: Self.record(file: "other.mp3")) == ["SERVICE"], "the default")
        #expect(scoring.cards(for: Self.record(scorecard: "NOPE")) == [], "a card the set does not define is not scored")
    }
}
