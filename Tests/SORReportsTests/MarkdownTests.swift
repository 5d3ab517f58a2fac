import SORSite
import Testing

@Suite("Markdown in comments and guidance")
struct MarkdownTests {
    @Test("emphasis, lists and links become HTML; raw HTML and javascript: links never do")
    func html() {
        let html = Markdown.html("**Uwaga:** klient *nie* usłyszał\n\n- pierwszy\n- drugi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")
        #expect(html.contains("<strong>Uwaga:</strong>") && html.contains("<em>nie</em>") && html.contains("<li>drugi</li>"))
        #expect(!html.contains("<script>") && !html.contains("javascript:"))
        #expect(Markdown.html("").isEmpty)
    }

    @Test("blocks carry runs with their emphasis, list markers and depth, for the PDF")
    func blocks() {
        let blocks = Markdown.blocks("Zapytać o **powód** rezygnacji.\n\n1. oferta\n2. warunki\n   - koszt\n\n| a | b |\n|---|---|\n| 1 | 2 |")
        #expect(blocks.first?.runs == [.init(text: "Zapytać o "), .init(text: "powód", strong: true), .init(text: " rezygnacji.")])
        #expect(blocks.contains { $0.kind == .item(marker: "2.", depth: 1) && $0.runs.map(\.text).joined() == "warunki" })
        #expect(blocks.contains { $0.kind == .item(marker: "•", depth: 2) && $0.runs.map(\.text).joined() == "koszt" })
        #expect(blocks.contains { $0.runs.map(\.text).joined() == "1 | 2" })
        #expect(Markdown.plain("**Dobrze**, ale <b>x</b>") == "Dobrze, ale x")
    }
}
