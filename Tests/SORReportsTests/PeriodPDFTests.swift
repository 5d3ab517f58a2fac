import Foundation
import Testing
@testable import SORReports

@Suite("The period report PDF")
struct PeriodPDFTests {
    @Test("figures, cards, every agent and the failed criteria copy out, with Polish letters")
    func textCopiesOut() throws {
        let report = ReportFixtures.period
        let path = Poppler.write("period.pdf", try PeriodPDF.render(report))
        let text = Poppler.collapsed(try Poppler.text(path, layout: false))
        #expect(text.contains("Raport okresowy") && text.contains("2025-11-01 – 2025-11-30") && text.contains("Całe centrum"))
        #expect(text.contains("Wygenerowano: 2025-12-01 06:00"))
        for kpi in report.kpis { #expect(text.contains(kpi.value), "KPI \(kpi.label)") }
        for card in report.cards { #expect(text.contains(card.name)) }
        for agent in report.agents { #expect(text.contains(agent.name), "agent \(agent.name)") }
        for item in report.failedCriteria { #expect(text.contains(item.criterion) && text.contains("\(item.failed) z \(item.of)")) }
        // The charts' units and legends.
        #expect(text.contains("ocena (%)") && text.contains("dzień (MM-DD)") && text.contains("Rozmowy dziennie"))
    }

    @Test("a report note in Markdown prints under the title, its emphasis and list as text, raw HTML dropped")
    func note() throws {
        var report = ReportFixtures.period
        report.note = "**Uwaga:** w listopadzie zmieniono kartę SALES.\n\n- nowe kryterium: *zgoda na nagrywanie*\n- próg 80%\n\n<b>html</b>"
        let path = Poppler.write("period-note.pdf", try PeriodPDF.render(report))
        let text = Poppler.collapsed(try Poppler.text(path, layout: false))
        #expect(text.contains("Uwaga: w listopadzie zmieniono kartę SALES."))
        #expect(text.contains("nowe kryterium: zgoda na nagrywanie") && text.contains("próg 80%"))
        #expect(!text.contains("<b>") && !text.contains("html</b>"))
        let generated = try #require(text.range(of: "Wygenerowano"))
        #expect(text.range(of: "Uwaga:")!.lowerBound > generated.lowerBound, "under the title")
    }

    @Test("the agent table continues on the next page under its repeated header")
    func longTableRepeatsHeader() throws {
        let report = ReportFixtures.period
        let path = Poppler.write("period-pages.pdf", try PeriodPDF.render(report))
        let pages = try #require(try Poppler.pages(path))
        #expect(pages >= 2)
        let pagesWithAgents = (1...pages).filter { page in
            let text = (try? Poppler.text(path, layout: true, first: page, last: page)) ?? ""
            return report.agents.contains { text.contains($0.name) }
        }
        #expect(pagesWithAgents.count >= 2)
        for page in pagesWithAgents {
            let text = Poppler.collapsed(try Poppler.text(path, layout: true, first: page, last: page))
            #expect(text.contains("Konsultant Zespół Rozmowy Średnia Zaliczone"), "header on page \(page)")
        }
        #expect(try Poppler.render(path, dpi: 50, prefix: "period-pages").count == pages)
        try PDFBounds.check(path)
    }

    @Test("the same report renders to the same bytes")
    func deterministic() throws {
        #expect(try PeriodPDF.render(ReportFixtures.period) == PeriodPDF.render(ReportFixtures.period))
    }

    @Test("an empty period still gives a valid one-page PDF")
    func emptyPeriod() throws {
        let path = Poppler.write("period-empty.pdf", try PeriodPDF.render(
            PeriodReport(title: "Raport okresowy", period: "2025-11-01 – 2025-11-30", scope: "Zespół Kraków", generated: "Wygenerowano: 2025-12-01 06:00")))
        #expect(try Poppler.pages(path) == 1)
        #expect(Poppler.collapsed(try Poppler.text(path, layout: false)).contains("Brak ocenionych rozmów w tym okresie."))
    }

    @Test("chart steps are 1, 2 or 5 times a power of ten")
    func niceSteps() {
        #expect([0.3, 1, 1.5, 3, 7, 12, 26, 240].map(PeriodPDF.niceStep) == [1, 1, 2, 5, 10, 20, 50, 500])
    }
}
