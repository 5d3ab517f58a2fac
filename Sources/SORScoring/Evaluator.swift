import Foundation
import SORCore

/// A speaker turn, when the call has been diarized.
public struct Turn: Sendable, Equatable {
    public var role: Party
    public var start: Double
    public var end: Double
    /// The utterance's sentiment score (nil before the sentiment stage ran) and its text, for sentiment rules.
    public var sentiment: Double?
    public var text: String

    public init(role: Party, start: Double, end: Double, sentiment: Double? = nil, text: String = "") {
        self.role = role
        self.start = start
        self.end = end
        self.sentiment = sentiment
        self.text = text
    }
}

/// Everything rules may look at for one call.
public struct CallFacts: Sendable {
    public var text: CallText
    /// Speaker turns (nil before diarization): talk ratio and interruptions need them.
    public var turns: [Turn]?
    /// The call's sentiment summary (nil before the sentiment stage ran): `sentiment_change` reads it.
    public var sentiment: CallSentiment?

    public init(text: CallText, turns: [Turn]? = nil, sentiment: CallSentiment? = nil) {
        self.text = text
        self.turns = turns
        self.sentiment = sentiment
    }
}

/// Answers a card's criteria from a call's facts, each answer with its evidence. Pure; thread-safe.
public struct Evaluator: Sendable {
    public let matcher: PhraseMatcher
    private let phrases: [String: Phrase]
    public let index: PhraseIndex
    let regexes = RegexCache()
    let forbiddenThreshold: Double
    let minimumConfidence: Double

    /// Prepares every phrase of the set once.
    public init(scorecards: ScorecardSet, vocabulary: Vocabulary = .shared) {
        matcher = PhraseMatcher(threshold: scorecards.matchThreshold, vocabulary: vocabulary)
        forbiddenThreshold = scorecards.forbiddenThreshold
        minimumConfidence = scorecards.minimumConfidence
        var phrases: [String: Phrase] = [:]
        func collect(_ rule: Rule?) {
            guard let rule else { return }
            switch rule {
            case .said(let list, _, _, _), .notSaid(let list, _, _), .holdAnnounced(_, let list, _):
                for text in list where phrases[text] == nil { phrases[text] = Phrase(text, vocabulary: vocabulary) }
            case .escalationHandled(let requests, let handled, _):
                for text in requests + handled where phrases[text] == nil { phrases[text] = Phrase(text, vocabulary: vocabulary) }
            case .sentimentChange, .sentimentFloor:
                break
            case .inOrder(let groups, _):
                for text in groups.joined() where phrases[text] == nil { phrases[text] = Phrase(text, vocabulary: vocabulary) }
            case .all(let rules), .any(let rules):
                rules.forEach(collect)
            case .not(let rule):
                collect(rule)
            case .talkRatio, .longestSilence, .interruptions, .pattern, .sentimentChange, .sentimentFloor:
                break
            }
        }
        for card in scorecards.cards {
            for criterion in card.sections.flatMap(\.criteria) {
                collect(criterion.auto)
                collect(criterion.applicableIf)
            }
        }
        self.phrases = phrases
        self.index = PhraseIndex(phrases: Array(phrases.values), vocabulary: vocabulary)
    }

    /// Looks the call's words up once, for every card scored on it.
    public func prepare(_ facts: CallFacts) -> PreparedCall { PreparedCall(tokens: facts.text.tokens, index: index) }

    /// Automatic answers for every criterion of `card` that has a rule (and N/A where `applicable_if` fails).
    public func answers(_ card: Scorecard, facts: CallFacts, prepared: PreparedCall? = nil) -> [String: AutoAnswer] {
        let prepared = prepared ?? prepare(facts)
        var result: [String: AutoAnswer] = [:]
        for criterion in card.sections.flatMap(\.criteria) {
            if let condition = criterion.applicableIf {
                let check = evaluate(condition, facts: facts, prepared: prepared, type: .yesNo, scale: 1)
                if check.answer == .no {
                    result[criterion.id] = AutoAnswer(answer: .notApplicable, note: "nie dotyczy: " + check.note, evidence: check.evidence)
                    continue
                }
            }
            guard let rule = criterion.auto else { continue }
            result[criterion.id] = evaluate(rule, facts: facts, prepared: prepared, type: criterion.answer, scale: criterion.scale)
        }
        return result
    }

    // MARK: Rules

