import Foundation
import SORCore
import SORScoring

/// Text sentiment of one utterance from a lexicon and a few rules, in the manner of VADER (Hutto & Gilbert, 2014)
/// adapted to Polish: entries match by lemma; "nie" turns what follows within four words of its clause (Polish
/// negative concord: "nikt mi nie pomógł" is one negation, not two); intensifiers ("bardzo") and diminishers
/// ("trochę") scale the next cue; after a contrast ("ale", "jednak") cues count more and before it less; a
/// question asks rather than states, so its cues count little, unless a client complains with it ("dlaczego znowu
/// …?"); an apology frames the trouble it names; and who says it matters (a consultant's bad news counts half).
/// Deterministic and explainable: every cue that moved the score is returned with the rules applied to it.
public struct SentimentAnalyzer: Sendable {
    public let lexicon: Lexicon
    let lemmatizer: Lemmatizer?

    /// Score and label thresholds, chosen on the tuning part of the labelled set (sentiment/labelled/tune.tsv).
    public static let positiveThreshold = 0.2
    public static let negativeThreshold = -0.2
    /// A cue side counts as strong for "mieszany" at this summed weight.
    public static let mixedStrength = 1.0
    /// The score is the summed weight `x` squashed into (-1, 1): x / sqrt(x² + alpha).
    static let alpha = 4.0
    static let negatorReach = 4
    static let questionFactor = 0.15
    static let intensifierReach = 2

    /// `lemmatizer` nil: surface forms only (English).
    public init(lexicon: Lexicon, lemmatizer: Lemmatizer? = nil) {
        self.lexicon = lexicon
        self.lemmatizer = lemmatizer
    }

    /// The bundled lexicon for `language`, with Polish lemmas for Polish.
    public static func bundled(_ language: String) throws(LexiconError) -> SentimentAnalyzer {
        let lexicon = try Lexicon.bundled(language)
        return SentimentAnalyzer(lexicon: lexicon, lemmatizer: lexicon.language == "pl" ? .shared : nil)
    }

    private struct Item {
        var entry: Int
        var lower: Int
        var upper: Int
        /// A word inside a phrase that is not part of it ("dziękuję bardzo za pomoc").
        var skipped: [Int] = []
    }

