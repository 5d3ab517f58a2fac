import Foundation
import SORCore
import SORSite

/// The per-call evaluation report a QA manager sends to a team lead: the call's details and flags, its score on each
/// card criterion by criterion (answers, evidence, comments), the sentiment over the call, the transcript and the
/// history of edits. It uses the call page's words (`Strings`) and formats (`Format`), so the PDF and the page
/// say the same thing the same way.
public enum CallPDF {
    /// Changes whenever the layout changes, so a site made by an older sor makes its PDFs again.
    public static let layoutVersion = "call-pdf 1"

    /// The report's PDF. `generated` is the line saying when it was made ("Wygenerowano: 2025-11-15 10:00"), or from
    /// what ("Stan danych: …" on the site, where a clock would rewrite unchanged files); printed once, it is the only
    /// thing not taken from `document`: the same call and the same `generated` give the same bytes.
    public static func render(_ document: CallDocument, generated: String, siteTitle: String) throws(ReportError) -> Data {
        let call = document.call
        let pdf = try PDFDocument(name: "rozmowa \(call.id)", title: "Ocena rozmowy \(call.id)")
        let writer = PDFWriter(
            document: pdf, header: (left: "Rozmowa \(call.id)", right: Format.dateTime(call.metadata.callTime ?? call.source.receivedAt)),
            footer: "\(siteTitle) · SOR — System Oceny Rozmów", pageLabel: { "Strona \($0) z \($1)" })
        let report = CallReport(document: document, writer: writer)
        report.title(generated: generated, siteTitle: siteTitle)
        report.details()
        report.evaluation()
        report.coaching()
        report.sentiment()
        report.transcript()
        report.history()
        return try writer.finish()
    }
}

/// The report's sections, in order, over one writer.
struct CallReport {
    let document: CallDocument
    let writer: PDFWriter
    /// The call page's words, in Polish.
    let t = Strings.table("pl")
    static let language = "pl"

    var call: CallRecord { document.call }
    var small: TextStyle { TextStyle(size: 8, color: .muted) }

    func title(generated: String, siteTitle: String) {
        writer.text("Ocena rozmowy", TextStyle(font: .bold, size: 17), spacing: 2)
        writer.text("\(siteTitle) · \(generated)", small, spacing: 8)
        var flags: [(String, PDFColor)] = []
        if let cards = document.evaluation?.cards {
            for card in cards {
                flags.append(("\(card.name): \(Format.percent(card.total)) \(card.passed ? t["passed"]! : t["failed"]!)", card.passed ? .pass : .fail))
            }
        }
        if document.analysis?.roles.needsReview == true { flags.append((t["needs_review"]!, .warning)) }
        if call.status != "transcribed" { flags.append((Strings.status(call.status, Self.language), .fail)) }
        if !flags.isEmpty { writer.badges(flags) }
    }

    /// Everything the call record and its analysis say about the call, as label–value pairs.
    func details() {
        writer.heading(t["details"]!, level: 2)
        let metadata = call.metadata
        var facts: [(String, String?)] = [
            (t["when"]!, Format.dateTime(metadata.callTime ?? call.source.receivedAt)),
            (t["duration"]!, Format.clock(call.audio.duration)),
            (t["agent"]!, metadata.agent), (t["team"]!, metadata.team),
            (t["direction"]!, metadata.direction.map { Strings.direction($0, Self.language) }),
            (t["campaign"]!, metadata.campaign), (t["client_number"]!, metadata.clientNumber),
            (t["file"]!, call.source.fileName),
            (t["audio_format"]!, "\(call.audio.format), \(call.audio.sampleRate) Hz, \(call.audio.channels == 1 ? t["mono"]! : t["stereo"]!)"),
            (t["language"]!, document.transcript?.language ?? metadata.language),
            (t["engine"]!, call.processing.map { "\($0.engine.model) (\($0.engine.endpoint))" }),
            (t["status"]!, Strings.status(call.status, Self.language)),
            (t["revision"]!, "\(call.revision)" + (call.updatedBy.map { ", \(t["changed_by"]!) \($0), \(Format.dateTime(call.updatedAt ?? ""))" } ?? "")),
            ("ID", call.id),
        ]
        if let analysis = document.analysis {
            let roles = analysis.roles
            let decided = "\(t["role_method"]!): \(Strings.roleMethod(roles.method.rawValue, Self.language)), "
                + "\(t["role_confidence"]!) \(Format.percent(roles.confidence * 100))"
            facts.append((t["role"]! + (roles.needsReview ? " (\(t["needs_review"]!))" : ""), decided))
            if !roles.cues.isEmpty { facts.append((t["role_cues"]!, roles.cues.joined(separator: "; "))) }
            let shares = Dictionary(analysis.stats.speakers.map { ($0.speaker, $0) }, uniquingKeysWith: { a, _ in a })
            let speakers = analysis.speakers.map { speaker in
                let share = shares[speaker.id].map { ", \(t["talk_share"]!.lowercased()) \(Format.percent($0.talkShare * 100))" } ?? ""
                return "\(speakerName(speaker.id)) (\(speaker.role.map { t["role_\($0.rawValue)"]! } ?? t["role_none"]!)\(share))"
            }
            facts.append((t["speakers"]!, speakers.joined(separator: "; ")))
            let stats = analysis.stats
            facts.append((t["talk_listen"]!, stats.talkListenRatio.map { String(format: "%.2f", $0) }))
            facts.append((t["interruptions"]!, "\(stats.interruptions.count)"))
            facts.append((t["longest_silence"]!, Format.duration(stats.longestSilence)))
            facts.append((t["holds"]!, stats.holds.isEmpty ? "0" : "\(stats.holds.count) (\(Format.duration(stats.holds.reduce(0) { $0 + $1.duration })))"))
        }
        writer.facts(facts.compactMap { label, value in value.flatMap { $0.isEmpty ? nil : (label, $0) } }, labelWidth: 150)
    }

