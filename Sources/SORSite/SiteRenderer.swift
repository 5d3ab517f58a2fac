import Foundation
import Mustache
import SORCore

/// Problems rendering the site.
public enum SiteError: Error, Equatable, LocalizedError, Sendable {
    case missingTemplate(name: String, directory: String)
    case invalidTemplate(name: String, detail: String)

    public var errorDescription: String? {
        switch self {
        case .missingTemplate(let name, let directory):
            "template \(name).mustache is missing in \(directory). Restore it from git (`git checkout \(directory)`)."
        case .invalidTemplate(let name, let detail):
            "template \(name).mustache is invalid: \(detail)"
        }
    }
}

/// Settings the pages need.
public struct SiteSettings: Sendable, Equatable {
    public var title: String
    public var language: String

    public init(title: String, language: String) {
        self.title = title
        self.language = language
    }
}

/// Turns calls into the static site's pages. Pure: it returns `[relative path: bytes]` and writes nothing.
public struct SiteRenderer: Sendable {
    public static let requiredTemplates = ["index", "call", "header", "footer"]
    private let library: MustacheLibrary
    private let settings: SiteSettings

    /// `templates` maps a template name (file name without `.mustache`) to its text.
    public init(templates: [String: String], settings: SiteSettings, directory: String = "templates") throws(SiteError) {
        var library = MustacheLibrary()
        for name in Self.requiredTemplates where templates[name] == nil {
            throw .missingTemplate(name: name, directory: directory)
        }
        for (name, text) in templates {
            do {
                try library.register(text, named: name)
            } catch {
                throw .invalidTemplate(name: name, detail: "\(error)")
            }
        }
        self.library = library
        self.settings = settings
    }

    /// Every page of the site for these calls.
    public func render(calls: [CallDocument]) -> [String: Data] {
        var pages: [String: Data] = [:]
        pages["index.html"] = page("index", indexContext(calls))
        for document in calls {
            pages["calls/\(document.call.id)/index.html"] = page("call", callContext(document))
        }
        return pages
    }

    private func page(_ template: String, _ context: [String: Any]) -> Data {
        Data((library.render(context, withTemplate: template) ?? "").utf8)
    }

    private var common: [String: Any] {
        ["site_title": settings.title, "lang": settings.language, "t": Strings.table(settings.language)]
    }

    func indexContext(_ calls: [CallDocument]) -> [String: Any] {
        var context = common
        context["root"] = ""
        context["calls"] = calls.map { document -> [String: Any] in
            let call = document.call
            return [
                "id": call.id,
                "when": Format.dateTime(call.metadata.callTime ?? call.source.receivedAt),
                "file": call.source.fileName,
                "duration": Format.clock(call.audio.duration),
                "agent": call.metadata.agent ?? "—",
                "team": call.metadata.team ?? "—",
                "language": document.transcript?.language ?? call.processing?.language ?? "—",
                "status": Strings.status(call.status, settings.language),
                "excerpt": Format.excerpt(document.transcript?.text ?? "", words: 18),
                "scores": (document.evaluation?.cards ?? []).map { card -> [String: Any] in
                    [
                        "card": card.card, "total": Format.percent(card.total), "passed": card.passed,
                        "critical": !card.criticalFailures.isEmpty,
                    ]
                },
            ]
        }
        context["count"] = calls.count
        context["total_duration"] = Format.clock(calls.reduce(0) { $0 + $1.call.audio.duration })
        context["has_calls"] = !calls.isEmpty
        return context
    }

