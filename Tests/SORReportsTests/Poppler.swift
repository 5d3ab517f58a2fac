import Foundation
import Testing

/// poppler-utils on written PDFs: what a reader's viewer and copy-paste get out of them.
enum Poppler {
    /// A fresh folder per test run for the PDFs and their page images.
    static let folder: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sor-reports-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static func write(_ name: String, _ data: Data) -> String {
        let path = folder + "/" + name
        #expect(FileManager.default.createFile(atPath: path, contents: data), "writing \(path)")
        return path
    }

    /// Runs a tool from /usr/bin and returns its exit status and standard output.
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        // Foundation's waitUntilExit() was seen to hang after the child exited; ask the kernel.
        var status: Int32 = 0
        while waitpid(process.processIdentifier, &status, 0) == -1 && errno == EINTR {}
        return (status, String(decoding: output, as: UTF8.self))
    }

    /// The text as pdftotext gives it, with layout or in reading order, pages `first…last` (all by default).
    static func text(_ path: String, layout: Bool, first: Int? = nil, last: Int? = nil) throws -> String {
        var arguments = layout ? ["-layout"] : []
        if let first { arguments += ["-f", "\(first)"] }
        if let last { arguments += ["-l", "\(last)"] }
        let (status, output) = try run("pdftotext", arguments + [path, "-"])
        #expect(status == 0, "pdftotext \(path)")
        return output
    }

    /// Runs of white space as one space: wrapping puts line breaks where the source had spaces.
    static func collapsed(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The number of pages pdfinfo reads (nil when it cannot read the file).
    static func pages(_ path: String) throws -> Int? {
        let (status, output) = try run("pdfinfo", [path])
        guard status == 0 else { return nil }
        return output.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    /// Renders every page to PNG at `dpi` and returns the images' paths.
    static func render(_ path: String, dpi: Int, prefix: String) throws -> [String] {
        let (status, _) = try run("pdftoppm", ["-r", "\(dpi)", "-png", path, folder + "/" + prefix])
        #expect(status == 0, "pdftoppm \(path)")
        return try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(prefix + "-") && $0.hasSuffix(".png") }
            .sorted().map { folder + "/" + $0 }
    }

    /// Every word's box, in points from the page's top left, with its page (1-based) and the page's size.
    struct Word {
        var page: Int
        var text: String
        var xMin, yMin, xMax, yMax: Double
        var pageWidth, pageHeight: Double
    }

    static func words(_ path: String) throws -> [Word] {
        let (status, output) = try run("pdftotext", ["-bbox", path, "-"])
        #expect(status == 0)
        var words: [Word] = []
        var page = 0
        var size = (0.0, 0.0)
        func attribute(_ name: String, _ line: Substring) -> Double {
            guard let range = line.range(of: name + "=\"") else { return .nan }
            return Double(line[range.upperBound...].prefix { $0 != "\"" }) ?? .nan
        }
        for line in output.split(separator: "\n") {
            if line.contains("<page ") {
                page += 1
                size = (attribute("width", line), attribute("height", line))
            } else if line.contains("<word ") {
                let text = line.split(separator: ">").dropFirst().first?.split(separator: "<").first.map(String.init) ?? ""
                words.append(Word(page: page, text: text, xMin: attribute("xMin", line), yMin: attribute("yMin", line),
                                  xMax: attribute("xMax", line), yMax: attribute("yMax", line), pageWidth: size.0, pageHeight: size.1))
            }
        }
        return words
    }
}
