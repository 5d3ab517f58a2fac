import Foundation

/// Decides which speaker is the KONSULTANT and which the KLIENT, and how sure that is.
///
/// In order of trust: the source's channel map (stereo calls), Polish lexical cues over the whole call (the consultant
/// greets with the company name, introduces themself, offers help, reads the recording notice, makes an offer, asks
/// for personal data or for a named person; the client wants something, has a problem, answers an outbound call with
/// "Słucham?", asks who is calling, refuses the call, gives their own data), and, weakest, who speaks first.
public enum RoleLabeller {
    /// Whether the contact centre received the call or placed it.
    public enum Direction: String, Codable, Sendable {
        /// The client called; the consultant answers, so speaks first.
        case inbound
        /// The consultant called; the client answers, so speaks first.
        case outbound
        /// Not known: who speaks first is no evidence.
        case unknown
    }

    /// What the labeller knows about the call besides its words.
    public struct Parameters: Codable, Sendable, Equatable {
        /// The contact centre's company and brand names, as said in greetings ("Orange", "Bank Pekao").
        public var companyNames: [String]
        public var direction: Direction
        /// Channel index (0 = left) → role, for sources that record each party on its own channel.
        public var channelMap: [Int: Role]?
        /// A decision less confident than this needs a person to confirm it.
        public var reviewBelow: Double

        public init(
            companyNames: [String] = [], direction: Direction = .inbound, channelMap: [Int: Role]? = nil,
            reviewBelow: Double = 0.6
        ) {
            self.companyNames = companyNames
            self.direction = direction
            self.channelMap = channelMap
            self.reviewBelow = reviewBelow
        }
    }

    /// The speakers with their roles set, and the decision behind them.
    public struct Labelling: Sendable, Equatable {
        public var speakers: [Speaker]
        public var decision: RoleDecision

        public init(speakers: [Speaker], decision: RoleDecision) {
            self.speakers = speakers
            self.decision = decision
        }

        /// Speaker id → role, for the speakers that got one.
        public var roles: [String: Role] {
            Dictionary(speakers.compactMap { speaker in speaker.role.map { (speaker.id, $0) } },
                       uniquingKeysWith: { first, _ in first })
        }
    }

    // MARK: Evidence weights

    /// Points a speaker gets for speaking first, towards KONSULTANT on inbound calls and KLIENT on outbound ones.
    /// Alone it gives a confidence of about 0.55: a hint, never enough to skip review.
    public static let firstSpeakerWeight = 0.35
    /// Steepness of the logistic that turns the score margin between the top two speakers into a confidence.
    public static let confidenceSteepness = 0.6
    /// Confidence never reaches 1 from words alone.
    public static let maximumLexicalConfidence = 0.99
    /// A company name counts as a greeting this early in the call.
    public static let greetingWindow = 30.0
    /// Lexical evidence overrules a channel map only with at least this margin (about three strong cues' worth
    /// between the two speakers, a confidence of about 0.77).
    public static let contradictionMargin = 2.0

    /// A phrase that points to a role. Patterns are folded words separated by spaces; `(a|b)` is one of several
    /// words, `(a|b)?` an optional one. Matching is on whole words of the folded text.
    struct Cue {
        var pattern: String
        var role: Role
        var weight: Double
    }

