import Foundation
import SORSite

/// A small flow layout over `PDFDocument`, so the reports read as a list of blocks: headings, paragraphs, Markdown,
/// label–value lists, badges, tables and charts go down the page from a cursor, and a block that does not fit
/// starts a new page. Every page gets the running header when it is made; the footers ("Strona N z M") are drawn
/// last, once the number of pages is known (libharu keeps every page open for drawing until the file is saved).
/// Nothing is drawn below `bottom`, so nothing lands under the footer or off the page.
final class PDFWriter {
    /// Page margins in points; the header and footer sit inside the top and bottom ones.
    static let margin = (top: 62.0, bottom: 54.0, left: 46.0, right: 46.0)

    let document: PDFDocument
    /// The running header: left (the title) and right (e.g. the call's date).
    let header: (left: String, right: String)
    /// Left of the page number in every footer.
    let footer: String
    /// The footer's page number, given the page (1-based) and the total: "Strona 2 z 5".
    let pageLabel: (Int, Int) -> String

    private(set) var page = -1
    /// The cursor: distance from the top of the page to where the next block starts.
    var y = 0.0

    let left = PDFWriter.margin.left
    let width = PDFDocument.width - PDFWriter.margin.left - PDFWriter.margin.right
    let top = PDFWriter.margin.top
    let bottom = PDFDocument.height - PDFWriter.margin.bottom

    lazy var breaker = LineBreaker { [unowned self] text, style in self.document.width(text, font: style.font, size: style.size) }

    init(document: PDFDocument, header: (left: String, right: String), footer: String, pageLabel: @escaping (Int, Int) -> String) {
        self.document = document
        self.header = header
        self.footer = footer
        self.pageLabel = pageLabel
        newPage()
    }

    /// Room left on this page.
    var remaining: Double { bottom - y }

    /// A fresh page with the running header; the cursor at the top of its body.
    func newPage() {
        page = document.addPage()
        y = top
        let style = TextStyle(font: .bold, size: 8, color: .muted)
        let rightWidth = measure(header.right, style)
        let title = truncated(header.left, style, width: width - rightWidth - 16)
        document.text(title, at: .init(x: left, y: 36), font: style.font, size: style.size, color: style.color, page: page)
        document.text(header.right, at: .init(x: left + width - rightWidth, y: 36), font: style.font, size: style.size, color: style.color, page: page)
        document.line([.init(x: left, y: 42), .init(x: left + width, y: 42)], color: .rule, width: 0.6, page: page)
    }

    /// Starts a new page unless `height` points fit below the cursor (a block that fits nowhere still starts at the
    /// top of a page and is split by its own drawing).
    func ensure(_ height: Double) {
        if height > remaining && y > top { newPage() }
    }

    func space(_ points: Double) {
        y = min(y + points, bottom)
    }

    // MARK: Text

    func measure(_ text: String, _ style: TextStyle) -> Double { document.width(text, font: style.font, size: style.size) }

    /// `text` cut with an ellipsis to fit `width` (a header or a chart's label, which must stay on one line).
    func truncated(_ text: String, _ style: TextStyle, width: Double) -> String {
        guard measure(text, style) > width else { return text }
        var result = ""
        for character in text {
            if measure(result + String(character) + "…", style) > width { break }
            result.append(character)
        }
        return result + "…"
    }

    /// Lines set at the cursor, breaking pages between lines.
    func draw(_ lines: [TextLine], x: Double? = nil) {
        for line in lines {
            ensure(line.height)
            draw(line, x: x ?? left, top: y)
            y += line.height + line.after
        }
    }

    func draw(_ line: TextLine, x: Double, top: Double) {
        for fragment in line.fragments {
            document.text(fragment.text, at: .init(x: x + fragment.x, y: top + line.baseline), font: fragment.style.font,
                          size: fragment.style.size, color: fragment.style.color, page: page)
        }
    }

    func paragraph(_ paragraph: Paragraph, width: Double? = nil, x: Double? = nil) {
        draw(breaker.lines(paragraph, width: width ?? self.width), x: x)
    }

    func text(_ text: String, _ style: TextStyle = TextStyle(), spacing: Double = 3) {
        paragraph(Paragraph(text, style, spacing: spacing))
    }

    /// A heading kept with the `keep` points after it (it never ends a page alone).
    func heading(_ text: String, level: Int = 1, keep: Double = 40) {
        let size: Double = level <= 1 ? 15 : level == 2 ? 12 : 10
        let lines = breaker.lines(Paragraph(text, TextStyle(font: .bold, size: size)), width: width)
        space(level <= 1 ? 6 : 4)
        ensure(lines.height + keep)
        draw(lines)
        if level <= 2 {
            document.line([.init(x: left, y: y + 1), .init(x: left + width, y: y + 1)], color: .rule, width: level == 1 ? 0.8 : 0.4, page: page)
            space(5)
        } else {
            space(2)
        }
    }

