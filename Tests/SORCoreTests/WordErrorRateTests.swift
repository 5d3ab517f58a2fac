import Testing
@testable import SORCore

@Suite("Word error rate")
struct WordErrorRateTests {
    @Test("identical texts have no errors, whatever the case and punctuation")
    func identical() {
        let wer = WordErrorRate(reference: "Dzień dobry, w czym mogę pomóc?", hypothesis: "dzień dobry w czym MOGĘ pomóc")
        #expect(wer.rate == 0)
        #expect(wer.referenceWords == 6)
    }

    @Test("substitutions, deletions and insertions are counted apart")
    func kinds() {
        let wer = WordErrorRate(reference: "ask not what your country can do", hypothesis: "ask what her country can do for you")
        #expect(wer.deletions == 1)  // not
        #expect(wer.substitutions == 1)  // your → her
        #expect(wer.insertions == 2)  // for you
        #expect(abs(wer.rate - 4.0 / 7.0) < 1e-9)
    }

    @Test("empty reference or hypothesis")
    func empty() {
        #expect(WordErrorRate(reference: "", hypothesis: "").rate == 0)
        #expect(WordErrorRate(reference: "", hypothesis: "coś").rate == 1)
        #expect(WordErrorRate(reference: "raz dwa", hypothesis: "").deletions == 2)
    }

    @Test("Polish letters are kept as letters")
    func polish() {
        #expect(WordErrorRate.normalizedWords("Zażółć gęślą jaźń!") == ["zażółć", "gęślą", "jaźń"])
    }
}
