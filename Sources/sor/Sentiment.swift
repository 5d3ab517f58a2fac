import ArgumentParser
import Foundation
import SORCore
import SORSentiment

struct Sentiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the sentiment of lines of text (arguments, or standard input one line each).",
        discussion: """
            Each line gets a label (negatywny, neutralny, pozytywny, mieszany) and a score from -1 to 1, as every \
            utterance of a call does. --json adds the words that decided it and the rules applied to them.
            """)

    @Option(help: "Language of the text: pl (default) or en.") var language = "pl"
    @Option(help: "Who says the lines: KLIENT or KONSULTANT (as in a call; a client's negated statement reads as a complaint).") var party: String?
    @Flag(help: "Print one JSON object per line: text, label, score, cues.") var json = false
    @Argument(help: "Lines of text; none: read standard input.") var lines: [String] = []

    func run() throws {
        let analyzer = try SentimentAnalyzer.bundled(language)
        var role: Role?
        if let party {
            guard let known = Role(rawValue: party.uppercased()) else {
                throw ValidationError("--party must be KLIENT or KONSULTANT, not \(party)")
            }
            role = known
        }
        let input = lines.isEmpty ? Self.standardInputLines() : lines
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for line in input where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let result = analyzer.analyze(line, party: role)
            if json {
                struct Line: Encodable {
                    var text: String
                    var label: SentimentLabel
                    var score: Double
                    var cues: [SentimentCue]
                }
                let data = try encoder.encode(Line(text: line, label: result.label, score: result.score, cues: result.cues))
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(result.label.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: "%+.2f  ", result.score) + line)
            }
        }
    }

    static func standardInputLines() -> [String] {
        var lines: [String] = []
        while let line = readLine() { lines.append(line) }
        return lines
    }
}