    func callContext(_ document: CallDocument) -> [String: Any] {
        let call = document.call
        var context = common
        context["root"] = "../../"
        context["id"] = call.id
        context["file"] = call.source.fileName
        context["audio_file"] = call.audioFile
        context["when"] = Format.dateTime(call.metadata.callTime ?? call.source.receivedAt)
        let t = Strings.table(settings.language)
        let facts: [(String, String?)] = [
            (t["agent"]!, call.metadata.agent), (t["team"]!, call.metadata.team),
            (t["direction"]!, call.metadata.direction.map { Strings.direction($0, settings.language) }),
            (t["campaign"]!, call.metadata.campaign), (t["client_number"]!, call.metadata.clientNumber),
            (t["duration"]!, Format.clock(call.audio.duration)),
            (t["audio_format"]!, "\(call.audio.format), \(call.audio.sampleRate) Hz, \(call.audio.channels == 1 ? t["mono"]! : t["stereo"]!)"),
            (t["language"]!, document.transcript?.language),
            (t["engine"]!, call.processing.map { "\($0.engine.model) (\($0.engine.endpoint))" }),
        ]
        context["facts"] = facts.compactMap { label, value in value.map { ["label": label, "value": $0] } }
        context["segments"] = (document.transcript?.segments ?? []).map { segment -> [String: Any] in
            [
                "id": segment.id,
                "start": Format.seconds(segment.start),
                "end": Format.seconds(segment.end),
                "clock": Format.clock(segment.start),
                "text": segment.text,
                "words": segment.words.map { word in
                    ["text": word.text, "start": Format.seconds(word.start), "end": Format.seconds(word.end)]
                },
                "has_words": !segment.words.isEmpty,
            ]
        }
        context["has_transcript"] = !(document.transcript?.segments.isEmpty ?? true)
        context["revision"] = call.revision
        if let by = call.updatedBy { context["updated"] = "\(t["changed_by"]!) \(by), \(Format.dateTime(call.updatedAt ?? ""))" }
        context["history"] = document.history.reversed().map { entry -> [String: Any] in
            var row: [String: Any] = [
                "time": Format.dateTime(entry.time),
                "user": entry.user,
                "type": Strings.editType(entry.type, settings.language),
                "summary": Self.summary(entry, language: settings.language),
                "state": entry.state == "applied" ? t["applied"]! : t["rejected"]!,
                "rejected": entry.state != "applied",
                "revision": entry.revision.map(String.init) ?? "—",
            ]
            // Absent, not empty: Mustache renders a section for any present value.
            if let reason = entry.reason, !reason.isEmpty { row["reason"] = reason }
            if let comment = entry.comment, !comment.isEmpty { row["comment"] = comment }
            return row
        }
        context["has_history"] = !document.history.isEmpty
        context["evaluation"] = evaluationContext(document.evaluation)
        context["has_evaluation"] = !(document.evaluation?.cards.isEmpty ?? true)
        return context
    }

