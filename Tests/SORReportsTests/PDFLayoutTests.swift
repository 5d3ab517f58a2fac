import Foundation
import Testing
@testable import SORReports

@Suite("PDF layout: line breaking, fonts and errors")
struct PDFLayoutTests {
    /// Every character 1 point wide at size 1, a space too: widths are character counts.
    let breaker = LineBreaker { text, style in Double(text.count) * style.size }

    func texts(_ lines: [TextLine]) -> [String] { lines.map { $0.fragments.map(\.text).joined() } }

    @Test("lines break at spaces and never run wider than the width")
    func breaksAtSpaces() {
        let lines = breaker.lines(Paragraph("Zażółć gęślą jaźń i coś jeszcze", TextStyle(size: 1)), width: 12)
        #expect(texts(lines) == ["Zażółć gęślą", "jaźń i coś", "jeszcze"])
        #expect(lines.allSatisfy { $0.width <= 12 })
    }

    @Test("an overlong word is broken by characters, whole letters only (a combining accent stays with its letter)")
    func breaksOverlongWords() {
        let word = "pr\u{007A}\u{0307}ez" + String(repeating: "ęśł", count: 5) + "ó"
        let lines = breaker.lines(Paragraph("a \(word)", TextStyle(size: 1)), width: 6)
        #expect(texts(lines).joined() == "a" + word)
        #expect(lines.allSatisfy { $0.width <= 6 }, "\(lines.map { ($0.width, $0.fragments.map(\.text)) })")
        #expect(texts(lines)[1].hasPrefix("pr\u{007A}\u{0307}"))
    }

    @Test("styles stay with their words across a break, and a word in two styles is kept whole")
    func mixedStyles() {
        let bold = TextStyle(font: .bold, size: 1)
        let lines = breaker.lines(Paragraph([Span("ala ma ", TextStyle(size: 1)), Span("kota", bold), Span(", psa", TextStyle(size: 1))]), width: 10)
        #expect(texts(lines) == ["ala ma", "kota, psa"])
        #expect(lines[1].fragments.first == TextLine.Fragment(text: "kota", style: bold, x: 0))
    }

    @Test("a line break in the text starts a new line; runs of spaces are one")
    func forcedBreaks() {
        #expect(texts(breaker.lines(Paragraph("jeden   dwa\ntrzy", TextStyle(size: 1)), width: 100)) == ["jeden dwa", "trzy"])
        #expect(breaker.lines(Paragraph("", TextStyle(size: 1)), width: 100).isEmpty)
    }

    @Test("text libharu cannot encode becomes printable: emoji U+FFFD, control characters spaces")
    func printable() {
        #expect(PDFDocument.printable("ok 😀\tłódź\u{7}") == "ok \u{FFFD} łódź ")
        #expect(PDFDocument.printable("Zażółć") == "Zażółć")
    }

    @Test("a missing font is an error that says what to install")
    func missingFont() {
        var files = PDFFontFiles.dejaVu
        files.paths[.italic] = "/nonexistent/DejaVuSans-Oblique.ttf"
        #expect(throws: ReportError.fontMissing(path: "/nonexistent/DejaVuSans-Oblique.ttf")) {
            try PDFDocument(name: "test", title: "test", fonts: files)
        }
        #expect(ReportError.fontMissing(path: "/x.ttf").errorDescription?.contains("fonts-dejavu-core") == true)
    }

    @Test("widths come from the embedded font's metrics")
    func measuresWithTheFont() throws {
        let document = try PDFDocument(name: "test", title: "test")
        let narrow = document.width("iiii", font: .regular, size: 10)
        let wide = document.width("WWWW", font: .regular, size: 10)
        #expect(narrow > 0 && wide > narrow * 2)
        #expect(document.width("ą", font: .regular, size: 10) > 0)
        #expect(document.width("Łódź", font: .bold, size: 10) > document.width("Łódź", font: .regular, size: 10))
    }
}