    /// Markdown (an evaluator's comment, guidance) as paragraphs: bold and italic runs, lists indented with their
    /// markers, quotes and code set apart.
    func markdown(_ text: String, _ style: TextStyle = TextStyle(), indent: Double = 0) {
        draw(Self.paragraphs(markdown: text, style: style, indent: indent).flatMap { breaker.lines($0, width: width) })
    }

    /// Markdown as paragraphs, for a block or a table cell.
    static func paragraphs(markdown text: String, style: TextStyle, indent: Double = 0) -> [Paragraph] {
        Markdown.blocks(text).map { block in
            let spans = block.runs.map { Span($0, base: style) }
            switch block.kind {
            case .paragraph:
                return Paragraph(spans, indent: indent, spacing: style.size * 0.4)
            case .heading:
                return Paragraph(spans.map { Span($0.text, $0.style.with(font: .bold)) }, indent: indent, spacing: style.size * 0.3)
            case .item(let marker, let depth):
                let itemIndent = indent + Double(depth) * style.size * 1.4
                return Paragraph(spans, indent: itemIndent, marker: marker.isEmpty ? nil : Span(marker, style), spacing: style.size * 0.2)
            case .code:
                return Paragraph(spans, indent: indent + style.size, spacing: style.size * 0.4)
            case .quote:
                return Paragraph(spans.map { Span($0.text, $0.style.with(font: .italic).with(color: .muted)) }, indent: indent + style.size,
                                 spacing: style.size * 0.4)
            }
        }
    }

    // MARK: Blocks

    /// Label–value pairs in two columns (the call's details, a card's summary).
    func facts(_ pairs: [(String, String)], labelWidth: Double = 120, style: TextStyle = TextStyle()) {
        let label = style.with(color: .muted)
        for (name, value) in pairs {
            let names = breaker.lines(Paragraph(name, label), width: labelWidth - 6)
            let values = breaker.lines(Paragraph(value, style), width: width - labelWidth)
            // A pair that fits on a page is kept together; a longer value flows on from beside its label.
            ensure(min(max(names.height, values.height), bottom - top))
            let (rowPage, rowTop) = (page, y)
            for (index, line) in names.enumerated() { draw(line, x: left, top: rowTop + Array(names.prefix(index)).height) }
            draw(values, x: left + labelWidth)
            if page == rowPage, y < rowTop + names.height { y = rowTop + names.height }
            space(1.5)
        }
    }

    /// Filled boxes with white text in a row (the pass/fail verdict, "do weryfikacji"), then `after` beside them.
    func badges(_ badges: [(String, PDFColor)], after: [Span] = [], size: Double = 9) {
        let style = TextStyle(font: .bold, size: size, color: .white)
        let height = size * 1.7
        ensure(height + 4)
        var x = left
        for (text, color) in badges {
            let label = truncated(text, style, width: width - 12)
            let boxWidth = measure(label, style) + size * 1.2
            if x + boxWidth > left + width && x > left {
                x = left
                y += height + 4
                ensure(height + 4)
            }
            document.fill(x: x, y: y, width: boxWidth, height: height, color: color, page: page)
            document.text(label, at: .init(x: x + size * 0.6, y: y + height / 2 + size * 0.35), font: style.font, size: size,
                          color: .white, page: page)
            x += boxWidth + 6
        }
        let lines = breaker.lines(Paragraph(after), width: max(left + width - x, 60))
        if let first = lines.first, x + first.width <= left + width {
            draw(first, x: x, top: y + (height - first.height) / 2)
            y += height + 4
            draw(Array(lines.dropFirst()))
        } else {
            y += height + 4
            draw(lines)
        }
    }

    /// The footers of every page, then the file.
    func finish() throws(ReportError) -> Data {
        let total = document.pageCount
        let style = TextStyle(size: 7.5, color: .muted)
        let baseline = PDFDocument.height - 30
        for index in 0..<total {
            document.line([.init(x: left, y: baseline - 11), .init(x: left + width, y: baseline - 11)], color: .rule, width: 0.6, page: index)
            let number = pageLabel(index + 1, total)
            let numberWidth = measure(number, style)
            document.text(truncated(footer, style, width: width - numberWidth - 16), at: .init(x: left, y: baseline), font: style.font,
                          size: style.size, color: style.color, page: index)
            document.text(number, at: .init(x: left + width - numberWidth, y: baseline), font: style.font, size: style.size,
                          color: style.color, page: index)
        }
        return try document.data()
    }
}

extension String {
    /// The first letter in upper case, the rest as it is ("do oceny" → "Do oceny"; `capitalized` would give "Do Oceny").
    var sentenceCased: String { prefix(1).uppercased() + dropFirst() }
}
