import Foundation
import SORCore

/// The change each kind of edit makes: validated against the call and described as before/after values (the
/// history entry, which is also the journal), and applied from that entry.
extension EditProcessor {
    /// Validates a change and describes it as before/after values.
    func change(_ edit: EditDocument, document: CallDocument, user: String) throws -> ([String: String], [String: String]) {
        let object = edit.fields
        switch edit.kind {
        case .transcriptText:
            guard let transcript = document.transcript else { throw Rejection(reason: "the call has no transcript yet") }
            guard !document.hasUtterances else {
                throw Rejection(reason: "this call is shown as speakers' utterances, not segments; correct its text with an \"utterance.text\" edit naming the utterance")
            }
            guard let segment = object["segment"] as? Int else { throw Rejection(reason: "missing \"segment\" (the segment's number)") }
            guard let index = transcript.segments.firstIndex(where: { $0.id == segment }) else {
                throw Rejection(reason: "segment \(segment) does not exist; the call has segments 0…\(max(0, transcript.segments.count - 1))")
            }
            guard let text = (object["text"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                throw Rejection(reason: "\"text\" must be the segment's new, non-empty text")
            }
            guard text.count <= 5000 else { throw Rejection(reason: "\"text\" is longer than 5000 characters") }
            let old = transcript.segments[index].text.trimmingCharacters(in: .whitespaces)
            guard text != old else { throw Rejection(reason: "the text of segment \(segment) is already \"\(text)\"; nothing to change") }
            return (["segment": String(segment), "text": old], ["segment": String(segment), "text": text])
        case .evaluationManual:
            guard let scoring = scorer.current else { throw Rejection(reason: "no valid scorecards are in use; fix scorecards.yaml (sor check)") }
            guard let cardID = object["card"] as? String else { throw Rejection(reason: "missing \"card\" (the scorecard's id)") }
            guard let card = scoring.scorecards.set.card(cardID) else {
                throw Rejection(reason: "unknown card \(cardID); cards: \(scoring.scorecards.set.cards.map(\.id).joined(separator: ", "))")
            }
            guard let answers = object["answers"] as? [String: Any], !answers.isEmpty else {
                throw Rejection(reason: "\"answers\" must map criterion ids to answers (yes, no, partial, na, a scale value, or auto to drop a manual answer)")
            }
            let comments = object["comments"] as? [String: Any] ?? [:]
            let criteria = Dictionary(card.sections.flatMap(\.criteria).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let current = (document.evaluation ?? scoring.evaluate(document, previous: nil))?.card(cardID)
            let previous = Dictionary((current?.sections.flatMap(\.criteria) ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var before: [String: String] = ["card": cardID, "total": current.map { String(format: "%.2f", $0.total) } ?? "—"]
            var after: [String: String] = ["card": cardID]
            for (id, value) in answers.sorted(by: { $0.key < $1.key }) {
                guard let criterion = criteria[id] else {
                    throw Rejection(reason: "card \(cardID) has no criterion \(id)")
                }
                let text = Self.text(value)
                guard text == "auto" || Answer.isValid(text, for: criterion) else {
                    throw Rejection(reason: "\(id): \"\(text)\" is not an answer; \(Self.allowed(criterion)), or auto")
                }
                before[id] = previous[id]?.final?.value ?? "—"
                after[id] = text
            }
            for key in comments.keys.sorted() {
                guard criteria[key] != nil else {
                    throw Rejection(reason: "a comment names criterion \(key), which card \(cardID) does not have")
                }
                guard Self.text(comments[key]!).count <= EditDocument.commentLimit else {
                    throw Rejection(reason: "the comment on \(key) is longer than \(EditDocument.commentLimit) characters; shorten it")
                }
            }
            var payload: [String: Any] = ["answers": answers]
            if !comments.isEmpty { payload["comments"] = comments }
            after["json"] = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
            return (before, after)
        case .callMetadata:
            guard let fields = object["metadata"] as? [String: Any], !fields.isEmpty else {
                throw Rejection(reason: "\"metadata\" must be an object with the fields to change, e.g. {\"agent\": \"Anna Nowak\"}")
            }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
            let (parsed, diagnostics) = MetadataParser.parse(json, file: "metadata")
            guard parsed != nil else {
                throw Rejection(reason: diagnostics.map(\.message).joined(separator: "; "))
            }
            var before: [String: String] = [:]
            var after: [String: String] = [:]
            let current = try JSONSerialization.jsonObject(with: FileFormats.json(document.call.metadata)) as? [String: Any] ?? [:]
            for (key, value) in fields {
                before[key] = current[key].map(Self.text) ?? ""
                after[key] = Self.text(value)
            }
            guard before != after else { throw Rejection(reason: "the metadata already has these values; nothing to change") }
            after["json"] = json
            return (before, after)
        case .rolesSwap, .speakerRole, .speakerRename, .utteranceSpeaker, .utteranceSplit, .utteranceText:
            return try analysisChange(edit, document: document, user: user)
        case .callDelete:
            throw Rejection(reason: "a deletion is not a change of the call (it is erased before this step)")
        case .evaluationDispute, .disputeResolve, .coachingNote:
            return try reviewChange(edit, document: document)
        }
    }

    /// Sets manual answers (`auto` takes one back) on one card of the call's evaluation; the caller scores it in
    /// full (automatic answers included) with these manual answers kept.
    func setManual(
        _ answers: [String: String], comments: [String: String], card cardID: String, user: String, time: String, comment: String?,
        on document: inout CallDocument
    ) throws {
        guard let scoring = scorer.current, let card = scoring.scorecards.set.card(cardID) else {
            throw Rejection(reason: "the recorded evaluation no longer fits the scorecards")
        }
        var evaluation = document.evaluation
            ?? Evaluation(scorecardsSha256: scoring.scorecards.sha256, scorecardsCommit: scoring.scorecards.commit, scoredAt: time, cards: [])
        var result = evaluation.card(cardID) ?? Scoring.score(card: card, auto: [:], manual: [:])
        var manual: [String: ManualAnswer] = [:]
        for criterion in result.sections.flatMap(\.criteria) { manual[criterion.id] = criterion.manual }
        for (id, text) in answers {
            manual[id] = text == "auto" ? nil : ManualAnswer(answer: Answer(text), comment: comments[id], evaluator: user, time: time)
        }
        result = Scoring.score(card: card, auto: [:], manual: manual, evaluator: user, comment: comment ?? result.comment)
        if let index = evaluation.cards.firstIndex(where: { $0.card == cardID }) {
            evaluation.cards[index] = result
        } else {
            evaluation.cards.append(result)
        }
        document.evaluation = evaluation
    }

    /// Applies a recorded change to a call's documents.
    func perform(_ entry: HistoryEntry, kind: EditKind, on document: inout CallDocument) throws {
        switch kind {
        case .evaluationManual:
            guard let cardID = entry.after?["card"], let json = entry.after?["json"],
                let payload = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                let answers = payload["answers"] as? [String: Any]
            else { throw Rejection(reason: "the recorded evaluation no longer fits the scorecards") }
            let comments = (payload["comments"] as? [String: Any] ?? [:]).mapValues(Self.text)
            try setManual(answers.mapValues(Self.text), comments: comments, card: cardID, user: entry.user, time: entry.time, comment: entry.comment, on: &document)
        case .evaluationDispute, .coachingNote:
            // Kept in the history itself; nothing else changes.
            break
        case .disputeResolve:
            guard let after = entry.after, after["decision"] == Dispute.State.accepted.rawValue else { break }
            guard let cardID = after["card"], let criterion = after["criterion"], let answer = after["answer"] else {
                throw Rejection(reason: "the recorded resolution names no card, criterion or answer")
            }
            let note = "Sprzeciw przyjęty" + (entry.comment.map { ": " + $0 } ?? "")
            try setManual([criterion: answer], comments: [criterion: note], card: cardID, user: entry.user, time: entry.time, comment: nil, on: &document)
        case .transcriptText:
            guard var transcript = document.transcript, let after = entry.after, let text = after["text"],
                let segmentID = after["segment"].flatMap(Int.init),
                let index = transcript.segments.firstIndex(where: { $0.id == segmentID })
            else { throw Rejection(reason: "the recorded change no longer fits the transcript") }
            transcript.segments[index] = Self.retext(transcript.segments[index], to: text)
            transcript.text = transcript.segments.map { $0.text.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            document.transcript = transcript
        case .callMetadata:
            guard let json = entry.after?["json"] else { throw Rejection(reason: "the recorded change has no metadata") }
            let (parsed, _) = MetadataParser.parse(json, file: "metadata")
            guard let update = parsed else { throw Rejection(reason: "the recorded metadata is invalid") }
            var merged = document.call.metadata
            let keys = Set((try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?.keys.map { $0 } ?? [])
            if keys.contains("agent") { merged.agent = update.agent }
            if keys.contains("team") { merged.team = update.team }
            if keys.contains("direction") { merged.direction = update.direction }
            if keys.contains("client_number") { merged.clientNumber = update.clientNumber }
            if keys.contains("campaign") { merged.campaign = update.campaign }
            if keys.contains("scorecard") { merged.scorecard = update.scorecard }
            if keys.contains("call_time") { merged.callTime = update.callTime }
            if keys.contains("language") { merged.language = update.language }
            if keys.contains("channels") { merged.channels = update.channels }
            document.call.metadata = merged
        case .callDelete:
            throw Rejection(reason: "a deletion is not replayed as a change")
        case .rolesSwap, .speakerRole, .speakerRename, .utteranceSpeaker, .utteranceSplit, .utteranceText:
            guard let analysis = document.analysis, let after = entry.after else {
                throw Rejection(reason: "the recorded change no longer fits the call's analysis")
            }
            let decoder = FileFormats.jsonDecoder()
            do {
                let speakers = try after["speakers"].map { try decoder.decode([Speaker].self, from: Data($0.utf8)) } ?? []
                let utterances = try after["utterances"].map { try decoder.decode([Utterance].self, from: Data($0.utf8)) } ?? []
                let roles = try after["roles"].map { try decoder.decode(RoleDecision.self, from: Data($0.utf8)) }
                // The talk statistics follow in the derive step.
                document.analysis = analysis.merging(speakers: speakers, utterances: utterances, roles: roles)
            } catch {
                throw Rejection(reason: "the recorded change of the analysis cannot be read (\(Self.describe(error)))")
            }
        }
    }

    /// Validates a correction of the call's analysis and describes it: readable before/after values for the page
    /// (`speaker`, `role`, `name`, `utterance`, `text`, …) and, as JSON, the speakers, utterances and role decision
    /// it changes (only those, not the whole file), from which `perform` applies it.
    private func analysisChange(_ edit: EditDocument, document: CallDocument, user: String) throws -> ([String: String], [String: String]) {
        guard let analysis = document.analysis else {
            throw Rejection(reason: "the call has no speaker analysis yet (analysis.json), so it has no speakers or utterances to correct")
        }
        let string = edit.string
        let integer = edit.integer
        let correction: AnalysisCorrection
        switch edit.kind {
        case .rolesSwap:
            correction = .swapRoles
        case .speakerRole:
            let text = try string("role", "KLIENT or KONSULTANT")
            guard let role = Role(rawValue: text) else { throw Rejection(reason: "\"role\" is \"\(text)\"; it must be KLIENT or KONSULTANT") }
            correction = .setRole(speaker: try string("speaker", "the speaker's id, e.g. S1"), role: role)
        case .speakerRename:
            correction = .renameSpeaker(try string("speaker", "the speaker's id, e.g. S1"), name: try string("name", "the display name"))
        case .utteranceSpeaker:
            correction = .moveUtterance(try integer("utterance", "the utterance's number"), to: try string("speaker", "the speaker's id, e.g. S2"))
        case .utteranceSplit:
            var speaker: String?
            if let value = edit.fields["speaker"], !(value is NSNull) { speaker = try string("speaker", "the second part's speaker, e.g. S2") }
            correction = .splitUtterance(
                try integer("utterance", "the utterance's number"), atWord: try integer("at_word", "the index of the word the second part starts with"),
                speaker: speaker)
        case .utteranceText:
            correction = .retextUtterance(try integer("utterance", "the utterance's number"), text: try string("text", "the utterance's new text"))
        case .transcriptText, .callMetadata, .evaluationManual, .callDelete, .evaluationDispute, .disputeResolve, .coachingNote:
            throw Rejection(reason: "\(edit.kind.rawValue) does not correct the speakers")
        }
        let corrected: Analysis
        do {
            corrected = try analysis.correcting(correction, by: user)
        } catch {
            throw Rejection(reason: error.errorDescription ?? "\(error)")
        }
        let changed = analysis.changes(to: corrected)
        // Readable values for the page's history, then the changed parts as JSON.
        func label(_ speaker: Speaker?) -> String {
            guard let speaker else { return "—" }
            return [speaker.name ?? speaker.id, speaker.role?.rawValue].compactMap { $0 }.joined(separator: " · ")
        }
        var before: [String: String] = [:]
        var after: [String: String] = [:]
        switch correction {
        case .swapRoles, .setRole:
            let ids = changed.speakers.map(\.id)
            for id in ids {
                before[id] = analysis.role(of: id)?.rawValue ?? "—"
                after[id] = corrected.role(of: id)?.rawValue ?? "—"
            }
        case .renameSpeaker(let id, _):
            before["speaker"] = id
            after["speaker"] = id
            before["name"] = analysis.speaker(id)?.name ?? ""
            after["name"] = corrected.speaker(id)?.name ?? ""
        case .moveUtterance(let id, let to):
            let from = analysis.utterances.first { $0.id == id }?.speaker
            before["utterance"] = String(id)
            after["utterance"] = String(id)
            before["speaker"] = label(from.flatMap(analysis.speaker))
            after["speaker"] = label(corrected.speaker(to))
            before["text"] = analysis.utterances.first { $0.id == id }?.text.trimmingCharacters(in: .whitespaces) ?? ""
        case .splitUtterance(let id, let atWord, _):
            let parts = changed.utterances
            before["utterance"] = String(id)
            before["text"] = analysis.utterances.first { $0.id == id }?.text.trimmingCharacters(in: .whitespaces) ?? ""
            after["utterance"] = parts.map { String($0.id) }.joined(separator: ", ")
            after["at_word"] = String(atWord)
            after["text"] = parts.map { "\(label(corrected.speaker($0.speaker))): \($0.text.trimmingCharacters(in: .whitespaces))" }.joined(separator: " | ")
        case .retextUtterance(let id, _):
            before["utterance"] = String(id)
            after["utterance"] = String(id)
            before["text"] = analysis.utterances.first { $0.id == id }?.text.trimmingCharacters(in: .whitespaces) ?? ""
            after["text"] = corrected.utterances.first { $0.id == id }?.text ?? ""
        }
        func json<T: Encodable>(_ value: T) throws -> String {
            String(decoding: try FileFormats.json(value, compact: true), as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        let oldSpeakers = changed.speakers.compactMap { analysis.speaker($0.id) }
        let oldUtterances = changed.utterances.compactMap { new in analysis.utterances.first { $0.id == new.id } }
        if !changed.speakers.isEmpty {
            before["speakers"] = try json(oldSpeakers)
            after["speakers"] = try json(changed.speakers)
        }
        if !changed.utterances.isEmpty {
            before["utterances"] = try json(oldUtterances)
            after["utterances"] = try json(changed.utterances)
        }
        if let roles = changed.roles {
            before["roles"] = try json(analysis.roles)
            after["roles"] = try json(roles)
        }
        return (before, after)
    }

    /// A segment with new text. Word timings are kept when the word count is unchanged; otherwise the new words
    /// share the segment's span in proportion to their length.
    static func retext(_ segment: Segment, to text: String) -> Segment {
        var segment = segment
        let tokens = text.split(whereSeparator: \.isWhitespace).map(String.init)
        segment.text = " " + text
        guard let first = segment.words.first, let last = segment.words.last else { return segment }
        segment.words = Word.retexted(segment.words, to: tokens, start: first.start, end: last.end)
        return segment
    }

    static func text(_ value: Any) -> String {
        if let string = value as? String { return string }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }

    static func describe(_ error: Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
        return text
    }
}
