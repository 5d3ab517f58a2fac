import Foundation
import SORCore

/// Interned word forms and a memo of their similarities, shared by every call scored in a process: a contact
/// centre's vocabulary is small, so after the first calls nearly every comparison is a lookup. Thread-safe.
public final class Vocabulary: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: Int32] = [:]
    private var strings: [[UInt8]] = []
    private var memo: [UInt64: Float] = [:]
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

    /// The interned forms of a word: its folded self first, then its folded lemmas.
    func forms(_ word: String) -> [Int32] { lemmatizer.forms(word).map(id) }

    /// Similarity of two forms: 1 − Levenshtein distance ÷ the longer length (folded ASCII, so bytes are letters).
    func similarity(_ a: Int32, _ b: Int32) -> Float {
        if a == b { return 1 }
        let key = UInt64(UInt32(bitPattern: min(a, b))) << 32 | UInt64(UInt32(bitPattern: max(a, b)))
        lock.lock()
        if let known = memo[key] {
            lock.unlock()
            return known
        }
        let x = strings[Int(a)]
        let y = strings[Int(b)]
        lock.unlock()
        let value = Self.ratio(x, y)
        lock.lock()
        memo[key] = value
        lock.unlock()
        return value
    }

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
}

/// The words of a call in time order, ready for phrase rules.
public struct CallText: Sendable {
    public var tokens: [Token]
    public var duration: Double
    /// Whether the words carry speaker roles (after diarization); role filters are ignored otherwise.
    public var hasRoles: Bool

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
                for (index, piece) in pieces.enumerated() {
                    let share = (word.end - word.start) / Double(max(pieces.count, 1))
                    tokens.append(Token(
                        text: piece, forms: vocabulary.forms(piece), start: word.start + share * Double(index),
                        end: word.start + share * Double(index + 1), segment: segment.id, role: role, probability: word.probability))
                }
            }
        }
        self.tokens = tokens
        self.duration = max(transcript.duration, tokens.last?.end ?? 0)
        self.hasRoles = roles != nil && tokens.contains { $0.role != nil }
    }
}

/// A phrase of a rule, prepared once per scorecard load.
public struct Phrase: Sendable {
    public var text: String
    var words: [[Int32]]
    var surfaces: [String]