    static let cues: [Cue] = [
        Cue(pattern: "nazywam sie", role: .konsultant, weight: 2),
        Cue(pattern: "z tej strony", role: .konsultant, weight: 1),
        Cue(pattern: "w czym (moge|mozemy) (pani|panu|panstwu)? pomoc", role: .konsultant, weight: 3),
        Cue(pattern: "dzwonie z firmy", role: .konsultant, weight: 2),
        Cue(pattern: "dzwonie w imieniu", role: .konsultant, weight: 2),
        Cue(pattern: "rozmowa jest nagrywana", role: .konsultant, weight: 2.5),
        Cue(pattern: "administratorem (pana|pani|panstwa)? danych", role: .konsultant, weight: 2.5),
        Cue(pattern: "czy moge jeszcze w czyms pomoc", role: .konsultant, weight: 2.5),
        Cue(pattern: "dziekuje za rozmowe", role: .konsultant, weight: 1),
        Cue(pattern: "dziekuje za telefon", role: .konsultant, weight: 1.5),
        Cue(pattern: "zycze (milego|milej|dobrego) (dnia|popoludnia|wieczoru)", role: .konsultant, weight: 1),
        Cue(pattern: "prosze podac", role: .konsultant, weight: 1.5),
        Cue(pattern: "w celu weryfikacji", role: .konsultant, weight: 2),
        Cue(pattern: "infolinia", role: .konsultant, weight: 1.5),
        Cue(pattern: "zapraszam", role: .konsultant, weight: 1),
        // The evidence of the whole call, for consultants who never introduce themselves: who makes the offer, who
        // asks for personal data and who asks for a named person…
        Cue(pattern: "mamy dla (pana|pani|panstwa)", role: .konsultant, weight: 2),
        Cue(pattern: "(proponuje|proponujemy|polecam|polecamy) (pani|panu|panstwu)?", role: .konsultant, weight: 1.5),
        Cue(pattern: "(prosze|poprosze) o (pana|pani)? (pesel|numer|date|adres|imie|nazwisko|kod)", role: .konsultant, weight: 2),
        Cue(pattern: "czy moge prosic o", role: .konsultant, weight: 1.5),
        Cue(pattern: "czy rozmawiam z", role: .konsultant, weight: 2),
        Cue(pattern: "wysle (pani|panu|panstwu)?", role: .konsultant, weight: 1),
        Cue(pattern: "chcialbym", role: .klient, weight: 1),
        Cue(pattern: "chcialabym", role: .klient, weight: 1),
        Cue(pattern: "mam problem", role: .klient, weight: 1.5),
        Cue(pattern: "dzwonie w sprawie", role: .klient, weight: 1.5),
        Cue(pattern: "(chce|chcialbym|chcialabym) zrezygnowac", role: .klient, weight: 2),
        Cue(pattern: "(moja|mojej|moje|moich) (faktura|faktury|fakture|fakturze|fakturach|faktur)", role: .klient,
            weight: 1.5),
        Cue(pattern: "halo", role: .klient, weight: 0.5),
        // …and who asks who is calling, refuses the call, or gives their own data.
        Cue(pattern: "kto (mowi|dzwoni)", role: .klient, weight: 2.5),
        Cue(pattern: "nie (przedstawil|przedstawila) sie", role: .klient, weight: 2.5),
        Cue(pattern: "skad (pan|pani|panstwo)? (ma|macie|mial|miala) (moj|moje|mojego)", role: .klient, weight: 2.5),
        Cue(pattern: "prosze (do)? (mnie)? (wiecej)? nie dzwonic", role: .klient, weight: 2.5),
        Cue(pattern: "nie jestem (zainteresowany|zainteresowana)", role: .klient, weight: 2),
        Cue(pattern: "nie podam", role: .klient, weight: 1.5),
        Cue(pattern: "(moj|moja|moje) (pesel|numer|adres|data|przesylka|paczka|zamowienie)", role: .klient, weight: 1.5),
        Cue(pattern: "(urodzilem|urodzilam) sie", role: .klient, weight: 1.5),
    ]
    /// The company name said within `greetingWindow` seconds, and later.
    static let companyGreetingWeight = 3.0
    static let companyLaterWeight = 1.5
    /// "Słucham?" as the first thing said on an outbound call: the client answering.
    static let answeringWeight = 2.0

    // MARK: Deciding

