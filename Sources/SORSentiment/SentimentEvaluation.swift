import Foundation
import SORCore

/// Agreement of the analyser with labelled utterances, on three classes: a mixed line counts as its stronger side
/// (for a labelled line, the side its labeller named in the `side` column; for the analyser's answer, the sign of
/// its score). Mixed is also counted on its own.
public struct SentimentEvaluation: Sendable {
    public struct Item: Sendable {
        public var text: String
        public var label: SentimentLabel
        /// For a mixed line: its stronger side (negatywny or pozytywny).
        public var side: SentimentLabel?
        /// Who says it, as the derive step knows it from the call's roles.
        public var party: Role?
        public init(text: String, label: SentimentLabel, side: SentimentLabel? = nil, party: Role? = nil) {
            self.text = text
            self.label = label
            self.side = side
            self.party = party
        }
    }

    public static let classes: [SentimentLabel] = [.negatywny, .neutralny, .pozytywny]

    /// confusion[reference][predicted], over `classes`.
    public var confusion: [[Int]]
    public var mixedReference: Int
    public var mixedPredicted: Int
    public var mixedBoth: Int
    public var count: Int

    /// Reads `label<TAB>party<TAB>category<TAB>text[<TAB>side]` lines with a header (sentiment/labelled/*.tsv).
    public static func read(_ path: String) throws -> [Item] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var items: [Item] = []
        for (index, line) in text.split(separator: "\n").enumerated() where index > 0 {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 4, let label = SentimentLabel(rawValue: fields[0]) else { continue }
            let side = fields.count >= 5 ? SentimentLabel(rawValue: fields[4].trimmingCharacters(in: .whitespaces)) : nil
            items.append(Item(text: fields[3], label: label, side: side, party: Role(rawValue: fields[1])))
        }
        return items
    }

    public init(_ analyzer: SentimentAnalyzer, items: [Item]) {
        confusion = Array(repeating: Array(repeating: 0, count: 3), count: 3)
        mixedReference = 0
        mixedPredicted = 0
        mixedBoth = 0
        count = items.count
        for item in items {
            let result = analyzer.analyze(item.text, party: item.party)
            let predicted = result.label.polarity(score: result.score)
            var reference = item.label
            if item.label == .mieszany {
                mixedReference += 1
                if result.label == .mieszany { mixedBoth += 1 }
                reference = item.side ?? .negatywny
            }
            if result.label == .mieszany { mixedPredicted += 1 }
            confusion[Self.classes.firstIndex(of: reference)!][Self.classes.firstIndex(of: predicted)!] += 1
        }
    }

    /// F1 per class (negatywny, neutralny, pozytywny).
    public var f1: [Double] {
        (0..<3).map { index in
            let truePositive = Double(confusion[index][index])
            let predicted = Double((0..<3).reduce(0) { $0 + confusion[$1][index] })
            let actual = Double(confusion[index].reduce(0, +))
            let precision = predicted > 0 ? truePositive / predicted : 0
            let recall = actual > 0 ? truePositive / actual : 0
            return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        }
    }

    public var macroF1: Double { f1.reduce(0, +) / 3 }

    public var accuracy: Double { count > 0 ? Double((0..<3).reduce(0) { $0 + confusion[$1][$1] }) / Double(count) : 0 }

    /// The confusion matrix and scores as a small table.
    public var report: String {
        var lines = ["reference \\ predicted   negatywny  neutralny  pozytywny   F1"]
        for (index, label) in Self.classes.enumerated() {
            lines.append(label.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)
                + confusion[index].map { String(format: "%10d ", $0) }.joined() + String(format: "  %.3f", f1[index]))
        }
        lines.append(String(format: "macro-F1 %.3f, accuracy %.3f over %d lines; mieszany: %d labelled, %d predicted, %d both", macroF1, accuracy, count, mixedReference, mixedPredicted, mixedBoth))
        return lines.joined(separator: "\n")
    }
}
