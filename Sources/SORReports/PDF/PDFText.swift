import Foundation
import SORSite

/// How a piece of text is set.
struct TextStyle: Equatable, Sendable {
    var font: PDFFont = .regular
    var size: Double = 9
    var color: PDFColor = .text

    func with(font: PDFFont) -> TextStyle { TextStyle(font: font, size: size, color: color) }
    func with(size: Double) -> TextStyle { TextStyle(font: font, size: size, color: color) }
    func with(color: PDFColor) -> TextStyle { TextStyle(font: font, size: size, color: color) }
}

/// Text in one style: what paragraphs and table cells are made of.
struct Span: Equatable, Sendable {
    var text: String
    var style: TextStyle

    init(_ text: String, _ style: TextStyle = TextStyle()) {
        self.text = text
        self.style = style
    }

    /// A Markdown run set in `base`'s size and colour, its emphasis choosing the face.
    init(_ run: Markdown.Run, base: TextStyle) {
        self.init(run.text, base.with(font: .for(strong: run.strong, emphasis: run.emphasis, code: run.code)))
    }
}

/// A paragraph: spans set one after another, wrapped to a width, with an indent for list items (the marker hangs
/// in the indent on the first line).
struct Paragraph: Equatable, Sendable {
    var spans: [Span]
    var indent: Double = 0
    /// Drawn at the left of the first line inside the indent (a list item's "•" or "2.").
    var marker: Span?
    /// Space after the paragraph, in points.
    var spacing: Double = 0

    init(_ spans: [Span], indent: Double = 0, marker: Span? = nil, spacing: Double = 0) {
        self.spans = spans
        self.indent = indent
        self.marker = marker
        self.spacing = spacing
    }

    init(_ text: String, _ style: TextStyle = TextStyle(), spacing: Double = 0) {
        self.init([Span(text, style)], spacing: spacing)
    }
}

/// One set line: fragments at offsets from the line's left edge.
struct TextLine: Equatable, Sendable {
    struct Fragment: Equatable, Sendable {
        var text: String
        var style: TextStyle
        var x: Double
    }

    var fragments: [Fragment]
    var width: Double
    /// Line height (leading included).
    var height: Double
    /// Distance from the line's top to its baseline.
    var baseline: Double
    /// Space below the line before the next (a paragraph's spacing lands on its last line).
    var after: Double = 0
}

/// Breaks text into lines of a given width by measuring it: at spaces, and an overlong word (a URL, a file name)
/// by characters. Characters are Swift `Character`s, so a break never cuts a UTF-8 sequence or a letter from its
/// combining accent.
struct LineBreaker {
    /// Line height as a multiple of the font size.
    static let leading = 1.3

    let measure: (String, TextStyle) -> Double

    /// A word (pieces in different styles with no space between, e.g. "**powód**,"), a space, or a forced break.
    private enum Token {
        case word([Span])
        case space(TextStyle)
        case newline(TextStyle)
    }

    func lines(_ paragraph: Paragraph, width: Double) -> [TextLine] {
        let available = max(width - paragraph.indent, 1)
        var result: [TextLine] = []
        var current: [TextLine.Fragment] = []
        var x = 0.0
        var pendingSpace: TextStyle?
        // The size of an empty line (two breaks in a row): the text's around it.
        var emptyStyle = paragraph.spans.first?.style ?? TextStyle()

        func finish() {
            result.append(makeLine(current, width: x, style: emptyStyle))
            current = []
            x = 0
            pendingSpace = nil
        }
        func append(_ text: String, _ style: TextStyle, _ width: Double) {
            if var last = current.last, last.style == style {
                last.text += text
                current[current.count - 1] = last
            } else {
                current.append(.init(text: text, style: style, x: x))
            }
            x += width
        }

        for token in tokens(paragraph.spans) {
            switch token {
            case .newline(let style):
                emptyStyle = style
                finish()
            case .space(let style):
                if !current.isEmpty { pendingSpace = style }
            case .word(let pieces):
                let wordWidth = pieces.reduce(0) { $0 + measure($1.text, $1.style) }
                let spaceWidth = pendingSpace.map { measure(" ", $0) } ?? 0
                if !current.isEmpty && x + spaceWidth + wordWidth <= available {
                    if let space = pendingSpace { append(" ", space, spaceWidth) }
                    pendingSpace = nil
                    for piece in pieces { append(piece.text, piece.style, measure(piece.text, piece.style)) }
                    continue
                }
                if !current.isEmpty { finish() }
                pendingSpace = nil
                if wordWidth <= available {
                    for piece in pieces { append(piece.text, piece.style, measure(piece.text, piece.style)) }
                    continue
                }
                // Too long for any line: as many characters as fit, then the next line.
                for piece in pieces {
                    for character in piece.text {
                        let text = String(character)
                        let characterWidth = measure(text, piece.style)
                        if x + characterWidth > available && !current.isEmpty { finish() }
                        append(text, piece.style, characterWidth)
                    }
                }
            }
        }
        if !current.isEmpty { finish() }
        guard !result.isEmpty else { return [] }
        for index in result.indices {
            for fragment in result[index].fragments.indices { result[index].fragments[fragment].x += paragraph.indent }
        }
        if let marker = paragraph.marker {
            result[0].fragments.insert(.init(text: marker.text, style: marker.style, x: max(paragraph.indent - measure(marker.text + " ", marker.style), 0)), at: 0)
        }
        result[result.count - 1].after = paragraph.spacing
        return result
    }

    private func makeLine(_ fragments: [TextLine.Fragment], width: Double, style: TextStyle) -> TextLine {
        let size = fragments.map(\.style.size).max() ?? style.size
        let height = size * Self.leading
        return TextLine(fragments: fragments, width: width, height: height, baseline: size * 0.93 + (height - size * 1.17) / 2)
    }

    /// Words, spaces and breaks; runs of white space are one space (as HTML sets them).
    private func tokens(_ spans: [Span]) -> [Token] {
        var tokens: [Token] = []
        var word: [Span] = []
        func flush() {
            if !word.isEmpty { tokens.append(.word(word)) }
            word = []
        }
        for span in spans {
            var piece = ""
            for character in span.text {
                if character == "\n" {
                    if !piece.isEmpty { word.append(Span(piece, span.style)) }
                    piece = ""
                    flush()
                    tokens.append(.newline(span.style))
                } else if character.isWhitespace {
                    if !piece.isEmpty { word.append(Span(piece, span.style)) }
                    piece = ""
                    flush()
                    if case .space = tokens.last {} else { tokens.append(.space(span.style)) }
                } else {
                    piece.append(character)
                }
            }
            if !piece.isEmpty { word.append(Span(piece, span.style)) }
        }
        flush()
        return tokens
    }
}

extension Array where Element == TextLine {
    /// The lines' total height, spacing included.
    var height: Double { reduce(0) { $0 + $1.height + $1.after } }
}