    /// `party`: who said it, when known. A client's negated statement with no other cue ("kurier nie przyjechał")
    /// reports a failure; the same from a consultant is procedure ("nie widzę zaległości").
    public func analyze(_ text: String, party: Role? = nil) -> UtteranceSentiment {
        // Words, and the clause each belongs to: negation and intensity do not reach past a comma or a full stop.
        var words: [String] = []
        var clauses: [Int] = []
        for (clause, part) in text.split(whereSeparator: { ",.;:!?…()\"".contains($0) }).enumerated() {
            let found = TextNormalizer.words(String(part))
            words += found
            clauses += Array(repeating: clause, count: found.count)
        }
        let forms = words.map { word -> [String] in
            guard let all = lemmatizer?.forms(word) else { return [TextNormalizer.fold(word)] }
            // hunspell gives a negated adjective its positive lemma ("nieprzyjemna" → "przyjemny"): such a lemma
            // is not a form of the word for sentiment, only the word as written is.
            guard let surface = all.first, surface.hasPrefix("nie") else { return all }
            return all.filter { $0 == surface || $0.hasPrefix("nie") }
        }
        let items = match(forms)
        let entries = lexicon.entries
        let apology = items.first { entries[$0.entry].kind == .apology }

        // Modifiers and cues, in order.
        let lastContrast = items.last { entries[$0.entry].kind == .contrast }?.lower
        var cues: [SentimentCue] = []
        var positive = 0.0
        var negative = 0.0
        var sum = 0.0
        for (position, item) in items.enumerated() {
            let entry = entries[item.entry]
            guard entry.kind == .word || entry.kind == .phrase || (entry.kind == .escalation && party != .konsultant), entry.weight != 0 else { continue }
            // "… dobry" opening an utterance is a greeting, even when the recogniser misheard "dzień".
            if item.lower <= 1, item.upper == item.lower + 1, clauses[item.lower] == 0, forms[item.lower].contains("dobry"),
                item.upper == words.count || clauses[item.upper] != 0
            {
                continue
            }
            var weight = entry.weight
            var rules: [String] = []
            // The nearest modifiers before it, within reach and not across a contrast or another cue.
            var negation = 0.0
            var factor = 1.0
            for previous in items[..<position].reversed() {
                let kind = entries[previous.entry].kind
                if kind == .contrast || kind == .word || kind == .phrase || kind == .escalation { break }
                if clauses[previous.lower] != clauses[item.lower] { break }
                let distance = item.lower - previous.upper
                if kind == .negator, distance < Self.negatorReach { negation = max(negation, entries[previous.entry].weight) }
                if kind == .intensifier || kind == .diminisher, distance < Self.intensifierReach, factor == 1 {
                    factor = entries[previous.entry].weight
                    rules.append(kind == .intensifier ? "intensified" : "diminished")
                }
            }
            // "dziękuję bardzo": an intensifier right after the cue, with no cue of its own to go to.
            if factor == 1, position + 1 < items.count {
                let next = items[position + 1]
                let kind = entries[next.entry].kind
                let following = items.dropFirst(position + 2).first
                let nextCueNear = following.map { (entries[$0.entry].kind == .word || entries[$0.entry].kind == .phrase) && $0.lower - next.upper < Self.intensifierReach } ?? false
                if kind == .intensifier || kind == .diminisher, next.lower == item.upper, !nextCueNear, clauses[next.lower] == clauses[item.lower] {
                    factor = entries[next.entry].weight
                    rules.append(kind == .intensifier ? "intensified" : "diminished")
                }
            }
            // An intensifier standing inside a phrase scales it.
            for skipped in item.skipped where factor == 1 {
                if let modifier = lexicon.modifier(forms[skipped]) {
                    factor = modifier.weight
                    rules.append(modifier.kind == .intensifier ? "intensified" : "diminished")
                }
            }
            weight *= factor
            // A phrase that holds its own negation ("nie działa") is not negated again: Polish negative concord
            // ("nikt nigdy nie oddzwonił") repeats one negation, it does not cancel it.
            if negation > 0, !entry.elements.contains(where: { lexicon.isNegator($0) || Self.isConcord($0) }) {
                // A negated positive turns negative; a negated negative is only mildly positive ("nie jestem zły").
                weight = weight > 0 ? -0.75 * weight * negation : -0.4 * weight * negation
                rules.append("negated")
            }
            // A consultant's negative words are mostly bad news given as procedure ("niestety nie mogę", "nie
            // przysługuje"): they count half. Rudeness still shows ("to absurd", "to pana problem").
            if party == .konsultant, weight < 0 {
                weight *= 0.5
                rules.append("consultant")
            }
            // An apology frames the trouble it names ("przepraszam za opóźnienie"): it is regret, not a complaint.
            if let apology, item.lower > apology.lower, weight < 0 {
                weight *= 0.2
                rules.append("apologised for")
            }
            if weight > 0 { positive += weight } else { negative -= weight }
            var counted = weight
            if let lastContrast {
                if item.lower < lastContrast {
                    counted *= 0.5
                    rules.append("before contrast")
                } else {
                    counted *= 1.3
                    rules.append("after contrast")
                }
            }
            sum += counted
            cues.append(SentimentCue(text: words[item.lower..<item.upper].joined(separator: " "), weight: Self.rounded(counted), rules: rules))
        }

        if party == .klient, cues.isEmpty, let negator = items.first(where: { entries[$0.entry].kind == .negator && $0.upper < words.count }) {
            let weight = -0.6
            negative -= weight
            sum += weight
            cues.append(SentimentCue(text: words[negator.lower...negator.upper].joined(separator: " "), weight: weight, rules: ["client's negated statement"]))
        }

        // Questions ask: cues in a question count little ("czy jest pan zadowolony?", "od kiedy występuje
        // problem?"), unless it is a complaint put as a question ("dlaczego znowu …?", "czy naprawdę nikt …?").
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // A consultant's "dlaczego …?" asks for a reason (a retention call): only a client's complains.
        let complaint = party == .konsultant ? nil : items.first { entries[$0.entry].kind == .complaint && ($0.lower == 0 || trimmed.hasSuffix("?")) }
        if let complaint {
            let weight = entries[complaint.entry].weight
            negative -= weight
            sum += weight
            cues.append(SentimentCue(text: words[complaint.lower..<complaint.upper].joined(separator: " ") + " …?", weight: weight, rules: ["complaining question"]))
        } else if trimmed.hasSuffix("?") {
            sum *= Self.questionFactor
            positive *= Self.questionFactor
            negative *= Self.questionFactor
            for index in cues.indices {
                cues[index].weight = Self.rounded(cues[index].weight * Self.questionFactor)
                cues[index].rules.append("question")
            }
        }

        let score = sum / (sum * sum + Self.alpha).squareRoot()
        let label: SentimentLabel
        if positive >= Self.mixedStrength && negative >= Self.mixedStrength {
            label = .mieszany
        } else if score >= Self.positiveThreshold {
            label = .pozytywny
        } else if score <= Self.negativeThreshold {
            label = .negatywny
        } else {
            label = .neutralny
        }
        return UtteranceSentiment(score: Self.rounded(score), label: label, cues: cues)
    }