    /// A speaker as people know them: their name where given, else the diarizer's label ("S1").
    func speakerName(_ id: String) -> String {
        document.analysis?.speaker(id)?.name.flatMap { $0.isEmpty ? nil : $0 } ?? id
    }

    /// The utterances (or, for a call not analysed, the engine's segments) with their times and speakers.
    func transcript() {
        writer.heading(t["transcript"]!, level: 2)
        let body = Table.body
        var rows: [[Table.Cell]] = []
        if let analysis = document.analysis, document.hasUtterances {
            for utterance in analysis.utterances {
                let role = analysis.role(of: utterance.speaker)
                let roleStyle = TextStyle(font: .bold, size: 8, color: role == .klient ? .klient : role == .konsultant ? .konsultant : .muted)
                var speaker = [Paragraph(role?.rawValue ?? speakerName(utterance.speaker), roleStyle)]
                if role != nil { speaker.append(Paragraph(speakerName(utterance.speaker), small)) }
                var text = [Paragraph(utterance.text, body)]
                let marks = [utterance.interruption ? t["interruption"]! : nil, utterance.overlap && !utterance.interruption ? t["overlap"]! : nil]
                    .compactMap { $0 }
                if !marks.isEmpty { text.append(Paragraph(marks.joined(separator: " · "), small.with(font: .italic))) }
                rows.append([Table.Cell(Format.clock(utterance.start), body.with(color: .muted)), Table.Cell(speaker), Table.Cell(text)])
            }
        } else {
            // Not analysed: the engine's segments, with no speakers to name.
            for segment in document.transcript?.segments ?? [] {
                rows.append([Table.Cell(Format.clock(segment.start), body.with(color: .muted)), Table.Cell(segment.text, body)])
            }
        }
        guard !rows.isEmpty else {
            writer.text(t["no_transcript"]!, small)
            return
        }
        let columns: [Table.Column] = document.hasUtterances
            ? [.init("Czas", width: 0.08), .init(t["speaker"]!, width: 0.17), .init(t["utterance"]!.sentenceCased, width: 0.75)]
            : [.init("Czas", width: 0.08), .init(t["segment"]!.sentenceCased, width: 0.92)]
        writer.table(Table(columns: columns, rows: rows, rules: false, stripes: true))
    }

    /// Coaching notes, newest first, each with who wrote it, when, and whether it is about the agent.
    func coaching() {
        let notes = CoachingNote.from(history: document.history)
        guard !notes.isEmpty else { return }
        writer.heading(t["coaching"]!, level: 2)
        for note in notes.reversed() {
            let about = note.about == "agent" ? t["coaching_about_agent"]! : t["coaching_about_call"]!
            writer.text("\(note.user), \(Format.dateTime(note.time)) · \(about)", small)
            writer.markdown(note.text)
        }
    }

    /// Who changed what, and when, oldest first: the order the changes were made in.
    func history() {
        writer.heading(t["history"]!, level: 2)
        guard !document.history.isEmpty else {
            writer.text(t["no_history"]!, small)
            return
        }
        let body = Table.body
        let rows = document.history.map { entry -> [Table.Cell] in
            var change = [Paragraph(SiteRenderer.summary(entry, language: Self.language), body)]
            if let reason = entry.reason, !reason.isEmpty { change.append(Paragraph("\(t["reason"]!): \(reason)", small)) }
            if let comment = entry.comment, !comment.isEmpty { change.append(Paragraph("\(t["comment"]!): \(comment)", small)) }
            let applied = entry.state == "applied"
            return [
                Table.Cell(Format.dateTime(entry.time), body), Table.Cell(entry.user, body),
                Table.Cell(Strings.editType(entry.type, Self.language), body), Table.Cell(change),
                Table.Cell(applied ? t["applied"]! : t["rejected"]!, body.with(color: applied ? .text : .fail)),
            ]
        }
        writer.table(Table(
            columns: [.init(t["when"]!, width: 0.13), .init(t["who"]!, width: 0.16), .init(t["type"]!, width: 0.15),
                      .init(t["what"]!, width: 0.43), .init(t["state"]!, width: 0.13)],
            rows: rows))
    }
}
