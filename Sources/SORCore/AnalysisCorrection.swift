import Foundation

/// A person's correction of a call's speakers, roles or utterances: what the `roles.swap`, `speaker.role`,
/// `speaker.rename`, `utterance.speaker`, `utterance.split` and `utterance.text` edit documents ask for.
public enum AnalysisCorrection: Sendable, Equatable {
    /// KLIENT and KONSULTANT change places between the speakers.
    case swapRoles
    /// One speaker gets `role`; in a two-party call the other speaker gets the other role.
    case setRole(speaker: String, role: Role)
    /// A display name for a speaker (shown instead of S1, S2, …).
    case renameSpeaker(String, name: String)
    /// One utterance said by another (existing) speaker.
    case moveUtterance(Int, to: String)
    /// An utterance cut before its word `atWord` (1…words − 1); the second part gets a new id and, optionally,
    /// another speaker.
    case splitUtterance(Int, atWord: Int, speaker: String?)
    /// New words for an utterance, as a person wrote them.
    case retextUtterance(Int, text: String)

    /// The longest display name.
    public static let nameLimit = 80
    /// The longest utterance text.
    public static let textLimit = 5000
}

/// Why a correction cannot be applied to a call's analysis; the message says what to send instead.
public enum CorrectionError: Error, Equatable, LocalizedError, Sendable {
    case unknownSpeaker(String, known: [String])
    case unknownUtterance(Int, known: ClosedRange<Int>?)
    case wordOutOfRange(utterance: Int, atWord: Int, words: Int)
    case emptyText
    case textTooLong(limit: Int)
    case emptyName
    case nameTooLong(limit: Int)
    case noRoles
    case nothingToChange(String)

    public var errorDescription: String? {
        switch self {
        case .unknownSpeaker(let id, let known):
            "speaker \"\(id)\" does not exist; the call's speakers are \(known.joined(separator: ", "))"
        case .unknownUtterance(let id, let known):
            "utterance \(id) does not exist; " + (known.map { "the call's utterances are numbered \($0.lowerBound)…\($0.upperBound)" } ?? "the call has no utterances")
        case .wordOutOfRange(let utterance, let atWord, let words):
            words < 2
                ? "utterance \(utterance) has \(words) word\(words == 1 ? "" : "s") and cannot be split"
                : "\"at_word\" is \(atWord), but utterance \(utterance) can only be split before words 1…\(words - 1) (it has \(words) words, counted from 0)"
        case .emptyText:
            "\"text\" must be the utterance's new, non-empty text"
        case .textTooLong(let limit):
            "\"text\" is longer than \(limit) characters"
        case .emptyName:
            "\"name\" must be a non-empty display name"
        case .nameTooLong(let limit):
            "\"name\" is longer than \(limit) characters"
        case .noRoles:
            "no speaker has a role yet, so there is nothing to swap; set one with a speaker.role edit"
        case .nothingToChange(let what):
            "\(what); nothing to change"
        }
    }
}

