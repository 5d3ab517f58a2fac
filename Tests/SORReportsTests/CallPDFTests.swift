import Foundation
import SORCore
import Testing
@testable import SORReports

@Suite("The per-call evaluation PDF")
struct CallPDFTests {
    static let generated = "Wygenerowano: 2025-11-15 10:00"

    static func render(_ document: CallDocument = ReportFixtures.document) throws -> Data {
        try CallPDF.render(document, generated: generated, siteTitle: "Centrum Obsługi — Łódź")
    }

    @Test("a team lead's coaching notes are printed, Markdown rendered, with their author and subject")
    func coachingNotes() throws {
        var document = ReportFixtures.document
        document.history.append(HistoryEntry(
            edit: "c0ffee00c0ffee00", state: "applied", type: "coaching.note", user: "tomek.lider", time: "2025-11-14T09:00:00Z",
            file: "n.json", baseRevision: 3, revision: 4, before: [:],
            after: ["note": "Przed ofertą **zapytaj o potrzeby**; ćwiczenie: trzy pytania otwarte.", "about": "agent"]))
        let text = Poppler.collapsed(try Poppler.text(Poppler.write("coaching.pdf", try Self.render(document)), layout: false))
        #expect(text.contains("Notatki coachingowe"))
        #expect(text.contains("tomek.lider") && text.contains("o agencie"))
        #expect(text.contains("Przed ofertą zapytaj o potrzeby; ćwiczenie: trzy pytania otwarte."), "\(text)")
        #expect(!Poppler.collapsed(try Poppler.text(Poppler.write("plain.pdf", try Self.render()), layout: false)).contains("Notatki coachingowe"))
    }

    @Test("Polish transcript lines, criterion names and comments copy out exactly, diacritics included")
    func textCopiesOut() throws {
        let path = Poppler.write("call.pdf", try Self.render())
        for layout in [false, true] {
            let text = Poppler.collapsed(try Poppler.text(path, layout: layout))
            #expect(text.contains(Self.generated))
            #expect(text.contains("Małgorzata Żółkiewska") && text.contains("Zespół Łódź — Retencja"))
            #expect(text.contains("do weryfikacji"))
            #expect(text.contains("Strona 1 z "))
            // The badges and the card summary: verdicts in the page's words.
            #expect(text.contains("niezaliczona") && text.contains("zaliczona"))
            #expect(text.contains("KLIENT") && text.contains("KONSULTANT"))
        }
        // Reading order keeps a wrapped cell's lines together: every utterance, criterion and comment is there whole.
        let reading = Poppler.collapsed(try Poppler.text(path, layout: false))
        for line in ReportFixtures.lines {
            #expect(reading.contains(Poppler.collapsed(line.text)), "utterance: \(line.text.prefix(40))")
        }
        for criterion in ReportFixtures.serviceCard.sections.flatMap(\.criteria) + ReportFixtures.retentionCard.sections.flatMap(\.criteria) {
            #expect(reading.contains(criterion.name), "criterion: \(criterion.name)")
        }
        #expect(reading.contains("Brak weryfikacji tożsamości — konsultantka nie zapytała o datę urodzenia."))
        #expect(reading.contains("przed zmianą umowy zawsze potwierdzić dane klienta"))
        #expect(reading.contains("Dobra, empatyczna rozmowa; jeden błąd krytyczny do omówienia z zespołem."))
        #expect(reading.contains("„nazywam się Małgorzata Żółkiewska, Telekom Polska”"))
        #expect(reading.contains("ewa.kowalczyk") && reading.contains("jan.wiśniewski") && reading.contains("wersja 1 jest nieaktualna (obecna: 2)"))
        for answer in ["tak", "nie", "częściowo", "nie dotyczy"] {
            #expect(reading.contains(" \(answer) "), "answer: \(answer)")
        }
        // "Wygenerowano" is printed once: it is the only thing that varies.
        #expect(reading.components(separatedBy: "Wygenerowano").count == 2)
    }

