import CCmark
import Foundation

/// Markdown in scorecard guidance, evaluators' comments and report notes, read with libcmark-gfm (GitHub's
/// CommonMark, with its tables, strikethrough and autolinks). Raw HTML is never passed through: cmark-gfm's safe
/// mode (its default) replaces it with a comment and drops `javascript:` and other unsafe links, so a comment
/// cannot put script on a page.
public enum Markdown {
    /// The text as an HTML fragment for a page.
    public static func html(_ text: String) -> String {
        withDocument(text) { root, extensions in
            guard let rendered = cmark_render_html(root, CMARK_OPT_DEFAULT, extensions) else { return "" }
            defer { free(rendered) }
            return String(cString: rendered)
        }
    }

    /// One run of text with its emphasis, for writers that lay text out themselves (the PDFs).
    public struct Run: Equatable, Sendable {
        public var text: String
        public var strong = false
        public var emphasis = false
        public var code = false

        public init(text: String, strong: Bool = false, emphasis: Bool = false, code: Bool = false) {
            self.text = text
            self.strong = strong
            self.emphasis = emphasis
            self.code = code
        }
    }

    /// A block of the document: a paragraph, heading or list item (with its nesting depth and marker), as runs.
    public struct Block: Equatable, Sendable {
        public enum Kind: Equatable, Sendable { case paragraph, heading(Int), item(marker: String, depth: Int), code, quote }
        public var kind: Kind
        public var runs: [Run]
    }

    /// The text as blocks of runs: what a PDF needs to set it with bold and italic, lists indented. Links keep their
    /// text (the address follows in brackets when it differs); images become their description; tables become one
    /// paragraph per row with cells separated by " | ".
    public static func blocks(_ text: String) -> [Block] {
        withDocument(text) { root, _ in
            var blocks: [Block] = []
            var walker = BlockWalker()
            walker.walk(root, into: &blocks)
            return blocks.filter { !$0.runs.isEmpty }
        }
    }

    /// The text without its markup (for a cell of a spreadsheet or a CSV field).
    public static func plain(_ text: String) -> String {
        blocks(text).map { block in
            let body = block.runs.map(\.text).joined()
            if case .item(let marker, _) = block.kind { return marker + " " + body }
            return body
        }.joined(separator: "\n")
    }

    private static func withDocument<T>(_ text: String, _ body: (OpaquePointer, UnsafeMutablePointer<cmark_llist>?) -> T) -> T {
        cmark_gfm_core_extensions_ensure_registered()
        let options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8
        guard let parser = cmark_parser_new(options) else { fatalError("cmark_parser_new returned nil: out of memory") }
        defer { cmark_parser_free(parser) }
        for name in ["table", "strikethrough", "autolink"] {
            if let extension_ = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, extension_) }
        }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { cmark_parser_feed(parser, $0, buffer.count) }
        }
        guard let root = cmark_parser_finish(parser) else { fatalError("cmark_parser_finish returned nil: out of memory") }
        defer { cmark_node_free(root) }
        return body(root, cmark_parser_get_syntax_extensions(parser))
    }
}

/// Walks cmark's tree into `Markdown.Block`s.
private struct BlockWalker {
    var depth = 0

    func type(_ node: OpaquePointer) -> String { String(cString: cmark_node_get_type_string(node)) }

    mutating func walk(_ node: OpaquePointer, into blocks: inout [Markdown.Block]) {
        var child = cmark_node_first_child(node)
        var number = Int(cmark_node_get_list_start(node))
        while let current = child {
            switch type(current) {
            case "paragraph":
                blocks.append(.init(kind: .paragraph, runs: runs(current)))
            case "heading":
                blocks.append(.init(kind: .heading(Int(cmark_node_get_heading_level(current))), runs: runs(current)))
            case "code_block":
                let literal = cmark_node_get_literal(current).map { String(cString: $0) } ?? ""
                let trimmed = literal.hasSuffix("\n") ? String(literal.dropLast()) : literal
                blocks.append(.init(kind: .code, runs: [.init(text: trimmed, code: true)]))
            case "block_quote":
                var inner: [Markdown.Block] = []
                walk(current, into: &inner)
                blocks += inner.map { .init(kind: .quote, runs: $0.runs) }
            case "list":
                depth += 1
                walk(current, into: &blocks)
                depth -= 1
            case "item":
                let ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST
                let marker = ordered ? "\(number)." : "•"
                number += 1
                // The item's first paragraph carries the marker; nested lists follow as their own items.
                var first = true
                var part = cmark_node_first_child(current)
                while let block = part {
                    if type(block) == "list" {
                        depth += 1
                        walk(block, into: &blocks)
                        depth -= 1
                    } else if first {
                        blocks.append(.init(kind: .item(marker: marker, depth: depth), runs: runs(block)))
                        first = false
                    } else {
                        blocks.append(.init(kind: .item(marker: "", depth: depth), runs: runs(block)))
                    }
                    part = cmark_node_next(block)
                }
            case "table":
                var row = cmark_node_first_child(current)
                while let tableRow = row {
                    var cells: [[Markdown.Run]] = []
                    var cell = cmark_node_first_child(tableRow)
                    while let tableCell = cell {
                        cells.append(runs(tableCell))
                        cell = cmark_node_next(tableCell)
                    }
                    var joined: [Markdown.Run] = []
                    for (index, cell) in cells.enumerated() {
                        if index > 0 { joined.append(.init(text: " | ")) }
                        joined += cell
                    }
                    blocks.append(.init(kind: .paragraph, runs: joined))
                    row = cmark_node_next(tableRow)
                }
            case "thematic_break", "html_block":
                break  // raw HTML is dropped, never shown
            default:
                walk(current, into: &blocks)
            }
            child = cmark_node_next(current)
        }
    }

    /// The inline content of a block as runs with their emphasis.
    func runs(_ node: OpaquePointer, strong: Bool = false, emphasis: Bool = false) -> [Markdown.Run] {
        var result: [Markdown.Run] = []
        var child = cmark_node_first_child(node)
        while let current = child {
            let literal = cmark_node_get_literal(current).map { String(cString: $0) } ?? ""
            switch type(current) {
            case "text":
                result.append(.init(text: literal, strong: strong, emphasis: emphasis))
            case "code":
                result.append(.init(text: literal, strong: strong, emphasis: emphasis, code: true))
            case "softbreak":
                result.append(.init(text: " ", strong: strong, emphasis: emphasis))
            case "linebreak":
                result.append(.init(text: "\n", strong: strong, emphasis: emphasis))
            case "strong":
                result += runs(current, strong: true, emphasis: emphasis)
            case "emph":
                result += runs(current, strong: strong, emphasis: true)
            case "link":
                let inner = runs(current, strong: strong, emphasis: emphasis)
                result += inner
                let url = cmark_node_get_url(current).map { String(cString: $0) } ?? ""
                if !url.isEmpty && inner.map(\.text).joined() != url && !url.hasPrefix("mailto:") {
                    result.append(.init(text: " (\(url))", strong: strong, emphasis: emphasis))
                }
            case "html_inline":
                break
            default:
                result += runs(current, strong: strong, emphasis: emphasis)
            }
            child = cmark_node_next(current)
        }
        // Neighbouring runs with the same emphasis are one run.
        var merged: [Markdown.Run] = []
        for run in result {
            if var last = merged.last, last.strong == run.strong, last.emphasis == run.emphasis, last.code == run.code {
                last.text += run.text
                merged[merged.count - 1] = last
            } else {
                merged.append(run)
            }
        }
        return merged
    }
}
