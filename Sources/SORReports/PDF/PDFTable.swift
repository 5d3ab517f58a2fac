import Foundation

/// A table: columns with relative widths, rows of cells that wrap. A table longer than the page continues on the
/// next with its header row repeated; a row taller than a whole page (a long comment) is split between lines.
struct Table {
    enum Alignment { case left, right }

    struct Column {
        var title: String
        /// Share of the table's width (the shares are normalised).
        var width: Double
        var alignment: Alignment = .left

        init(_ title: String, width: Double, alignment: Alignment = .left) {
            self.title = title
            self.width = width
            self.alignment = alignment
        }
    }

    struct Cell {
        var paragraphs: [Paragraph]
        var fill: PDFColor?

        init(_ paragraphs: [Paragraph], fill: PDFColor? = nil) {
            self.paragraphs = paragraphs
            self.fill = fill
        }

        init(_ text: String, _ style: TextStyle = Table.body, fill: PDFColor? = nil) {
            self.init(text.isEmpty ? [] : [Paragraph(text, style)], fill: fill)
        }

        init(_ spans: [Span], fill: PDFColor? = nil) {
            self.init([Paragraph(spans)], fill: fill)
        }
    }

    static let body = TextStyle(size: 8.5)
    static let headerStyle = TextStyle(font: .bold, size: 8, color: .muted)

    var columns: [Column]
    var rows: [[Cell]]
    /// Whether to draw the header row (a transcript reads without one).
    var showsHeader = true
    /// Horizontal rules between rows; stripes shade every other row instead.
    var rules = true
    var stripes = false
    var padding = (horizontal: 4.0, vertical: 3.0)
}

extension PDFWriter {
    func table(_ table: Table) {
        let total = table.columns.reduce(0) { $0 + $1.width }
        let widths = table.columns.map { width * $0.width / max(total, 0.0001) }
        let offsets = widths.indices.map { index in left + widths.prefix(index).reduce(0, +) }
        let pad = table.padding

        func layout(_ cells: [Table.Cell]) -> [[TextLine]] {
            cells.indices.map { index in
                guard index < widths.count else { return [] }
                var lines = cells[index].paragraphs.flatMap { breaker.lines($0, width: widths[index] - 2 * pad.horizontal) }
                if table.columns[index].alignment == .right {
                    for line in lines.indices {
                        let shift = widths[index] - 2 * pad.horizontal - lines[line].width
                        for fragment in lines[line].fragments.indices { lines[line].fragments[fragment].x += shift }
                    }
                }
                if let last = lines.indices.last { lines[last].after = 0 }
                return lines
            }
        }

        let headerLines = layout(table.columns.map { Table.Cell($0.title, Table.headerStyle) })
        let headerHeight = table.showsHeader ? (headerLines.map(\.height).max() ?? 0) + 2 * pad.vertical : 0
        func drawHeader() {
            guard table.showsHeader else { return }
            document.fill(x: left, y: y, width: width, height: headerHeight, color: .shade, page: page)
            for (index, lines) in headerLines.enumerated() {
                var top = y + pad.vertical
                for line in lines {
                    draw(line, x: offsets[index] + pad.horizontal, top: top)
                    top += line.height
                }
            }
            y += headerHeight
            document.line([.init(x: left, y: y), .init(x: left + width, y: y)], color: .rule, width: 0.6, page: page)
        }

        let laidOut = table.rows.map(layout)
        let firstRow = (laidOut.first?.map(\.height).max() ?? 0) + 2 * pad.vertical
        ensure(headerHeight + min(firstRow, 60))
        drawHeader()

        for (rowIndex, var cells) in laidOut.enumerated() {
            let fills = table.rows[rowIndex].map(\.fill)
            let shade = table.stripes && rowIndex % 2 == 1 ? PDFColor.shade : nil
            while true {
                let needed = (cells.map(\.height).max() ?? 0) + 2 * pad.vertical
                let room = remaining
                // A row that would fit on a fresh page is moved there whole; only a row taller than a page is split.
                if needed > room && (needed <= bottom - top - headerHeight || room < 40) {
                    newPage()
                    drawHeader()
                    continue
                }
                // The lines of each cell that fit here; the rest continue on the next page.
                var part: [[TextLine]] = []
                var rest: [[TextLine]] = []
                for lines in cells {
                    var used = 0.0
                    var count = 0
                    while count < lines.count && used + lines[count].height + 2 * pad.vertical <= room {
                        used += lines[count].height + lines[count].after
                        count += 1
                    }
                    part.append(Array(lines.prefix(count)))
                    rest.append(Array(lines.dropFirst(count)))
                }
                let height = (part.map(\.height).max() ?? 0) + 2 * pad.vertical
                for (index, fill) in fills.enumerated() where index < widths.count {
                    if let color = fill ?? shade {
                        document.fill(x: offsets[index], y: y, width: widths[index], height: height, color: color, page: page)
                    }
                }
                for (index, lines) in part.enumerated() {
                    var top = y + pad.vertical
                    for line in lines {
                        draw(line, x: offsets[index] + pad.horizontal, top: top)
                        top += line.height + line.after
                    }
                }
                y += height
                if table.rules {
                    document.line([.init(x: left, y: y), .init(x: left + width, y: y)], color: .grid, width: 0.5, page: page)
                }
                if rest.allSatisfy(\.isEmpty) { break }
                cells = rest
                newPage()
                drawHeader()
            }
        }
        space(6)
    }
}