    /// Labels the speakers of a call. Speakers that never talk get no role unless the channel map names them.
    public static func label(utterances: [Utterance], speakers: [Speaker], parameters: Parameters) -> Labelling {
        var all = speakers
        for utterance in utterances where !all.contains(where: { $0.id == utterance.speaker }) {
            all.append(Speaker(id: utterance.speaker))
        }
        // A recorded announcement before the answer is neither party: its words are no cue, and the conversation
        // (who speaks first, the greeting) starts after it.
        let answered = utterances.answered
        let evidence = Self.evidence(
            utterances: utterances.filter { $0.speaker != SpeakerSegment.announcement }, parameters: parameters, answered: answered)

        if let map = parameters.channelMap, !all.isEmpty,
            all.allSatisfy({ speaker in speaker.channel.map { map[$0] != nil } ?? false })
        {
            return byChannel(all, map: map, evidence: evidence, parameters: parameters)
        }

        // Speakers in the order they first talk; the silent ones are left out.
        let talking = all.filter { evidence.firstTalk[$0.id] != nil }
            .sorted { (evidence.firstTalk[$0.id] ?? 0) < (evidence.firstTalk[$1.id] ?? 0) }
        guard talking.count >= 2 else {
            let cue = talking.isEmpty ? "brak mowy" : "tylko jeden mówca: \(talking[0].id)"
            return Labelling(
                speakers: all.map { withRole($0, nil) },
                decision: RoleDecision(method: .none, confidence: 0, cues: [cue], needsReview: true))
        }

        var score = Dictionary(uniqueKeysWithValues: talking.map { ($0.id, evidence.score[$0.id] ?? 0) })
        var cues = evidence.found.map(\.text)
        if answered > 0 {
            cues.append(String(format: "%@: zapowiedź nagrana przed odebraniem (do %.1f s), bez roli", SpeakerSegment.announcement, answered))
        }
        let first = talking[0].id
        switch parameters.direction {
        case .inbound:
            score[first, default: 0] += firstSpeakerWeight
            cues.append("\(first) mówi pierwszy (połączenie przychodzące: odbiera konsultant)")
        case .outbound:
            score[first, default: 0] -= firstSpeakerWeight
            cues.append("\(first) mówi pierwszy (połączenie wychodzące: odbiera klient)")
        case .unknown:
            break
        }
        if evidence.found.isEmpty && parameters.direction == .unknown {
            cues.append("brak wskazówek: \(first) mówi pierwszy, przyjęto KONSULTANT")
        }

        // Highest score first; on a tie the earlier speaker, as most calls to a contact centre are inbound.
        let ranked = talking.enumerated()
            .sorted { (-(score[$0.element.id] ?? 0), $0.offset) < (-(score[$1.element.id] ?? 0), $1.offset) }
            .map(\.element.id)
        let margin = (score[ranked[0]] ?? 0) - (score[ranked[1]] ?? 0)
        let confidence = Self.confidence(margin: margin)
        let konsultant = ranked[0]
        if talking.count > 2 { cues.append("rozmowa wieloosobowa: \(konsultant) KONSULTANT, pozostali KLIENT") }

        return Labelling(
            speakers: all.map { speaker in
                withRole(speaker, score[speaker.id] == nil ? nil : (speaker.id == konsultant ? .konsultant : .klient))
            },
            decision: RoleDecision(
                method: evidence.found.isEmpty ? .firstSpeaker : .lexical, confidence: confidence, cues: cues,
                needsReview: confidence < parameters.reviewBelow))
    }

    /// Roles from the channel map, trusted fully unless the words clearly say the opposite.
    private static func byChannel(
        _ speakers: [Speaker], map: [Int: Role], evidence: Evidence, parameters: Parameters
    ) -> Labelling {
        let labelled = speakers.map { speaker in withRole(speaker, speaker.channel.flatMap { map[$0] }) }
        var cues = labelled.compactMap { speaker in
            speaker.channel.flatMap { channel in speaker.role.map { "\(speaker.id): kanał \(channel) = \($0.rawValue)" } }
        }
        var confidence = 1.0
        // Lexical evidence alone (no first-speaker hint): the best-scoring talker should be a KONSULTANT.
        let ranked = labelled.filter { evidence.firstTalk[$0.id] != nil }
            .sorted { (evidence.score[$0.id] ?? 0) > (evidence.score[$1.id] ?? 0) }
        if ranked.count >= 2 {
            let top = ranked[0]
            let margin = (evidence.score[top.id] ?? 0) - (evidence.score[ranked[1].id] ?? 0)
            if margin >= contradictionMargin, top.role == .klient {
                // Below the review threshold whatever it is set to, lower the clearer the contradiction.
                confidence = min(1 - Self.confidence(margin: margin), parameters.reviewBelow / 2)
                cues.append("słowa przeczą mapie kanałów: \(top.id) mówi jak KONSULTANT")
            }
        }
        cues += evidence.found.map(\.text)
        return Labelling(
            speakers: labelled,
            decision: RoleDecision(
                method: .channelMap, confidence: confidence, cues: cues,
                needsReview: confidence < parameters.reviewBelow))
    }

