import Foundation
import SORCore

/// Interned word forms (folded text → small integer), shared by every call scored in a process. Thread-safe.
public final class Vocabulary: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: Int32] = [:]
    private var strings: [[UInt8]] = []
    private var wordForms: [String: [Int32]] = [:]
    public let lemmatizer: Lemmatizer

    public init(lemmatizer: Lemmatizer = .shared) {
        self.lemmatizer = lemmatizer
    }

    public static let shared = Vocabulary()

    func id(_ form: String) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let id = ids[form] { return id }
        let id = Int32(strings.count)
        ids[form] = id
        strings.append(Array(form.utf8))
        return id
    }

    /// The interned forms of a word: its folded self first, then its folded lemmas. Cached per written word.
    func forms(_ word: String) -> [Int32] {
        lock.lock()
        if let known = wordForms[word] {
            lock.unlock()
            return known
        }
        lock.unlock()
        let forms = lemmatizer.forms(word).map(id)
        lock.lock()
        wordForms[word] = forms
        lock.unlock()
        return forms
    }

    /// The folded text of a word's own form.
    func folded(_ word: String) -> [UInt8] { text(forms(word)[0]) }

    func text(_ id: Int32) -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return strings[Int(id)]
    }

    static func ratio(_ x: [UInt8], _ y: [UInt8]) -> Float {
        let longer = max(x.count, y.count)
        if longer == 0 { return 1 }
        // Cannot reach 0.5: not worth the distance.
        if Float(min(x.count, y.count)) / Float(longer) < 0.5 { return 0 }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            current[0] = i
            for j in 1...max(y.count, 1) where !y.isEmpty {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return 1 - Float(previous[y.count]) / Float(longer)
    }
}

/// A transcript word as rules see it: where it was said, by whom, and its comparable forms.
public struct Token: Sendable {
    public var text: String
    /// Interned folded forms (surface first, then lemmas).
    var forms: [Int32]
    public var start: Double
    public var end: Double
    public var segment: Int
    public var role: Party?
    /// The recogniser's confidence in the word (0…1), where it gave one.
    public var probability: Double?
    /// The folded surface as bytes (for words run together or split apart).
    var folded: [UInt8] = []
    /// Whether punctuation followed the word („Nie, tu syn”): a „nie” before it negates nothing after it.
    var pauseAfter = false
}

/// The words of a call in time order, ready for phrase rules.
public struct CallText: Sendable {
    public var tokens: [Token]
    public var duration: Double
    /// Whether the words carry speaker roles (after diarization); role filters are ignored otherwise.
    public var hasRoles: Bool
    /// Seconds into the recording where the conversation starts: the end of a recorded announcement played before
    /// anyone answered, else 0. `within: first N s` counts from here.
    public var answered: Double = 0

    public init(transcript: Transcript, roles: [Party?]? = nil, vocabulary: Vocabulary = .shared) {
        var tokens: [Token] = []
        var wordIndex = 0
        for segment in transcript.segments {
            if segment.words.isEmpty {
                // No word timings: spread the segment's words over its span.
                let words = TextNormalizer.words(segment.text)
                for (index, word) in words.enumerated() {
                    let share = (segment.end - segment.start) / Double(max(words.count, 1))
                    tokens.append(Token(
                        text: word, forms: vocabulary.forms(word), start: segment.start + share * Double(index),
                        end: segment.start + share * Double(index + 1), segment: segment.id, role: nil, probability: nil))
                }
                continue
            }
            for word in segment.words {
                let role = roles.flatMap { wordIndex < $0.count ? $0[wordIndex] : nil }
                wordIndex += 1
                // One recognised "word" may hold two ("dzień-dobry", "Telkom-Plus"): split on inner punctuation.
                let pieces = TextNormalizer.words(word.text)
                let paused = word.text.trimmingCharacters(in: .whitespaces).last.map { ",.;:!?…–—".contains($0) } ?? false
                for (index, piece) in pieces.enumerated() {
                    let share = (word.end - word.start) / Double(max(pieces.count, 1))
                    tokens.append(Token(
                        text: piece, forms: vocabulary.forms(piece), start: word.start + share * Double(index),
                        end: word.start + share * Double(index + 1), segment: segment.id, role: role, probability: word.probability,
                        pauseAfter: paused && index == pieces.count - 1))
                }
            }
        }
        for index in tokens.indices { tokens[index].folded = vocabulary.folded(tokens[index].text) }
        self.tokens = tokens
        self.duration = max(transcript.duration, tokens.last?.end ?? 0)
        self.hasRoles = roles != nil && tokens.contains { $0.role != nil }
    }
}

/// A phrase of a rule, prepared once per scorecard load.
public struct Phrase: Sendable {
    public var text: String
    var words: [[Int32]]
    var surfaces: [[UInt8]]
    /// Each word run together with the next ("telkom" + "plus").
    var pairs: [[UInt8]]

    public init(_ text: String, vocabulary: Vocabulary = .shared) {
        self.text = text
        let words = TextNormalizer.words(text)
        self.words = words.map(vocabulary.forms)
        let surfaces = words.map { Array(TextNormalizer.fold($0).utf8) }
        self.surfaces = surfaces
        self.pairs = zip(surfaces, surfaces.dropFirst()).map { $0 + $1 }
    }

