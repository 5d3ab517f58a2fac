internal import CHaru
import Foundation

/// The faces the PDFs are set in.
enum PDFFont: Int, CaseIterable, Sendable {
    case regular, bold, italic, boldItalic, mono

    /// The face for a Markdown run's emphasis.
    static func `for`(strong: Bool, emphasis: Bool, code: Bool = false) -> PDFFont {
        if code { return .mono }
        switch (strong, emphasis) {
        case (true, true): return .boldItalic
        case (true, false): return .bold
        case (false, true): return .italic
        case (false, false): return .regular
        }
    }
}

/// The TrueType files behind each face. DejaVu covers Polish (and the quotes, dashes and arrows the site's words
/// use). libharu embeds a subset of each face a document sets (about 90 KB a face, compressed), and a face never
/// set is not embedded at all.
struct PDFFontFiles: Sendable, Equatable {
    var paths: [PDFFont: String]

    static let dejaVu: PDFFontFiles = {
        let directory = "/usr/share/fonts/truetype/dejavu/"
        return PDFFontFiles(paths: [
            .regular: directory + "DejaVuSans.ttf", .bold: directory + "DejaVuSans-Bold.ttf",
            .italic: directory + "DejaVuSans-Oblique.ttf", .boldItalic: directory + "DejaVuSans-BoldOblique.ttf",
            .mono: directory + "DejaVuSansMono.ttf",
        ])
    }()
}

/// An RGB colour, components 0…1.
struct PDFColor: Equatable, Sendable {
    var red: Double
    var green: Double
    var blue: Double

    /// `0x1f6feb` style, as the site's CSS writes its colours.
    init(hex: UInt32) {
        red = Double(hex >> 16 & 0xff) / 255
        green = Double(hex >> 8 & 0xff) / 255
        blue = Double(hex & 0xff) / 255
    }

    static let text = PDFColor(hex: 0x1b1f24)
    static let muted = PDFColor(hex: 0x59636e)
    static let rule = PDFColor(hex: 0xc8ced5)
    static let grid = PDFColor(hex: 0xe3e7eb)
    static let shade = PDFColor(hex: 0xf3f5f7)
    static let white = PDFColor(hex: 0xffffff)
    static let pass = PDFColor(hex: 0x1a7f37)
    static let fail = PDFColor(hex: 0xc62828)
    static let warning = PDFColor(hex: 0xb35900)
    /// The roles' colours on the call page: clients blue, consultants orange.
    static let klient = PDFColor(hex: 0x1f6feb)
    static let konsultant = PDFColor(hex: 0xd9730d)
}

/// A point in page coordinates measured from the top left corner (libharu's origin is the bottom left; this type
/// turns them, so layout code counts down the page as it reads).
struct PDFPoint: Equatable, Sendable {
    var x: Double
    var y: Double
}

/// libharu's document: fonts, pages and drawing, with its errors caught. The only user of `CHaru` in SORReports.
/// Drawing never fails on the spot: libharu reports an error to its handler and carries on, the handler keeps the
/// first one, and `data()` throws it, so a layout bug becomes a `ReportError` rather than a crash or a damaged file.
final class PDFDocument {
    /// A4 portrait in points.
    static let width = 595.276
    static let height = 841.89

    private let doc: HPDF_Doc
    private let errors = ErrorRecord()
    /// libharu's names of the loaded font files, and the fonts made from them on first use: a face the document
    /// never sets (the monospaced one, usually) is not embedded at all.
    private var fontNames: [PDFFont: String] = [:]
    private var fonts: [PDFFont: HPDF_Font] = [:]
    private var pages: [HPDF_Page] = []
    /// Names the document in errors ("rozmowa 1a2b…").
    let name: String

    var pageCount: Int { pages.count }

