import Foundation

/// Word error rate between a reference and a hypothesis, case and punctuation ignored.
public struct WordErrorRate: Sendable, Equatable {
    public var substitutions: Int
    public var deletions: Int
    public var insertions: Int
    public var referenceWords: Int

    /// Errors divided by the number of reference words (0 when both are empty).
    public var rate: Double {
        let errors = substitutions + deletions + insertions
        guard referenceWords > 0 else { return errors == 0 ? 0 : 1 }
        return Double(errors) / Double(referenceWords)
    }

    /// Compares two texts word by word after `normalizedWords(_:)`.
    public init(reference: String, hypothesis: String) {
        let ref = Self.normalizedWords(reference)
        let hyp = Self.normalizedWords(hypothesis)
        // Levenshtein over words, tracking the kind of each edit on the cheapest path.
        struct Cell { var cost = 0, sub = 0, del = 0, ins = 0 }
        var previous = (0...hyp.count).map { Cell(cost: $0, ins: $0) }
        for i in 1...max(ref.count, 1) where !ref.isEmpty {
            var current = [Cell(cost: i, del: i)]
            for j in 1...max(hyp.count, 1) where !hyp.isEmpty {
                let same = ref[i - 1] == hyp[j - 1]
                var best = previous[j - 1]
                if !same { best.cost += 1; best.sub += 1 }
                var deletion = previous[j]
                deletion.cost += 1; deletion.del += 1
                var insertion = current[j - 1]
                insertion.cost += 1; insertion.ins += 1
                if deletion.cost < best.cost { best = deletion }
                if insertion.cost < best.cost { best = insertion }
                current.append(best)
            }
            previous = current
        }
        let last = previous[previous.count - 1]
        self.substitutions = last.sub
        self.deletions = last.del
        self.insertions = last.ins
        self.referenceWords = ref.count
    }

    /// Lower-cased words with punctuation removed; letters (Polish ones included) and digits are kept.
    public static func normalizedWords(_ text: String) -> [String] {
        let folded = text.lowercased().unicodeScalars.map { scalar -> Character in
            CharacterSet.alphanumerics.contains(scalar) || scalar == "'" ? Character(scalar) : " "
        }
        return String(folded).split(separator: " ").map { $0.replacingOccurrences(of: "'", with: "") }
            .filter { !$0.isEmpty }
    }
}