extension Analysis {
    /// The analysis with `correction` applied by `user`. Pure: flags and statistics are not re-derived here
    /// (call `recomputed(_:duration:)` afterwards).
    public func correcting(_ correction: AnalysisCorrection, by user: String) throws(CorrectionError) -> Analysis {
        var result = self
        switch correction {
        case .swapRoles:
            guard speakers.contains(where: { $0.role != nil }) else { throw .noRoles }
            for index in result.speakers.indices { result.speakers[index].role = result.speakers[index].role?.other }
            result.roles = RoleDecision(method: .manual, confidence: 1, cues: ["role zamienione ręcznie: \(user)"], needsReview: false)

        case .setRole(let id, let role):
            let index = try speakerIndex(id)
            result.speakers[index].role = role
            if speakers.count == 2 { result.speakers[1 - index].role = role.other }
            guard result.speakers != speakers else {
                throw .nothingToChange("speaker \(id) is already \(role.rawValue)")
            }
            result.roles = RoleDecision(method: .manual, confidence: 1, cues: ["\(id) → \(role.rawValue) ręcznie: \(user)"], needsReview: false)

        case .renameSpeaker(let id, let raw):
            let index = try speakerIndex(id)
            let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty else { throw .emptyName }
            guard name.count <= AnalysisCorrection.nameLimit else { throw .nameTooLong(limit: AnalysisCorrection.nameLimit) }
            guard speakers[index].name != name else { throw .nothingToChange("speaker \(id) is already called \"\(name)\"") }
            result.speakers[index].name = name

        case .moveUtterance(let id, let to):
            let index = try utteranceIndex(id)
            _ = try speakerIndex(to)
            guard utterances[index].speaker != to else { throw .nothingToChange("utterance \(id) is already \(to)'s") }
            result.utterances[index].speaker = to

        case .splitUtterance(let id, let atWord, let speaker):
            let index = try utteranceIndex(id)
            if let speaker { _ = try speakerIndex(speaker) }
            let original = utterances[index]
            let words = original.words
            guard words.count >= 2, atWord >= 1, atWord <= words.count - 1 else {
                throw .wordOutOfRange(utterance: id, atWord: atWord, words: words.count)
            }
            var first = original
            first.words = Array(words[..<atWord])
            first.end = words[atWord - 1].end
            first.text = Word.text(of: first.words)
            var second = original
            second.id = (utterances.map(\.id).max() ?? id) + 1
            second.speaker = speaker ?? original.speaker
            second.words = Array(words[atWord...])
            second.start = words[atWord].start
            second.text = Word.text(of: second.words)
            result = result.merging(speakers: [], utterances: [first, second], roles: nil)

        case .retextUtterance(let id, let raw):
            let index = try utteranceIndex(id)
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw .emptyText }
            guard text.count <= AnalysisCorrection.textLimit else { throw .textTooLong(limit: AnalysisCorrection.textLimit) }
            guard Word.text(of: utterances[index].words) != text.split(whereSeparator: \.isWhitespace).joined(separator: " ") else {
                throw .nothingToChange("the text of utterance \(id) is already \"\(text)\"")
            }
            result.utterances[index] = Self.retext(utterances[index], to: text)
        }
        return result
    }

    /// The speakers and utterances that differ in `after` (changed or new), in `after`'s order, and whether the
    /// role decision changed: what a correction's history entry keeps instead of the whole file.
    public func changes(to after: Analysis) -> (speakers: [Speaker], utterances: [Utterance], roles: RoleDecision?) {
        let oldSpeakers = Dictionary(speakers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let oldUtterances = Dictionary(utterances.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return (
            after.speakers.filter { oldSpeakers[$0.id] != $0 },
            after.utterances.filter { oldUtterances[$0.id] != $0 },
            after.roles == roles ? nil : after.roles
        )
    }

    /// The analysis with these speakers and utterances put in place of those with the same id (new utterances
    /// go after the one whose id they follow in time), and the role decision replaced when given. Idempotent, so
    /// a correction recorded in a journal can be applied again after a crash.
    public func merging(speakers changed: [Speaker], utterances changedUtterances: [Utterance], roles: RoleDecision?) -> Analysis {
        var result = self
        for speaker in changed {
            if let index = result.speakers.firstIndex(where: { $0.id == speaker.id }) {
                result.speakers[index] = speaker
            } else {
                result.speakers.append(speaker)
            }
        }
        for utterance in changedUtterances {
            if let index = result.utterances.firstIndex(where: { $0.id == utterance.id }) {
                result.utterances[index] = utterance
            } else {
                // After the last utterance that starts no later (the first part of a split starts earlier).
                let position = result.utterances.lastIndex { $0.start <= utterance.start }.map { $0 + 1 } ?? 0
                result.utterances.insert(utterance, at: position)
            }
        }
        if let roles { result.roles = roles }
        return result
    }

    /// An utterance with the words of `text` (split on whitespace), all with probability 1: a person wrote them
    /// (see `Word.retexted` for the timings).
    static func retext(_ utterance: Utterance, to text: String) -> Utterance {
        var utterance = utterance
        let tokens = text.split(whereSeparator: \.isWhitespace).map(String.init)
        utterance.text = tokens.joined(separator: " ")
        utterance.words = Word.retexted(utterance.words, to: tokens, start: utterance.start, end: utterance.end)
        // One word per token now: every word as written, with Whisper's leading space.
        for (index, token) in tokens.enumerated() {
            utterance.words[index].text = " " + token
            utterance.words[index].probability = 1
        }
        return utterance
    }

    func speakerIndex(_ id: String) throws(CorrectionError) -> Int {
        guard let index = speakers.firstIndex(where: { $0.id == id }) else {
            throw .unknownSpeaker(id, known: speakers.map(\.id))
        }
        return index
    }

    func utteranceIndex(_ id: Int) throws(CorrectionError) -> Int {
        guard let index = utterances.firstIndex(where: { $0.id == id }) else {
            let ids = utterances.map(\.id)
            throw .unknownUtterance(id, known: ids.min().flatMap { low in ids.max().map { low...$0 } })
        }
        return index
    }
}