    /// The scorecards section: per card, sections and criteria with automatic answers, evidence and manual answers.
    func evaluationContext(_ evaluation: Evaluation?) -> [[String: Any]] {
        guard let evaluation else { return [] }
        let t = Strings.table(settings.language)
        return evaluation.cards.map { card -> [String: Any] in
            var result: [String: Any] = [
                "card": card.card, "name": card.name, "total": Format.percent(card.total), "threshold": Format.percent(card.passThreshold),
                "passed": card.passed, "verdict": card.passed ? t["passed"]! : t["failed"]!,
                "scorecards": String(evaluation.scorecardsSha256.prefix(12)),
                "sections": card.sections.map { section -> [String: Any] in
                    [
                        "name": section.name, "weight": Format.number(section.weight),
                        "percent": section.percent.map(Format.percent) ?? t["not_applicable"]!,
                        "criteria": section.criteria.map { criterion -> [String: Any] in
                            var row: [String: Any] = [
                                "id": criterion.id, "name": criterion.name, "critical": criterion.critical,
                                "points": Format.number(criterion.points),
                                "earned": criterion.earned.map(Format.number) ?? "—",
                                "final": criterion.final.map { Strings.answer($0.value, settings.language) } ?? t["unanswered"]!,
                                "final_value": criterion.final?.value ?? "",
                                "failed": criterion.final?.fraction(scale: 1) == 0,
                                "evidence": (criterion.auto?.evidence ?? []).prefix(5).map { item -> [String: Any] in
                                    var entry: [String: Any] = ["quote": item.quote]
                                    if let start = item.start { entry["start"] = Format.seconds(start); entry["clock"] = Format.clock(start) }
                                    return entry
                                },
                            ]
                            if let auto = criterion.auto {
                                row["auto"] = auto.answer.map { Strings.answer($0.value, settings.language) } ?? t["unanswered"]!
                                row["note"] = auto.note
                            }
                            var values = criterion.answerType == "scale" ? (0...(criterion.scale ?? 5)).map(String.init)
                                : criterion.answerType == "partial" ? ["yes", "partial", "no"] : ["yes", "no"]
                            if criterion.naAllowed { values.append("na") }
                            row["options"] = values.map { value -> [String: Any] in
                                var option: [String: Any] = ["value": value, "label": Strings.answer(value, settings.language)]
                                if criterion.manual?.answer.value == value { option["selected"] = true }
                                return option
                            }
                            if let manual = criterion.manual {
                                row["manual"] = Strings.answer(manual.answer.value, settings.language)
                                row["manual_value"] = manual.answer.value
                                row["evaluator"] = manual.evaluator
                                if let comment = manual.comment, !comment.isEmpty { row["comment"] = comment }
                            }
                            return row
                        },
                    ]
                },
            ]
            if !card.criticalFailures.isEmpty { result["critical_failures"] = card.criticalFailures.joined(separator: ", ") }
            if !card.unanswered.isEmpty { result["unanswered"] = card.unanswered.count }
            if let evaluator = card.evaluator { result["evaluator"] = evaluator }
            if let comment = card.comment, !comment.isEmpty { result["comment"] = comment }
            if let commit = evaluation.scorecardsCommit { result["commit"] = String(commit.prefix(10)) }
            return result
        }
    }

    /// What an edit changed, in words: `fragment 3: „…” → „…”`.
    static func summary(_ entry: HistoryEntry, language: String) -> String {
        let t = Strings.table(language)
        guard let after = entry.after else { return "" }
        let before = entry.before ?? [:]
        switch entry.type {
        case "transcript.text":
            return "\(t["segment"]!) \(after["segment"] ?? "?"): „\(before["text"] ?? "")” → „\(after["text"] ?? "")”"
        case "evaluation.manual":
            let changes = after.keys.filter { !["card", "json"].contains($0) }.sorted().map { key in
                "\(key): \(Strings.answer(before[key] ?? "—", language)) → \(Strings.answer(after[key] ?? "", language))"
            }
            return "\(after["card"] ?? "?"): " + changes.joined(separator: "; ")
        default:
            return after.keys.filter { $0 != "json" }.sorted().map { key in
                "\(key): \(before[key].flatMap { $0.isEmpty ? nil : $0 } ?? "—") → \(after[key] ?? "")"
            }.joined(separator: "; ")
        }
    }
}

/// Deterministic formatting for pages: fixed decimals, no locale, no clock.
enum Format {
    static func seconds(_ value: Double) -> String { String(format: "%.2f", value) }

    /// `86.5` → `86,5%` style without locale: one decimal only when needed.
    static func percent(_ value: Double) -> String { number(value) + "%" }

    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    static func clock(_ value: Double) -> String {
        let total = Int(value.rounded())
        let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, seconds) : String(format: "%02d:%02d", minutes, seconds)
    }

    /// `2026-11-02T10:15:00+01:00` → `2026-11-02 10:15`.
    static func dateTime(_ iso: String) -> String {
        guard iso.count >= 16 else { return iso }
        let chars = Array(iso)
        return String(chars[0..<10]) + " " + String(chars[11..<16])
    }

    static func excerpt(_ text: String, words: Int) -> String {
        let parts = text.split(separator: " ")
        return parts.prefix(words).joined(separator: " ") + (parts.count > words ? " …" : "")
    }
}