    @Test("every page renders, and the footer counts them all")
    func everyPageRenders() throws {
        let path = Poppler.write("call-pages.pdf", try Self.render())
        let pages = try #require(try Poppler.pages(path))
        #expect(pages >= 2)
        let images = try Poppler.render(path, dpi: 50, prefix: "call-pages")
        #expect(images.count == pages)
        for image in images {
            let bytes = try #require(FileManager.default.contents(atPath: image))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 1000)
        }
        let text = try Poppler.text(path, layout: false)
        for page in 1...pages { #expect(text.contains("Strona \(page) z \(pages)")) }
    }

    @Test("no word lies off the page, and body text stays between the header and the footer")
    func staysOnThePage() throws {
        let path = Poppler.write("call-bounds.pdf", try Self.render())
        try PDFBounds.check(path)
    }

    @Test("the same call renders to the same bytes: no creation date, no random file identifier")
    func deterministic() throws {
        let data = try Self.render()
        #expect(try data == Self.render())
        let raw = String(decoding: data, as: UTF8.self)
        #expect(!raw.contains("/CreationDate") && !raw.contains("/ModDate") && !raw.contains("/ID"))
        #expect(try Self.render() != CallPDF.render(ReportFixtures.document, generated: "Wygenerowano: 2025-11-16 10:00", siteTitle: "Centrum Obsługi — Łódź"))
    }

    @Test("a call with no transcript, analysis, evaluation or history still gives a valid PDF that says so")
    func emptyCall() throws {
        let bare = CallDocument(call: ReportFixtures.call, transcript: nil)
        var empty = CallDocument(call: ReportFixtures.call, transcript: Transcript(language: "pl", duration: 0, text: "", segments: [], engine: EngineInfo(endpoint: "", model: "")))
        empty.evaluation = Evaluation(scorecardsSha256: "", scorecardsCommit: nil, scoredAt: "", cards: [])
        for (name, document) in [("bare", bare), ("empty", empty)] {
            let path = Poppler.write("call-\(name).pdf", try Self.render(document))
            #expect(try Poppler.pages(path) == 1)
            let text = Poppler.collapsed(try Poppler.text(path, layout: false))
            #expect(text.contains("Rozmowa nie została jeszcze oceniona.") && text.contains("Brak transkrypcji.") && text.contains("Brak zmian."))
        }
    }

    @Test("segments without speakers, emoji, control characters and an overlong word still set on the page")
    func awkwardText() throws {
        var document = ReportFixtures.document
        document.analysis = nil
        let url = "https://przyklad.pl/" + String(repeating: "bardzodługiadresźródłowy", count: 12)
        document.transcript?.segments[0].text = "Zażółć gęślą jaźń 😀\tna\u{7}koniec \(url)"
        let path = Poppler.write("call-awkward.pdf", try Self.render(document))
        try PDFBounds.check(path)
        let text = try Poppler.text(path, layout: false)
        #expect(Poppler.collapsed(text).contains("Zażółć gęślą jaźń \u{FFFD} na koniec"))
        // The overlong word is broken by characters, none lost or cut.
        #expect(text.filter { !$0.isWhitespace }.contains(url))
    }
}

/// Where words may lie: inside the page, the body between the header rule and the footer rule.
enum PDFBounds {
    static func check(_ path: String) throws {
        let words = try Poppler.words(path)
        #expect(!words.isEmpty)
        for word in words {
            #expect(word.xMin >= PDFWriter.margin.left - 1 && word.xMax <= word.pageWidth - PDFWriter.margin.right + 1,
                    "\(word.text) on page \(word.page) at x \(word.xMin)…\(word.xMax)")
            #expect(word.yMin >= 0 && word.yMax <= word.pageHeight, "\(word.text) off page \(word.page)")
            let header = word.yMax < 44
            let footer = word.yMin > word.pageHeight - 44
            let body = word.yMin >= PDFWriter.margin.top - 1 && word.yMax <= word.pageHeight - PDFWriter.margin.bottom + 1
            #expect(header || footer || body, "\(word.text) on page \(word.page) at y \(word.yMin)…\(word.yMax)")
        }
    }
}