    /// `title` goes into the document's information dictionary. Nothing else does: libharu 2.3 writes no creation
    /// date and no file identifier unless asked (it asks for an identifier only when encrypting), which keeps the
    /// output byte for byte the same for the same input.
    init(name: String, title: String, fonts files: PDFFontFiles = .dejaVu) throws(ReportError) {
        self.name = name
        let handler: HPDF_Error_Handler = { code, detail, user in
            guard let user else { return }
            Unmanaged<ErrorRecord>.fromOpaque(user).takeUnretainedValue().record(code: UInt(code), detail: UInt(detail))
        }
        guard let doc = HPDF_New(handler, Unmanaged.passUnretained(errors).toOpaque()) else {
            throw .pdf(document: name, operation: "creating the document", code: 0, detail: 0)
        }
        self.doc = doc
        errors.operation = "setting up the document"
        HPDF_SetCompressionMode(doc, UInt32(HPDF_COMP_ALL))
        HPDF_UseUTFEncodings(doc)
        HPDF_SetCurrentEncoder(doc, "UTF-8")
        HPDF_SetInfoAttr(doc, HPDF_INFO_TITLE, Self.printable(title))
        HPDF_SetInfoAttr(doc, HPDF_INFO_CREATOR, "SOR — System Oceny Rozmów")
        for face in PDFFont.allCases {
            guard let path = files.paths[face], FileManager.default.isReadableFile(atPath: path) else {
                throw .fontMissing(path: files.paths[face] ?? face.description)
            }
            errors.operation = "loading the font \(path)"
            guard let fontName = HPDF_LoadTTFontFromFile(doc, path, HPDF_TRUE) else {
                try check()
                throw .pdf(document: name, operation: errors.operation, code: 0, detail: 0)
            }
            fontNames[face] = String(cString: fontName)
        }
        try check()
        errors.operation = "drawing"
    }

    deinit { HPDF_Free(doc) }

    /// Throws the first error libharu reported.
    func check() throws(ReportError) {
        if let (code, detail, operation) = errors.first {
            throw .pdf(document: name, operation: operation, code: code, detail: detail)
        }
    }