    public init(_ text: String, vocabulary: Vocabulary = .shared) {
        self.text = text
        let words = TextNormalizer.words(text)
        self.words = words.map(vocabulary.forms)
        self.surfaces = words.map(TextNormalizer.fold)
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

/// Fuzzy phrase search, tolerant of inflection (lemmas), spelling without Polish letters, and the recogniser's
/// typical errors (a letter or two wrong, a word split in two or two run together, a word dropped or inserted).
///
/// Words are compared by the best similarity of any of their forms (1 − edit distance ÷ longer length). A phrase
/// of n words is aligned to the transcript with dynamic programming: each phrase word either matches one
/// transcript word (earning its similarity), matches two run together or split apart, or is missing (earning 0);
/// a transcript word inserted inside the phrase costs 0.1 (at most two). The phrase's similarity is the total ÷ n;
/// it counts as said when that reaches the threshold (`matching.threshold`, default 0.8: one word of five badly
/// wrong, or every word a little wrong, still counts; half the words wrong does not).
public struct PhraseMatcher: Sendable {
    public var threshold: Double
    let vocabulary: Vocabulary

    public init(threshold: Double = 0.8, vocabulary: Vocabulary = .shared) {
        self.threshold = threshold
        self.vocabulary = vocabulary
    }

    func similarity(_ a: [Int32], _ b: [Int32]) -> Float {
        var best: Float = 0
        for x in a {
            for y in b {
                let value = vocabulary.similarity(x, y)
                if value > best {
                    best = value
                    if best == 1 { return 1 }
                }
            }
        }
        return best
    }

    /// The best match of `phrase` among `tokens[range]` (only the listed indices, in order) at or above the threshold.
    public func firstMatch(_ phrase: Phrase, in tokens: [Token], indices: [Int]) -> PhraseMatch? {
        matches(phrase, in: tokens, indices: indices, first: true).first
    }

    /// Every non-overlapping match, in order. `threshold` overrides the matcher's (forbidden phrases use a stricter one).
    public func matches(_ phrase: Phrase, in tokens: [Token], indices: [Int], first: Bool = false, threshold: Double? = nil) -> [PhraseMatch] {
        let threshold = threshold ?? self.threshold
        let n = phrase.words.count
        guard n > 0, !indices.isEmpty else { return [] }
        var found: [PhraseMatch] = []
        var position = 0
        let span = n + 2
        while position < indices.count {
            // Cheap gate: the first or second phrase word must look like something here.
            let head = similarity(phrase.words[0], tokens[indices[position]].forms)
            let second = n > 1 && position + 1 < indices.count ? similarity(phrase.words[1], tokens[indices[position + 1]].forms) : 0
            if head < 0.5 && second < 0.5 {
                position += 1
                continue
            }
            if var match = align(phrase, tokens: tokens, indices: indices, from: position, span: span), match.similarity >= threshold {
                // A later start inside this match may fit better ("dziękuję, Dziękuję, dziękuję za rozmowę"): keep the
                // best, and of equals the shortest.
                var next = position + 1
                while next < indices.count && indices[next] < match.upper {
                    if let other = align(phrase, tokens: tokens, indices: indices, from: next, span: span),
                        other.similarity > match.similarity + 0.0001
                            || (abs(other.similarity - match.similarity) <= 0.0001 && other.upper - other.lower < match.upper - match.lower)
                    {
                        match = other
                    }
                    next += 1
                }
                found.append(match)
                if first { return found }
                position = indices.firstIndex(of: match.upper) ?? (indices.firstIndex { $0 >= match.upper } ?? indices.count)
            } else {
                position += 1
            }
        }
        return found
    }

    /// The best alignment of the phrase starting at `indices[from]`.
    private func align(_ phrase: Phrase, tokens: [Token], indices: [Int], from: Int, span: Int) -> PhraseMatch? {
        let n = phrase.words.count
        let m = min(span, indices.count - from)
        // dp[j][k]: best total having used j phrase words and k transcript words; inserted words cost 0.1 (max 2).
        var dp = [[Float]](repeating: [Float](repeating: -.infinity, count: m + 1), count: n + 1)
        var inserted = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        dp[0][0] = 0
        func token(_ k: Int) -> Token { tokens[indices[from + k]] }
        for j in 0...n {
            for k in 0...m where dp[j][k] > -.infinity {
                let value = dp[j][k]
                if j < n && k < m {
                    // One word for one word.
                    let sim = similarity(phrase.words[j], token(k).forms)
                    if value + sim > dp[j + 1][k + 1] { dp[j + 1][k + 1] = value + sim; inserted[j + 1][k + 1] = inserted[j][k] }
                    // Two phrase words run together in one transcript word ("telkomplus").
                    if j + 1 < n {
                        let joined = vocabulary.id(phrase.surfaces[j] + phrase.surfaces[j + 1])
                        let sim2 = 2 * similarity([joined], token(k).forms)
                        if value + sim2 > dp[j + 2][k + 1] { dp[j + 2][k + 1] = value + sim2; inserted[j + 2][k + 1] = inserted[j][k] }
                    }
                    // One phrase word split in two transcript words ("dzie n").
                    if k + 1 < m {
                        let joined = vocabulary.id(TextNormalizer.fold(token(k).text) + TextNormalizer.fold(token(k + 1).text))
                        let sim3 = similarity(phrase.words[j], [joined])
                        if value + sim3 > dp[j + 1][k + 2] { dp[j + 1][k + 2] = value + sim3; inserted[j + 1][k + 2] = inserted[j][k] }
                    }
                }
                // A phrase word missing from the transcript.
                if j < n && value > dp[j + 1][k] { dp[j + 1][k] = value; inserted[j + 1][k] = inserted[j][k] }
                // A transcript word inserted inside the phrase.
                if j > 0 && j < n && k < m && inserted[j][k] < 2 && value - 0.1 > dp[j][k + 1] {
                    dp[j][k + 1] = value - 0.1
                    inserted[j][k + 1] = inserted[j][k] + 1
                }
            }
        }
        // The match must start with a real word: the first transcript word is used (k ≥ 1), and ends where the
        // total is best.
        var best: (Float, Int)?
        for k in 1...max(m, 1) where m >= 1 && dp[n][k] > -.infinity {
            if best == nil || dp[n][k] > best!.0 + 0.0001 { best = (dp[n][k], k) }
        }
        guard let (total, used) = best else { return nil }
        // Trailing transcript words that earned nothing are not part of the quote.
        return PhraseMatch(lower: indices[from], upper: indices[from + used - 1] + 1, similarity: Double(total) / Double(n))
    }
}