    /// Confidence from the score margin between the top two speakers: a logistic, 0.5 at no margin.
    static func confidence(margin: Double) -> Double {
        min(maximumLexicalConfidence, 1 / (1 + exp(-confidenceSteepness * margin)))
    }

    private static func withRole(_ speaker: Speaker, _ role: Role?) -> Speaker {
        var speaker = speaker
        speaker.role = role
        return speaker
    }

    // MARK: Lexical evidence

    /// One cue found: who said it, when, and how it reads on the site.
    struct Finding {
        var speaker: String
        var at: Double
        var text: String
    }

    /// Per speaker: the lexical score (KONSULTANT cues minus KLIENT cues, each distinct cue counted once, at its
    /// first occurrence) and when they first talk.
    struct Evidence {
        var score: [String: Double] = [:]
        var firstTalk: [String: Double] = [:]
        var found: [Finding] = []
    }

    static func evidence(utterances: [Utterance], parameters: Parameters, answered: Double) -> Evidence {
        var evidence = Evidence()
        let ordered = utterances.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
        let companies = parameters.companyNames.map { FoldedText(words: [Word(text: $0, start: 0, end: 0)]).tokens }
            .filter { !$0.isEmpty }
        let patterns = cues.map { (cue: $0, parts: parse($0.pattern)) }
        var counted = Set<String>()
        // The very first words of the call: "Słucham?" there is someone answering the phone.
        let opening = ordered.firstIndex { !FoldedText(utterance: $0).tokens.isEmpty }

        for (index, utterance) in ordered.enumerated() {
            let text = FoldedText(utterance: utterance)
            guard !text.tokens.isEmpty else { continue }
            if evidence.firstTalk[utterance.speaker] == nil { evidence.firstTalk[utterance.speaker] = utterance.start }

            func note(_ key: String, _ range: Range<Int>, role: Role, weight: Double) {
                guard counted.insert("\(utterance.speaker)\u{0}\(key)").inserted else { return }
                evidence.score[utterance.speaker, default: 0] += role == .konsultant ? weight : -weight
                let at = text.start(of: range.lowerBound)
                evidence.found.append(Finding(
                    speaker: utterance.speaker, at: at,
                    text: "\(utterance.speaker): „\(text.original(range))” (\(String(format: "%.1f", at)) s)"))
            }

            for (cue, parts) in patterns {
                if let range = text.firstMatch(parts) { note(cue.pattern, range, role: cue.role, weight: cue.weight) }
            }
            for company in companies {
                // Early and late mentions are separate cues so that a greeting still counts after a later mention.
                var from = 0
                while let range = text.firstNear(company, from: from) {
                    let early = text.start(of: range.lowerBound) - answered <= greetingWindow
                    note(
                        "company:\(company)\(early ? "early" : "late")", range, role: .konsultant,
                        weight: early ? companyGreetingWeight : companyLaterWeight)
                    from = range.upperBound
                }
            }
            // "Słucham?", "Halo, słucham", "Tak, słucham": within the first few words.
            if parameters.direction == .outbound, index == opening, let range = text.firstMatch([["slucham"]]),
                range.lowerBound < 3
            {
                note("answering", range, role: .klient, weight: answeringWeight)
            }
        }
        evidence.found.sort { ($0.at, $0.speaker) < ($1.at, $1.speaker) }
        return evidence
    }

    /// A cue pattern as a list of word alternatives; an empty string among them makes the word optional.
    static func parse(_ pattern: String) -> [[String]] {
        pattern.split(separator: " ").map { part in
            var token = Substring(part)
            let optional = token.hasSuffix(")?")
            if optional { token = token.dropLast() }
            if token.hasPrefix("(") && token.hasSuffix(")") { token = token.dropFirst().dropLast() }
            let choices = token.split(separator: "|").map(String.init)
            return optional ? choices + [""] : choices
        }
    }