    public var isEmpty: Bool { words.isEmpty }
}

/// Where a phrase was said and how closely the words matched it.
public struct PhraseMatch: Sendable, Equatable {
    /// Token indices, `lower..<upper`.
    public var lower: Int
    public var upper: Int
    public var similarity: Double
}

/// Every word form the phrases of a scorecard set use, and for each word form met in a call, the phrase forms it
/// resembles (similarity ≥ 0.5). Computed once per distinct word form and kept: a contact centre's vocabulary is
/// small, so scoring a call soon costs a few hundred lookups instead of tens of thousands of comparisons.
public final class PhraseIndex: @unchecked Sendable {
    // `neighbours` is guarded by `lock`; everything else is immutable after init.
    private let lock = NSLock()
    private var neighbours: [Int32: [(form: Int32, similarity: Float)]] = [:]
    private let phraseForms: [(id: Int32, bytes: [UInt8])]
    let vocabulary: Vocabulary

    public init(phrases: [Phrase], vocabulary: Vocabulary = .shared) {
        self.vocabulary = vocabulary
        var seen: Set<Int32> = []
        var forms: [(Int32, [UInt8])] = []
        for phrase in phrases {
            for word in phrase.words {
                for form in word where seen.insert(form).inserted { forms.append((form, vocabulary.text(form))) }
            }
        }
        phraseForms = forms
    }

    /// Phrase forms resembling a word form, with their similarity.
    func neighbours(of form: Int32) -> [(form: Int32, similarity: Float)] {
        lock.lock()
        if let known = neighbours[form] {
            lock.unlock()
            return known
        }
        lock.unlock()
        let bytes = vocabulary.text(form)
        var found: [(Int32, Float)] = []
        for (id, other) in phraseForms {
            let value = id == form ? 1 : Vocabulary.ratio(bytes, other)
            if value >= 0.5 { found.append((id, value)) }
        }
        lock.lock()
        neighbours[form] = found
        lock.unlock()
        return found
    }
}

/// A call's words looked up in a `PhraseIndex`: which phrase forms each word resembles, and where each phrase form
/// occurs. Made once per call and shared by every rule.
public struct PreparedCall: Sendable {
    /// Per token: phrase form → similarity.
    var similarities: [[Int32: Float]]
    /// Per phrase form: the tokens resembling it, in order.
    var positions: [Int32: [Int]]

    public init(tokens: [Token], index: PhraseIndex) {
        similarities = []
        similarities.reserveCapacity(tokens.count)
        positions = [:]
        for (position, token) in tokens.enumerated() {
            var row: [Int32: Float] = [:]
            for form in token.forms {
                for (phraseForm, value) in index.neighbours(of: form) where value > (row[phraseForm] ?? 0) {
                    row[phraseForm] = value
                }
            }
            for form in row.keys { positions[form, default: []].append(position) }
            similarities.append(row)
        }
    }
}

/// Fuzzy phrase search, tolerant of inflection (lemmas), spelling without Polish letters, and the recogniser's
/// typical errors (a letter or two wrong, a word split in two or two run together, a word dropped or inserted).
///
/// Words are compared by the best similarity of any of their forms (1 − edit distance ÷ longer length). A phrase
/// of n words is aligned to the transcript with dynamic programming: each phrase word either matches one
/// transcript word (earning its similarity), matches two run together or split apart, or is missing (earning 0);
/// a transcript word inserted inside the phrase costs 0.1 (at most two). The phrase's similarity is the total ÷ n;
/// it counts as said when that reaches the threshold (`matching.threshold`, default 0.8: one word of five badly
/// wrong, or every word a little wrong, still counts; half the words wrong does not). Alignments start only where
/// the phrase's first or second word resembles a transcript word (similarity ≥ 0.5).
public struct PhraseMatcher: Sendable {
    public var threshold: Double
    let vocabulary: Vocabulary

    public init(threshold: Double = 0.8, vocabulary: Vocabulary = .shared) {
        self.threshold = threshold
        self.vocabulary = vocabulary
    }

    /// The first match of one phrase in a call (a convenience that indexes just this phrase).
    public func firstMatch(_ phrase: Phrase, in tokens: [Token], indices: [Int]) -> PhraseMatch? {
        let prepared = PreparedCall(tokens: tokens, index: PhraseIndex(phrases: [phrase], vocabulary: vocabulary))
        return matches(phrase, in: tokens, prepared: prepared, indices: indices, first: true).first
    }

    static let negation = Array("nie".utf8)

