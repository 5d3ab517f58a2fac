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
public struct SiteSettings: Sendable, Hashable {
    public var title: String
    public var language: String
    /// Each criterion's guidance from `scorecards.yaml` (its `description`, Markdown), keyed `CARD/criterion`, as
    /// HTML: rendered once per build, shown on every call page under the criterion's name.
    public var guidance: [String: String]
    /// The scorecards' ids (the upload page offers them).
    public var cards: [String]

    public init(title: String, language: String, guidance: [String: String] = [:], cards: [String] = []) {
        self.title = title
        self.language = language
        self.guidance = guidance
        self.cards = cards
    }
}

/// Turns calls into the static site's pages. Pure: it returns `[relative path: bytes]` and writes nothing.
public struct SiteRenderer: Sendable {
    public static let requiredTemplates = ["dashboard", "calls", "search", "quarantine", "call", "reports", "calibration", "calibration-index", "header", "footer"]
    private let library: MustacheLibrary
    let settings: SiteSettings

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
        var hasher = Hasher()
        for (name, text) in templates.sorted(by: { $0.key < $1.key }) {
            hasher.combine(name)
            hasher.combine(text)
        }
        hasher.combine(settings)
        templatesFingerprint = hasher.finalize()
    }

    /// A fingerprint of the templates and settings in this process: pages rendered with another are rendered again.
    public let templatesFingerprint: Int

    /// Every page of the site for these calls (tests; the publisher renders page by page, see `callPage` and
    /// `callsPage` and `dashboardPages`, so that a build holds one call in memory at a time).
    public func render(calls: [CallDocument]) -> [String: Data] {
        var pages: [String: Data] = [:]
        let entries = calls.map(indexEntry)
        pages["calls.html"] = callsPage(entries)
        pages["data/calls.json"] = callsData(entries)
        pages.merge(dashboardPages(entries)) { a, _ in a }
        pages["search.html"] = searchPage()
        pages.merge(personPages(entries)) { a, _ in a }
        pages.merge(cardPages(entries)) { a, _ in a }
        pages["quarantine.html"] = quarantinePage([])
        for document in calls {
            pages["calls/\(document.call.id)/index.html"] = callPage(document)
        }
        return pages
    }

    /// The page of one call (`calls/ID/index.html`).
    public func callPage(_ document: CallDocument) -> Data { page("call", callContext(document)) }

    /// `reports/index.html`: the scheduled reports' files, per schedule, newest first (`files` are file names and
    /// sizes in bytes, as found under `site/reports/NAME/`).
    public func reportsPage(_ schedules: [(name: String, files: [(name: String, bytes: Int)])]) -> Data {
        var context = common
        context["root"] = "../"
        context["page_title"] = Strings.table(settings.language)["reports"]! + " — "
        context["schedules"] = schedules.map { schedule -> [String: Any] in
            [
                "name": schedule.name,
                "files": schedule.files.sorted { $0.name > $1.name }.map { file -> [String: Any] in
                    let size = file.bytes >= 1_048_576
                        ? String(format: "%.1f MB", Double(file.bytes) / 1_048_576) : String(format: "%.0f kB", (Double(file.bytes) / 1024).rounded(.up))
                    return ["file": file.name, "href": schedule.name + "/" + file.name, "size": size]
                },
            ]
        }
        return page("reports", context)
    }

    /// The call's evaluation PDF, beside its page: `ocena-ID.pdf`.
    public static func pdfFile(_ call: CallRecord) -> String { "ocena-\(call.id).pdf" }

    func page(_ template: String, _ context: [String: Any]) -> Data {
        Data((library.render(context, withTemplate: template) ?? "").utf8)
    }

    var common: [String: Any] {
        ["site_title": settings.title, "lang": settings.language, "t": Strings.table(settings.language)]
    }

    func callContext(_ document: CallDocument) -> [String: Any] {
        let call = document.call
        var context = common
        context["root"] = "../../"
        context["id"] = call.id
        context["file"] = call.source.fileName
        context["audio_file"] = call.audioFile
        context["pdf_file"] = Self.pdfFile(call)
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
        context["has_transcript"] = !(document.transcript?.segments.isEmpty ?? true) || document.hasUtterances
        if let analysis = document.analysis, document.hasUtterances {
            context["has_analysis"] = true
            context["analysis"] = analysisContext(analysis)
            context["utterances"] = utterancesContext(analysis)
        }
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
        context["evaluation"] = evaluationContext(document.evaluation, disputes: Dispute.from(history: document.history))
        let notes = CoachingNote.from(history: document.history)
        context["coaching"] = notes.reversed().map(coachingContext)
        context["has_coaching"] = !notes.isEmpty
        context["has_evaluation"] = !(document.evaluation?.cards.isEmpty ?? true)
        return context
    }

    /// A coaching note as a page shows it: who, when, about what, the Markdown rendered.
    public func coachingContext(_ note: CoachingNote) -> [String: Any] {
        let t = Strings.table(settings.language)
        return [
            "id": note.id, "user": note.user, "time": Format.dateTime(note.time), "html": Markdown.html(note.text),
            "about": note.about == "agent" ? t["coaching_about_agent"]! : t["coaching_about_call"]!,
        ]
    }

    /// A speaker as the page shows it: role, colour class and name (or id).
    func speakerContext(_ speaker: Speaker) -> [String: Any] {
        let t = Strings.table(settings.language)
        return [
            "id": speaker.id,
            "label": speaker.name ?? speaker.id,
            "role_label": speaker.role.map { t["role_\($0.rawValue)"] ?? $0.rawValue } ?? t["role_none"]!,
            "role_class": speaker.role.map { "role-\($0.rawValue.lowercased())" } ?? "role-none",
            "role_value": speaker.role?.rawValue ?? "",
            "has_role": speaker.role != nil,
            "name": speaker.name ?? "",
            "roles": Role.allCases.map { role -> [String: Any] in
                var option: [String: Any] = ["value": role.rawValue, "label": t["role_\(role.rawValue)"] ?? role.rawValue]
                if speaker.role == role { option["selected"] = true }
                return option
            },
        ]
    }

    /// Speakers, the role decision (with the review flag) and the talk statistics.
    func analysisContext(_ analysis: Analysis) -> [String: Any] {
        let t = Strings.table(settings.language)
        let stats = analysis.stats
        let byID = Dictionary(stats.speakers.map { ($0.speaker, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [String: Any] = [
            "speakers": analysis.speakers.map { speaker -> [String: Any] in
                var row = speakerContext(speaker)
                let own = byID[speaker.id]
                row["talk_time"] = Format.duration(own?.talkTime ?? 0)
                row["talk_share"] = Format.percent((own?.talkShare ?? 0) * 100)
                row["utterance_count"] = own?.utterances ?? analysis.utterances.filter { $0.speaker == speaker.id }.count
                row["interruptions"] = own?.interruptions ?? 0
                return row
            },
            "method": Strings.roleMethod(analysis.roles.method.rawValue, settings.language),
            "confidence": Format.percent(analysis.roles.confidence * 100),
            "needs_review": analysis.roles.needsReview,
            "overlaps": stats.overlaps.count,
            "overlap_time": Format.duration(stats.overlaps.reduce(0) { $0 + $1.duration }),
            "interruptions": stats.interruptions.count,
            "longest_silence": Format.duration(stats.longestSilence),
            "holds": stats.holds.count,
            "hold_time": Format.duration(stats.holds.reduce(0) { $0 + $1.duration }),
            "talk_listen": stats.talkListenRatio.map { String(format: "%.2f", $0) } ?? "—",
            "can_swap": analysis.speakers.contains { $0.role != nil },
        ]
        if let svg = SentimentChart(analysis: analysis, duration: max(stats.duration, analysis.utterances.map(\.end).max() ?? 0), strings: t).svg() {
            result["sentiment_chart"] = svg
        }
        if let sentiment = analysis.sentiment {
            let rows: [(String, PartySentiment?)] = [
                (t["role_KLIENT"]!, sentiment.klient), (t["role_KONSULTANT"]!, sentiment.konsultant), (t["sentiment_overall"]!, sentiment.overall),
            ]
            result["sentiment_parties"] = rows.compactMap { name, party -> [String: Any]? in
                guard let party else { return nil }
                return [
                    "name": name, "score": String(format: "%+.2f", party.score),
                    "label": t["sentiment_" + party.label.rawValue] ?? party.label.rawValue,
                    "change": String(format: "%+.2f", party.change),
                    "emotion": party.emotion.map { t["emotion_" + $0.rawValue] ?? $0.rawValue } ?? "—",
                    "arousal": party.arousal.map { String(format: "%+.2f", $0) } ?? "—",
                ]
            }
            let stretches: [[String: Any]] = [(t["role_KLIENT"]!, sentiment.klient), (t["role_KONSULTANT"]!, sentiment.konsultant)]
                .flatMap { name, party -> [[String: Any]] in
                    (party?.stretches ?? []).enumerated().map { index, stretch in
                        [
                            // The party is named on its first row only.
                            "name": index == 0 ? name : "", "first": index == 0, "quarter": stretch.quarter + 1, "from": Format.clock(stretch.start), "to": Format.clock(stretch.end),
                            "start": Format.seconds(stretch.start),
                            "emotion": t["emotion_" + stretch.emotion.rawValue] ?? stretch.emotion.rawValue,
                            "emotion_class": Self.emotionClass(stretch.emotion),
                            "arousal": stretch.arousal.map { String(format: "%+.2f", $0) } ?? "—",
                            "reasons": stretch.reasons.joined(separator: "; "),
                        ]
                    }
                }
            if !stretches.isEmpty {
                result["emotion_stretches"] = stretches
                result["has_stretches"] = true
            }
        }
        if !analysis.roles.cues.isEmpty {
            result["cues"] = analysis.roles.cues
            result["cues_text"] = analysis.roles.cues.joined(separator: "; ")
        }
        result["review_title"] = "\(t["role_confidence"]!) \(result["confidence"]!) · \(t["role_method"]!): \(result["method"]!)"
            + (analysis.roles.cues.isEmpty ? "" : " · " + analysis.roles.cues.joined(separator: "; "))
        return result
    }

    /// An automatic answer's note as an evaluator reads it, and the rule behind it when the note spelt one out (a
    /// regular expression is one click away, not the answer): "wzorzec /pod ?sum/ nie pasuje (KONSULTANT)" →
    /// ("nie padło sformułowanie, którego szuka reguła (KONSULTANT)", "/pod ?sum/").
    public static func plainNote(_ note: String, language: String) -> (String, String?) {
        let english = language.hasPrefix("en")
        var rules: [String] = []
        let parts = note.components(separatedBy: "; ").map { part -> String in
            if part.hasPrefix("wzorzec /"), let close = part.range(of: "/ ", options: .backwards), close.lowerBound > part.index(part.startIndex, offsetBy: 8) {
                let expression = String(part[part.index(part.startIndex, offsetBy: 8)..<part.index(after: close.lowerBound)])
                let rest = String(part[close.upperBound...])
                rules.append(expression)
                if rest.hasPrefix("nie pasuje") {
                    let scope = rest.dropFirst("nie pasuje".count)
                    return (english ? "the wording the rule looks for was not said" : "nie padło sformułowanie, którego szuka reguła") + scope
                }
                if rest.hasPrefix("pasuje ") {
                    let scope = rest.dropFirst("pasuje ".count)
                    return (english ? "the wording the rule looks for was said " : "padło sformułowanie, którego szuka reguła: ") + scope
                }
            }
            if part.hasPrefix("nieprawidłowy wzorzec: ") {
                rules.append(String(part.dropFirst("nieprawidłowy wzorzec: ".count)))
                return english ? "the card's rule is invalid: fix it in scorecards.yaml" : "reguła w karcie jest błędna: do poprawy w scorecards.yaml"
            }
            return part
        }
        return (parts.joined(separator: "; "), rules.isEmpty ? nil : rules.joined(separator: "  ·  "))
    }

    /// A CSS class name for an emotion (ASCII: "zły" is `emotion-zly`).
    static func emotionClass(_ emotion: Emotion) -> String {
        "emotion-" + emotion.rawValue.folding(options: .diacriticInsensitive, locale: nil).replacingOccurrences(of: "ł", with: "l")
    }

    /// "pobudzenie głosu +0.62 (głośność +6.1 dB, ton +3.0 półt., …)": what the mark's title explains.
    static func arousalTitle(_ sentiment: UtteranceSentiment, strings t: [String: String]) -> String {
        guard let arousal = sentiment.arousal, let features = sentiment.arousalFeatures else {
            return "\(t["arousal"]!): —"
        }
        let st = t["semitones"]!
        var parts = [t["feature_loudness"]! + String(format: " %+.1f dB", features.loudness)]
        if let pitch = features.pitch { parts.append(t["feature_pitch"]! + String(format: " %+.1f ", pitch) + st) }
        if let range = features.pitchRange { parts.append(t["feature_range"]! + String(format: " %+.1f ", range) + st) }
        if let rate = features.rate { parts.append(t["feature_rate"]! + String(format: " %+.0f %%", rate)) }
        if features.interruption {
            parts.append(t["interruption"]!)
        } else if features.overlap == true {
            parts.append(t["overlap"]!)
        }
        return String(format: "%@ %+.2f (", t["arousal"]!, arousal) + parts.joined(separator: ", ") + ")"
    }

    /// The utterances with their speaker's badge, marks, words (indexed, for splitting) and the other speakers
    /// an utterance can be moved to.
    func utterancesContext(_ analysis: Analysis) -> [[String: Any]] {
        let t = Strings.table(settings.language)
        let speakers = Dictionary(analysis.speakers.map { ($0.id, speakerContext($0)) }, uniquingKeysWith: { a, _ in a })
        return analysis.utterances.map { utterance -> [String: Any] in
            var row: [String: Any] = [
                "id": utterance.id,
                "speaker": utterance.speaker,
                "start": Format.seconds(utterance.start),
                "end": Format.seconds(utterance.end),
                "clock": Format.clock(utterance.start),
                "text": utterance.text,
                "words": utterance.words.enumerated().map { index, word -> [String: Any] in
                    ["text": word.text, "start": Format.seconds(word.start), "end": Format.seconds(word.end), "index": index]
                },
                "has_words": !utterance.words.isEmpty,
                "can_split": utterance.words.count >= 2,
                "overlap": utterance.overlap,
                "interruption": utterance.interruption,
            ]
            if let sentiment = utterance.sentiment {
                row["sentiment_label"] = t["sentiment_" + sentiment.label.rawValue] ?? sentiment.label.rawValue
                row["sentiment_class"] = "sentiment-" + sentiment.label.rawValue
                // An emotion worth a look (anything but calm) is marked, with its voice features in the title.
                if let emotion = sentiment.emotion, emotion != .spokojny {
                    row["emotion"] = t["emotion_" + emotion.rawValue] ?? emotion.rawValue
                    row["emotion_class"] = Self.emotionClass(emotion)
                    row["emotion_title"] = Self.arousalTitle(sentiment, strings: t)
                }
                // The model's opinion beside the lexicon's label, marked as the model's.
                if let judge = sentiment.judge {
                    row["judge"] = ["emotion": t["emotion_" + judge.emotion] ?? judge.emotion, "quote": judge.quote, "model": judge.model]
                }
            }
            let own = speakers[utterance.speaker] ?? ["id": utterance.speaker, "label": utterance.speaker, "role_class": "role-none", "role_label": ""]
            for key in ["label", "role_label", "role_class"] { row[key] = own[key] }
            let others = analysis.speakers.filter { $0.id != utterance.speaker }
            if others.count == 1, let other = others.first {
                row["other"] = other.id
                let badge = speakers[other.id]
                row["other_label"] = "\(badge?["role_label"] ?? "") · \(badge?["label"] ?? other.id)"
            } else if !others.isEmpty {
                row["has_others"] = true
                row["others"] = others.map { ["id": $0.id, "label": speakers[$0.id]?["label"] ?? $0.id] }
            }
            return row
        }
    }
}