    /// Polish text folded to lower-case ASCII words (ą→a, ł→l, ż→z…), each word remembering where it came from.
    struct FoldedText {
        var tokens: [String] = []
        /// For each token, the index of its word.
        var wordIndex: [Int] = []
        var words: [Word] = []

        static let folds: [Character: String] = [
            "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z",
        ]

        init(words: [Word]) {
            self.words = words
            for (index, word) in words.enumerated() {
                for token in Self.fold(word.text) {
                    tokens.append(token)
                    wordIndex.append(index)
                }
            }
        }

        /// An utterance's words, or its text (as one word at its start) when it has none.
        init(utterance: Utterance) {
            self.init(words: utterance.words.isEmpty
                ? [Word(text: utterance.text, start: utterance.start, end: utterance.end)] : utterance.words)
        }

        /// The folded words of a text: lower case, Polish letters folded, other marks dropped, split at anything
        /// that is not a letter or digit.
        static func fold(_ text: String) -> [String] {
            var folded = ""
            for character in text.lowercased() {
                if let plain = folds[character] {
                    folded += plain
                } else if character.isLetter || character.isNumber {
                    for scalar in String(character).decomposedStringWithCanonicalMapping.unicodeScalars
                    where scalar.properties.generalCategory != .nonspacingMark {
                        folded.unicodeScalars.append(scalar)
                    }
                } else {
                    folded += " "
                }
            }
            return folded.split(separator: " ").map(String.init)
        }

        /// The token range of the first place, at or after token `from`, where `words` are said, each allowing
        /// for the recogniser's slips in a name ("Telkron Plus", "Telekom Plus" for "Telkom Plus"): one edit in
        /// a word of 4–5 letters, two in a longer one, none in a shorter one.
        func firstNear(_ words: [String], from: Int = 0) -> Range<Int>? {
            guard !words.isEmpty, from + words.count <= tokens.count else { return nil }
            for start in from...(tokens.count - words.count) {
                let fits = words.enumerated().allSatisfy { offset, word in
                    let allowed = word.count >= 6 ? 2 : word.count >= 4 ? 1 : 0
                    return Levenshtein.distance(Array(tokens[start + offset]), Array(word), limit: allowed) <= allowed
                }
                if fits { return start..<(start + words.count) }
            }
            return nil
        }

        /// The token range of the first match of `parts` starting at or after token `from`.
        func firstMatch(_ parts: [[String]], from: Int = 0) -> Range<Int>? {
            guard from < tokens.count else { return nil }
            for start in from..<tokens.count {
                if let end = match(parts[...], at: start), end > start { return start..<end }
            }
            return nil
        }

        /// The token index after `parts` matched from `position`, trying each choice (backtracking).
        private func match(_ parts: ArraySlice<[String]>, at position: Int) -> Int? {
            guard let part = parts.first else { return position }
            for choice in part {
                if choice.isEmpty {
                    if let end = match(parts.dropFirst(), at: position) { return end }
                } else if position < tokens.count, tokens[position] == choice,
                    let end = match(parts.dropFirst(), at: position + 1)
                {
                    return end
                }
            }
            return nil
        }

        /// When the token's word starts.
        func start(of token: Int) -> Double {
            guard token < wordIndex.count, wordIndex[token] < words.count else { return words.first?.start ?? 0 }
            return words[wordIndex[token]].start
        }

        /// The words under a token range as they were written, lower-cased, without surrounding punctuation.
        func original(_ range: Range<Int>) -> String {
            guard let first = range.first, let last = range.last, last < wordIndex.count else { return "" }
            let spoken = words[wordIndex[first]...wordIndex[last]]
                .map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters)) }
                .filter { !$0.isEmpty }.joined(separator: " ").lowercased()
            // A word that is a whole sentence (an utterance without word timings) shows just the matched tokens.
            return spoken.count > 60 ? tokens[range].joined(separator: " ") : spoken
        }
    }
}