    /// Every non-overlapping match among the listed token indices (in order). `threshold` overrides the matcher's
    /// (forbidden phrases use a stricter one).
    public func matches(
        _ phrase: Phrase, in tokens: [Token], prepared: PreparedCall, indices: [Int], first: Bool = false, threshold: Double? = nil
    ) -> [PhraseMatch] {
        let threshold = threshold ?? self.threshold
        let n = phrase.words.count
        guard n > 0, !indices.isEmpty else { return [] }
        // Where each token sits in `indices` (-1: outside the rule's scope).
        var slot = [Int](repeating: -1, count: tokens.count)
        for (position, index) in indices.enumerated() { slot[index] = position }
        var starts: Set<Int> = []
        for form in phrase.words[0] { for index in prepared.positions[form] ?? [] where slot[index] >= 0 { starts.insert(slot[index]) } }
        if n > 1 {
            for form in phrase.words[1] {
                for index in prepared.positions[form] ?? [] where slot[index] > 0 { starts.insert(slot[index] - 1) }
            }
        }
        var found: [PhraseMatch] = []
        var blockedUntil = -1
        let span = n + 2
        for position in starts.sorted() where indices[position] >= blockedUntil {
            guard var match = align(phrase, tokens: tokens, prepared: prepared, indices: indices, from: position, span: span),
                match.similarity >= threshold
            else { continue }
            // Polish negates with a separate „nie” before the verb: „nie zgadzam się” is no agreement and „nie
            // rozumiem” no empathy, so a phrase that does not itself begin with „nie” does not match after one.
            if match.lower > 0, phrase.surfaces.first != Self.negation, tokens[match.lower - 1].folded == Self.negation,
                !tokens[match.lower - 1].pauseAfter, tokens[match.lower - 1].segment == tokens[match.lower].segment
            {
                continue
            }
            // A later start inside this match may fit better ("dziękuję, dziękuję za rozmowę"): keep the best, and of
            // equals the shortest.
            var next = position + 1
            while next < indices.count && indices[next] < match.upper {
                if let other = align(phrase, tokens: tokens, prepared: prepared, indices: indices, from: next, span: span),
                    other.similarity > match.similarity + 0.0001
                        || (abs(other.similarity - match.similarity) <= 0.0001 && other.upper - other.lower < match.upper - match.lower)
                {
                    match = other
                }
                next += 1
            }
            found.append(match)
            if first { return found }
            blockedUntil = match.upper
        }
        return found
    }

    @inline(__always)
    func similarity(_ word: [Int32], _ token: Int, _ prepared: PreparedCall) -> Float {
        var best: Float = 0
        let row = prepared.similarities[token]
        for form in word { if let value = row[form], value > best { best = value } }
        return best
    }

    /// The best alignment of the phrase starting at `indices[from]`.
    private func align(_ phrase: Phrase, tokens: [Token], prepared: PreparedCall, indices: [Int], from: Int, span: Int) -> PhraseMatch? {
        let n = phrase.words.count
        let m = min(span, indices.count - from)
        guard m >= 1 else { return nil }
        let width = m + 1
        // dp[j][k]: best total having used j phrase words and k transcript words; inserted words cost 0.1 (max 2).
        var dp = [Float](repeating: -.infinity, count: (n + 1) * width)
        var inserted = [UInt8](repeating: 0, count: (n + 1) * width)
        dp[0] = 0
        for j in 0...n {
            for k in 0...m {
                let cell = j * width + k
                let value = dp[cell]
                if value == -.infinity { continue }
                if j < n && k < m {
                    let token = indices[from + k]
                    // One word for one word.
                    let sim = similarity(phrase.words[j], token, prepared)
                    let next = cell + width + 1
                    if value + sim > dp[next] { dp[next] = value + sim; inserted[next] = inserted[cell] }
                    // Two phrase words run together in one transcript word ("telkomplus").
                    if j + 1 < n && sim < 0.9 && tokens[token].folded.count >= max(phrase.surfaces[j].count, phrase.surfaces[j + 1].count) + 2 {
                        let joined = Vocabulary.ratio(phrase.pairs[j], tokens[token].folded)
                        let target = cell + 2 * width + 1
                        if value + 2 * joined > dp[target] { dp[target] = value + 2 * joined; inserted[target] = inserted[cell] }
                    }
                    // One phrase word split in two transcript words ("podsu mamując").
                    if k + 1 < m && sim < 0.9 && phrase.surfaces[j].count >= tokens[token].folded.count + 2 {
                        let joined = Vocabulary.ratio(phrase.surfaces[j], tokens[token].folded + tokens[indices[from + k + 1]].folded)
                        let target = cell + width + 2
                        if value + joined > dp[target] { dp[target] = value + joined; inserted[target] = inserted[cell] }
                    }
                }
                // A phrase word missing from the transcript.
                if j < n && value > dp[cell + width] { dp[cell + width] = value; inserted[cell + width] = inserted[cell] }
                // A transcript word inserted inside the phrase.
                if j > 0 && j < n && k < m && inserted[cell] < 2 && value - 0.1 > dp[cell + 1] {
                    dp[cell + 1] = value - 0.1
                    inserted[cell + 1] = inserted[cell] + 1
                }
            }
        }
        var best: (Float, Int)?
        for k in 1...m where dp[n * width + k] > -.infinity {
            if best == nil || dp[n * width + k] > best!.0 + 0.0001 { best = (dp[n * width + k], k) }
        }
        guard let (total, used) = best else { return nil }
        return PhraseMatch(lower: indices[from], upper: indices[from + used - 1] + 1, similarity: Double(total) / Double(n))
    }
}