    /// Lexicon entries found in the words, left to right, longest first; a word belongs to at most one entry.
    private func match(_ forms: [[String]]) -> [Item] {
        var items: [Item] = []
        var position = 0
        while position < forms.count {
            if let found = longest(at: position, forms) {
                items.append(found)
                position = found.upper
            } else {
                position += 1
            }
        }
        return items
    }

    private func longest(at position: Int, _ forms: [[String]]) -> Item? {
        var candidates: [Int] = []
        for form in forms[position] {
            candidates += lexicon.byFirst[form] ?? []
            candidates += lexicon.byPrefix[String(form.prefix(3))] ?? []
        }
        var best: Item?
        for index in candidates {
            let elements = lexicon.entries[index].elements
            guard Self.matches(elements[0], forms[position]) else { continue }
            var next = position + 1
            var complete = true
            var skipped: [Int] = []
            for element in elements.dropFirst() {
                // The next word, or the one after it (one word may come between: "złożę tę reklamację").
                if next < forms.count, Self.matches(element, forms[next]) {
                    next += 1
                } else if next + 1 < forms.count, Self.matches(element, forms[next + 1]) {
                    skipped.append(next)
                    next += 2
                } else {
                    complete = false
                    break
                }
            }
            guard complete else { continue }
            if best == nil || elements.count > lexicon.entries[best!.entry].elements.count {
                best = Item(entry: index, lower: position, upper: next, skipped: skipped)
            }
        }
        return best
    }

    static func matches(_ element: String, _ forms: [String]) -> Bool {
        if element.hasSuffix("*") {
            let prefix = element.dropLast()
            return forms.contains { $0.hasPrefix(prefix) }
        }
        return forms.contains(element)
    }

    /// Polish negative-concord words ("żadnych kłopotów", "nic", "nikt"): a phrase holding one is already
    /// negated; the "nie" beside it repeats the negation.
    static func isConcord(_ element: String) -> Bool {
        element.hasPrefix("zadn") || ["nic", "niczego", "niczym", "nikt", "nikogo", "nikomu", "nigdy", "nigdzie", "ani"].contains(element)
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