    func evaluate(_ rule: Rule, facts: CallFacts, prepared: PreparedCall, type: Criterion.AnswerType, scale: Int) -> AutoAnswer {
        let text = facts.text
        switch rule {
        case .said(let list, let party, let window, let minimum):
            let (indices, scope) = select(text, party: party, window: window)
            var evidence: [Evidence] = []
            var missing: [String] = []
            for phrase in list {
                guard let compiled = phrases[phrase], let match = matcher.matches(compiled, in: text.tokens, prepared: prepared, indices: indices, first: true).first else {
                    missing.append(phrase)
                    continue
                }
                evidence.append(self.evidence(match, text: text, phrase: phrase))
            }
            let found = evidence.count
            let needed = max(1, min(minimum, list.count))
            let answer: Answer
            switch type {
            case .yesNo: answer = found >= needed ? .yes : .no
            case .partial: answer = found >= needed ? .yes : found > 0 ? .partial : .no
            case .scale: answer = Answer(String(Int((Double(scale) * Double(min(found, needed)) / Double(needed)).rounded())))
            }
            let note = found > 0
                ? "powiedziano \(found) z \(list.count) fraz\(scope)" + (missing.isEmpty ? "" : "; brak: " + Self.some(missing))
                : "nie znaleziono żadnej z fraz\(scope): " + Self.some(list)
            return AutoAnswer(answer: answer, note: note, evidence: evidence.sorted { ($0.start ?? 0) < ($1.start ?? 0) })

        case .notSaid(let list, let party, let window):
            let (indices, scope) = select(text, party: party, window: window)
            var evidence: [Evidence] = []
            var uncertain: [Evidence] = []
            for phrase in list {
                guard let compiled = phrases[phrase] else { continue }
                for match in matcher.matches(compiled, in: text.tokens, prepared: prepared, indices: indices, threshold: forbiddenThreshold) {
                    let found = self.evidence(match, text: text, phrase: phrase)
                    if let confidence = found.confidence, confidence < minimumConfidence { uncertain.append(found) } else { evidence.append(found) }
                }
            }
            evidence.sort { ($0.start ?? 0) < ($1.start ?? 0) }
            uncertain.sort { ($0.start ?? 0) < ($1.start ?? 0) }
            func listed(_ items: [Evidence]) -> String {
                Array(Set(items.compactMap(\.phrase))).sorted().map { "„\($0)”" }.joined(separator: ", ")
            }
            if !evidence.isEmpty {
                return AutoAnswer(answer: .no, note: "padło \(evidence.count)×\(scope): \(listed(evidence))", evidence: evidence + uncertain)
            }
            if !uncertain.isEmpty {
                // Heard, but the recogniser was unsure of the words: an evaluator listens and decides.
                return AutoAnswer(answer: nil, note: "do weryfikacji: możliwe \(listed(uncertain))\(scope), rozpoznanie niepewne", evidence: uncertain)
            }
            return AutoAnswer(answer: .yes, note: "nie padła żadna z fraz\(scope)")

        case .pattern(let expression, let party, let window):
            let (indices, scope) = select(text, party: party, window: window)
            guard let regex = regexes.regex(expression) else {
                return AutoAnswer(answer: nil, note: "nieprawidłowy wzorzec: \(expression)")
            }
            // The selected words (folded) joined by spaces, with each word's range, to map a match back to words.
            var bytes: [UInt8] = []
            var spans: [(range: Range<Int>, token: Int)] = []
            for index in indices {
                if !bytes.isEmpty { bytes.append(0x20) }
                let start = bytes.count
                bytes += text.tokens[index].folded
                spans.append((start..<bytes.count, index))
            }
            // Folded text is ASCII, so UTF-16 offsets equal byte offsets.
            let joined = String(decoding: bytes, as: UTF8.self)
            let matches = regex.matches(in: joined, range: NSRange(location: 0, length: joined.utf16.count))
            let evidence = matches.prefix(5).compactMap { match -> Evidence? in
                let range = match.range.location..<(match.range.location + max(match.range.length, 1))
                let covered = spans.filter { $0.range.overlaps(range) }.map(\.token)
                guard let first = covered.first, let last = covered.last else { return nil }
                return self.evidence(PhraseMatch(lower: first, upper: last + 1, similarity: 1), text: text, phrase: expression)
            }
            return evidence.isEmpty
                ? AutoAnswer(answer: .no, note: "wzorzec /\(expression)/ nie pasuje\(scope)")
                : AutoAnswer(answer: .yes, note: "wzorzec /\(expression)/ pasuje \(matches.count)×\(scope)", evidence: evidence)

        case .inOrder(let groups, let party):
            let (indices, scope) = select(text, party: party, window: .whole)
            var evidence: [Evidence] = []
            var cursor = 0
            for (number, group) in groups.enumerated() {
                let remaining = indices.filter { $0 >= cursor }
                let best = group.compactMap { phrase -> (PhraseMatch, String)? in
                    guard let compiled = phrases[phrase], let match = matcher.matches(compiled, in: text.tokens, prepared: prepared, indices: remaining, first: true).first else { return nil }
                    return (match, phrase)
                }.min { $0.0.lower < $1.0.lower }
                guard let (match, phrase) = best else {
                    let what = group.map { "„\($0)”" }.joined(separator: " / ")
                    return AutoAnswer(answer: .no, note: "krok \(number + 1) (\(what)) nie padł\(number > 0 ? " po poprzednim" : "")\(scope)", evidence: evidence)
                }
                evidence.append(self.evidence(match, text: text, phrase: phrase))
                cursor = match.upper
            }
            return AutoAnswer(answer: .yes, note: "wszystkie \(groups.count) kroki w kolejności\(scope)", evidence: evidence)

        case .talkRatio(let party, let low, let high):
            guard let turns = facts.turns, !turns.isEmpty else {
                return AutoAnswer(answer: nil, note: "brak podziału na mówców (diaryzacji): do oceny ręcznej")
            }
            let total = turns.reduce(0) { $0 + ($1.end - $1.start) }
            let own = turns.filter { $0.role == party }.reduce(0) { $0 + ($1.end - $1.start) }
            let ratio = total > 0 ? own / total : 0
            let ok = (low.map { ratio >= $0 } ?? true) && (high.map { ratio <= $0 } ?? true)
            let quote = String(format: "udział %@ w rozmowie: %.0f%%", party.rawValue, ratio * 100)
            return AutoAnswer(answer: ok ? .yes : .no, note: quote, evidence: [Evidence(quote: quote)])

        case .longestSilence(let limit):
            guard let gap = longestGap(text) else { return AutoAnswer(answer: .yes, note: "brak słów, brak ciszy do zmierzenia") }
            let quote = String(format: "najdłuższa cisza %.1f s", gap.end - gap.start)
            return AutoAnswer(answer: gap.end - gap.start <= limit ? .yes : .no, note: quote + String(format: " (limit %.0f s)", limit),
                evidence: [Evidence(start: gap.start, end: gap.end, quote: quote)])

        case .interruptions(let party, let limit):
            guard let turns = facts.turns, !turns.isEmpty else {
                return AutoAnswer(answer: nil, note: "brak podziału na mówców (diaryzacji): do oceny ręcznej")
            }
            var evidence: [Evidence] = []
            let sorted = turns.sorted { $0.start < $1.start }
            for (previous, turn) in zip(sorted, sorted.dropFirst())
            where turn.role == party && previous.role != party && turn.start < previous.end - 0.3 {
                evidence.append(Evidence(start: turn.start, end: min(previous.end, turn.end), quote: "\(party.rawValue) wchodzi w słowo", role: party.rawValue))
            }
            return AutoAnswer(answer: evidence.count <= limit ? .yes : .no, note: "przerwań: \(evidence.count) (dopuszczalne \(limit))", evidence: evidence)

        case .sentimentChange(let party, let minimum):
            guard let turns = facts.turns, !turns.isEmpty else {
                return AutoAnswer(answer: nil, note: "brak podziału na mówców (diaryzacji): do oceny ręcznej")
            }
            // The call's own sentiment summary (the one its page charts): the party's first and last quarter with
            // speech, and the change between them.
            let own = turns.filter { $0.role == party && $0.sentiment != nil }.sorted { $0.start < $1.start }
            let present = (facts.sentiment?[party == .klient ? .klient : .konsultant]?.quarters ?? []).compactMap { $0 }
            guard let opening = present.first, let closing = present.last, let first = own.first, let last = own.last, own.count >= 2 else {
                return AutoAnswer(answer: nil, note: "za mało wypowiedzi \(party.rawValue) z oceną nastawienia: do oceny ręcznej")
            }
            let change = closing - opening
            let note = String(format: "nastawienie %@: na początku %+.2f, na końcu %+.2f (zmiana %+.2f, wymagane co najmniej %+.2f)",
                party.rawValue, opening, closing, change, minimum)
            let evidence = [first, last].map {
                Evidence(start: $0.start, end: $0.end, quote: String(format: "%+.2f: ", $0.sentiment ?? 0) + String($0.text.prefix(120)), role: party.rawValue)
            }
            return AutoAnswer(answer: change >= minimum - 1e-9 ? .yes : .no, note: note, evidence: evidence)

        case .sentimentFloor(let party, let floor):
            guard let turns = facts.turns, !turns.isEmpty else {
                return AutoAnswer(answer: nil, note: "brak podziału na mówców (diaryzacji): do oceny ręcznej")
            }
            let own = turns.filter { $0.role == party && $0.sentiment != nil }
            guard !own.isEmpty else { return AutoAnswer(answer: nil, note: "brak wypowiedzi \(party.rawValue) z oceną nastawienia: do oceny ręcznej") }
            let below = own.filter { ($0.sentiment ?? 0) < floor }.sorted { ($0.sentiment ?? 0) < ($1.sentiment ?? 0) }
            let evidence = below.prefix(5).map {
                Evidence(start: $0.start, end: $0.end, quote: String(format: "%+.2f: ", $0.sentiment ?? 0) + String($0.text.prefix(120)), role: party.rawValue)
            }
            let note = below.isEmpty
                ? String(format: "żadna wypowiedź %@ poniżej %+.2f (najniższa %+.2f)", party.rawValue, floor, own.map { $0.sentiment ?? 0 }.min() ?? 0)
                : String(format: "wypowiedzi %@ poniżej %+.2f: %d", party.rawValue, floor, below.count)
            return AutoAnswer(answer: below.isEmpty ? .yes : .no, note: note, evidence: Array(evidence))

        case .escalationHandled(let requests, let handled, let within):
            guard text.hasRoles else { return AutoAnswer(answer: nil, note: "brak ról KLIENT/KONSULTANT: do oceny ręcznej") }
            let client = select(text, party: .klient, window: .whole).0
            let consultant = select(text, party: .konsultant, window: .whole).0
            var asked: [PhraseMatch] = []
            for phrase in requests {
                guard let compiled = phrases[phrase] else { continue }
                asked += matcher.matches(compiled, in: text.tokens, prepared: prepared, indices: client, first: false)
            }
            guard !asked.isEmpty else { return AutoAnswer(answer: .yes, note: "klient nie prosił o przełożonego") }
            var answers: [PhraseMatch] = []
            for phrase in handled {
                guard let compiled = phrases[phrase] else { continue }
                answers += matcher.matches(compiled, in: text.tokens, prepared: prepared, indices: consultant, first: false)
            }
            var evidence: [Evidence] = []
            var unanswered = 0
            for request in asked.sorted(by: { $0.lower < $1.lower }) {
                let time = text.tokens[request.lower].start
                let answer = answers.first { text.tokens[$0.lower].start >= time && text.tokens[$0.lower].start <= time + within }
                evidence.append(self.evidence(request, text: text, phrase: "prośba o przełożonego"))
                if let answer {
                    evidence.append(self.evidence(answer, text: text, phrase: "odpowiedź konsultanta"))
                } else {
                    unanswered += 1
                }
            }
            let note = unanswered == 0
                ? "każda prośba o przełożonego (\(asked.count)) obsłużona w ciągu \(Int(within)) s"
                : "próśb o przełożonego bez odpowiedzi w ciągu \(Int(within)) s: \(unanswered) z \(asked.count)"
            return AutoAnswer(answer: unanswered == 0 ? .yes : .no, note: note, evidence: evidence)

        case .holdAnnounced(let minimum, let list, let before):
            var evidence: [Evidence] = []
            var unannounced = 0
            for gap in gaps(text, longerThan: minimum) {
                let indices = text.tokens.indices.filter { text.tokens[$0].end <= gap.start + 0.01 && text.tokens[$0].start >= gap.start - before }
                let match = list.lazy.compactMap { phrase in self.phrases[phrase].flatMap { self.matcher.matches($0, in: text.tokens, prepared: prepared, indices: indices, first: true).first.map { ($0, phrase) } } }.first
                if let (found, phrase) = match {
                    evidence.append(self.evidence(found, text: text, phrase: phrase))
                } else {
                    unannounced += 1
                    evidence.append(Evidence(start: gap.start, end: gap.end, quote: String(format: "cisza %.0f s bez zapowiedzi", gap.end - gap.start)))
                }
            }
            if evidence.isEmpty { return AutoAnswer(answer: .yes, note: String(format: "brak przerw dłuższych niż %.0f s", minimum)) }
            return AutoAnswer(answer: unannounced == 0 ? .yes : .no, note: "przerw: \(evidence.count), bez zapowiedzi: \(unannounced)", evidence: evidence)

        case .all(let rules):
            let parts = rules.map { evaluate($0, facts: facts, prepared: prepared, type: .yesNo, scale: 1) }
            if parts.contains(where: { $0.answer == nil }) { return AutoAnswer(answer: nil, note: parts.map(\.note).joined(separator: "; ")) }
            let ok = parts.allSatisfy { $0.answer == .yes }
            return AutoAnswer(answer: ok ? .yes : .no, note: parts.map(\.note).joined(separator: "; "), evidence: parts.flatMap(\.evidence))

        case .any(let rules):
            let parts = rules.map { evaluate($0, facts: facts, prepared: prepared, type: .yesNo, scale: 1) }
            if let hit = parts.first(where: { $0.answer == .yes }) { return hit }
            if parts.contains(where: { $0.answer == nil }) { return AutoAnswer(answer: nil, note: parts.map(\.note).joined(separator: "; ")) }
            return AutoAnswer(answer: .no, note: parts.map(\.note).joined(separator: "; "), evidence: parts.flatMap(\.evidence))

        case .not(let rule):
            let inner = evaluate(rule, facts: facts, prepared: prepared, type: .yesNo, scale: 1)
            guard let answer = inner.answer else { return inner }
            return AutoAnswer(answer: answer == .yes ? .no : .yes, note: "odwrotnie: " + inner.note, evidence: inner.evidence)
        }
    }