    /// Adds an A4 page and returns its number (0-based); earlier pages stay drawable (the footers need the total).
    @discardableResult
    func addPage() -> Int {
        guard let page = HPDF_AddPage(doc) else { return pages.count - 1 }
        HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT)
        pages.append(page)
        return pages.count - 1
    }

    /// The width of `text` set in `font` at `size` points. libharu does not kern, so widths add up: the line breaker
    /// relies on that to measure a word character by character.
    ///
    /// Each character's width is asked of libharu once per document and font and kept: libharu finds a glyph by
    /// walking the font's character map, which was a fifth of the time of a call's PDF when every measurement of the
    /// line breaker asked again.
    func width(_ text: String, font: PDFFont, size: Double) -> Double {
        guard !text.isEmpty, let handle = handle(font) else { return 0 }
        var units: UInt = 0
        for character in Self.printable(text) {
            if let known = widths[font.rawValue][character] {
                units += known
                continue
            }
            let single = String(character)
            let measured = single.withCString { pointer in
                pointer.withMemoryRebound(to: HPDF_BYTE.self, capacity: single.utf8.count) {
                    HPDF_Font_TextWidth(handle, $0, HPDF_UINT(single.utf8.count))
                }
            }
            widths[font.rawValue][character] = UInt(measured.width)
            units += UInt(measured.width)
        }
        return Double(units) * size / 1000
    }

    /// Per font (by its raw value), each character's width in thousandths of the size.
    private var widths = [[Character: UInt]](repeating: [:], count: PDFFont.allCases.count)

    // MARK: Drawing. Points are from the page's top left.

    func text(_ text: String, at point: PDFPoint, font: PDFFont, size: Double, color: PDFColor, page: Int) {
        guard !text.isEmpty, let page = handle(page), let handle = handle(font) else { return }
        HPDF_Page_BeginText(page)
        HPDF_Page_SetFontAndSize(page, handle, HPDF_REAL(size))
        setFill(color, on: page)
        HPDF_Page_TextOut(page, HPDF_REAL(point.x), HPDF_REAL(Self.height - point.y), Self.printable(text))
        HPDF_Page_EndText(page)
    }

    func fill(x: Double, y: Double, width: Double, height: Double, color: PDFColor, page: Int) {
        guard let page = handle(page) else { return }
        setFill(color, on: page)
        HPDF_Page_Rectangle(page, HPDF_REAL(x), HPDF_REAL(Self.height - y - height), HPDF_REAL(width), HPDF_REAL(height))
        HPDF_Page_Fill(page)
    }

    func stroke(x: Double, y: Double, width: Double, height: Double, color: PDFColor, lineWidth: Double = 0.5, page: Int) {
        guard let page = handle(page) else { return }
        setStroke(color, width: lineWidth, dash: [], on: page)
        HPDF_Page_Rectangle(page, HPDF_REAL(x), HPDF_REAL(Self.height - y - height), HPDF_REAL(width), HPDF_REAL(height))
        HPDF_Page_Stroke(page)
    }

    /// A polyline; `dash` is on/off lengths in points (empty: solid).
    func line(_ points: [PDFPoint], color: PDFColor, width: Double = 0.5, dash: [UInt16] = [], page: Int) {
        guard let page = handle(page), let first = points.first, points.count > 1 else { return }
        setStroke(color, width: width, dash: dash, on: page)
        HPDF_Page_MoveTo(page, HPDF_REAL(first.x), HPDF_REAL(Self.height - first.y))
        for point in points.dropFirst() { HPDF_Page_LineTo(page, HPDF_REAL(point.x), HPDF_REAL(Self.height - point.y)) }
        HPDF_Page_Stroke(page)
    }

    func circle(center: PDFPoint, radius: Double, color: PDFColor, page: Int) {
        guard let page = handle(page) else { return }
        setFill(color, on: page)
        HPDF_Page_Circle(page, HPDF_REAL(center.x), HPDF_REAL(Self.height - center.y), HPDF_REAL(radius))
        HPDF_Page_Fill(page)
    }

    /// The finished file.
    func data() throws(ReportError) -> Data {
        errors.operation = "saving"
        try check()
        HPDF_SaveToStream(doc)
        try check()
        var bytes = [UInt8](repeating: 0, count: Int(HPDF_GetStreamSize(doc)))
        var size = HPDF_UINT32(bytes.count)
        // The whole stream in one read: a buffer of exactly its size reads without reaching end-of-stream.
        let status = bytes.withUnsafeMutableBufferPointer { HPDF_ReadFromStream(doc, $0.baseAddress, &size) }
        if status != HPDF_OK || Int(size) != bytes.count {
            try check()
            throw .pdf(document: name, operation: "reading the saved stream", code: UInt(status), detail: UInt(size))
        }
        return Data(bytes)
    }

    private func handle(_ page: Int) -> HPDF_Page? { pages.indices.contains(page) ? pages[page] : nil }

    private func handle(_ font: PDFFont) -> HPDF_Font? {
        if let handle = fonts[font] { return handle }
        guard let name = fontNames[font], let handle = HPDF_GetFont(doc, name, "UTF-8") else { return nil }
        fonts[font] = handle
        return handle
    }

    private func setFill(_ color: PDFColor, on page: HPDF_Page) {
        HPDF_Page_SetRGBFill(page, HPDF_REAL(color.red), HPDF_REAL(color.green), HPDF_REAL(color.blue))
    }

    private func setStroke(_ color: PDFColor, width: Double, dash: [UInt16], on page: HPDF_Page) {
        HPDF_Page_SetRGBStroke(page, HPDF_REAL(color.red), HPDF_REAL(color.green), HPDF_REAL(color.blue))
        HPDF_Page_SetLineWidth(page, HPDF_REAL(width))
        _ = dash.withUnsafeBufferPointer { HPDF_Page_SetDash(page, $0.baseAddress, HPDF_UINT(dash.count), 0) }
    }

    /// Text libharu's UTF-8 encoder can set: it maps the Basic Multilingual Plane only (emoji and the like become
    /// U+FFFD), and control characters (a tab in a comment) would draw as boxes, so they become spaces.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value > 0xFFFF || $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) }) else {
            return text
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value > 0xFFFF {
                scalars.append("\u{FFFD}")
            } else if scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) {
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}

extension PDFFont: CustomStringConvertible {
    var description: String { ["regular", "bold", "italic", "bold italic", "mono"][rawValue] }
}

/// The first error libharu's handler reported, and what SOR was doing then. A class: libharu holds a pointer to it.
private final class ErrorRecord {
    var first: (UInt, UInt, String)?
    var operation = ""

    func record(code: UInt, detail: UInt) {
        if first == nil { first = (code, detail, operation) }
    }
}