    /// Up to three phrases, quoted, for a note ("…" when there are more; the card lists them all).
    static func some(_ phrases: [String]) -> String {
        phrases.prefix(3).map { "„\($0)”" }.joined(separator: ", ") + (phrases.count > 3 ? ", …" : "")
    }

    /// Token indices a rule looks at, and how that scope reads in a note.
    func select(_ text: CallText, party: Party, window: Window) -> ([Int], String) {
        var scope = ""
        var indices = Array(text.tokens.indices)
        switch window {
        case .whole: break
        case .first(let seconds):
            indices = indices.filter { text.tokens[$0].start < text.answered + seconds }
            scope += String(format: " w pierwszych %.0f s", seconds) + (text.answered > 0 ? " po zapowiedzi" : "")
        case .last(let seconds):
            indices = indices.filter { text.tokens[$0].end > text.duration - seconds }
            scope += String(format: " w ostatnich %.0f s", seconds)
        }
        if party != .any {
            if text.hasRoles {
                indices = indices.filter { text.tokens[$0].role == party }
                scope += " (\(party.rawValue))"
            } else {
                scope += " (mówca nieustalony)"
            }
        }
        return (indices, scope)
    }

    func evidence(_ match: PhraseMatch, text: CallText, phrase: String) -> Evidence {
        let words = text.tokens[match.lower..<match.upper]
        let probabilities = words.compactMap(\.probability)
        let confidence = probabilities.isEmpty ? nil : probabilities.reduce(0, +) / Double(probabilities.count)
        return Evidence(
            start: (words.first!.start * 100).rounded() / 100, end: (words.last!.end * 100).rounded() / 100,
            quote: words.map(\.text).joined(separator: " "), phrase: phrase, similarity: (match.similarity * 100).rounded() / 100,
            confidence: confidence.map { ($0 * 100).rounded() / 100 }, role: words.first!.role.map(\.rawValue), segment: words.first!.segment)
    }

    func gaps(_ text: CallText, longerThan seconds: Double) -> [(start: Double, end: Double)] {
        zip(text.tokens, text.tokens.dropFirst()).compactMap { a, b in
            b.start - a.end > seconds ? ((a.end * 100).rounded() / 100, (b.start * 100).rounded() / 100) : nil
        }
    }

    func longestGap(_ text: CallText) -> (start: Double, end: Double)? {
        zip(text.tokens, text.tokens.dropFirst()).map { ($0.end, $1.start) }.max { ($0.1 - $0.0) < ($1.1 - $1.0) }
    }
}

/// Compiled regular expressions of `pattern` rules, made once. `NSRegularExpression` is immutable and safe to share.
final class RegexCache: @unchecked Sendable {
    private let lock = NSLock()
    private var compiled: [String: NSRegularExpression?] = [:]

    func regex(_ pattern: String) -> NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        if let known = compiled[pattern] { return known }
        let made = try? NSRegularExpression(pattern: pattern)
        compiled[pattern] = made
        return made
    }
}
