import Foundation
import SORCore

/// Who a calibration page is for: the whole site (admins and managers, one page for all of them) or one person's
/// view. Answers are blind until the session is complete: the site's page shows who has answered, a person's page
/// also their own answers, and no page shows anyone else's.
public enum CalibrationReader: Sendable {
    /// The site's page; `answering` when the session lists someone who reads the whole site (an admin), so the page
    /// carries the answer forms.
    case site(answering: Bool)
    case person(String)
}

/// A call of an open session as its evaluators need it: the recording's file and the transcript with roles, never
/// the automatic answers (those are shown only with the results).
public struct CalibrationCall: Sendable {
    public var audioFile: String?
    public var analysis: Analysis?

    public init(audioFile: String?, analysis: Analysis?) {
        self.audioFile = audioFile
        self.analysis = analysis
    }
}

/// Calibration pages: `calibration/index.html` (the sessions; on the site's own, the form that sets one up) and
/// `calibration/ID.html` (progress, the blind answer forms, and once complete the results per criterion).
extension SiteRenderer {
    /// One who may be picked as an evaluator on the set-up form.
    public struct CalibrationCandidate: Sendable {
        public var login: String
        public var role: String
        public var teams: [String]

        public init(login: String, role: String, teams: [String]) {
            self.login = login
            self.role = role
            self.teams = teams
        }
    }

    /// The sessions' list; with `calls` and `evaluators` (the site's own page) the set-up form offering them.
    public func calibrationIndexPage(
        _ sessions: [CalibrationSession], reader: CalibrationReader, calls: [IndexEntry] = [], evaluators: [CalibrationCandidate] = []
    ) -> Data {
        let t = Strings.table(settings.language)
        var context = common
        context["root"] = "../"
        context["page_title"] = t["calibration"]! + " — "
        context["sessions"] = sessions.map { session -> [String: Any] in
            let done = session.evaluators.filter(session.hasFinished)
            var row: [String: Any] = [
                "id": session.id, "title": session.title, "created_by": session.createdBy, "created_at": Format.dateTime(session.createdAt),
                "calls": Set(session.items.map(\.call)).count, "evaluators": session.evaluators.joined(separator: ", "),
                "progress": "\(done.count)/\(session.evaluators.count)", "complete": session.isComplete,
            ]
            if let results = session.results { row["agreement"] = results.evaluators.share.map { Format.percent($0 * 100) } ?? "—" }
            if case .person(let login) = reader, session.evaluators.contains(login), !session.hasFinished(login) { row["yours"] = true }
            return row
        }
        context["has_sessions"] = !sessions.isEmpty
        if case .site = reader {
            context["can_create"] = true
            context["candidate_calls"] = calls.filter { !$0.scores.isEmpty }.prefix(200).map { entry -> [String: Any] in
                [
                    "id": entry.id, "when": Format.dateTime(entry.time), "file": entry.file, "agent": entry.agent, "team": entry.team,
                    "cards": entry.scores.map { "\($0.card) \(Format.percent($0.total))" }.joined(separator: ", "),
                ]
            }
            context["candidate_evaluators"] = evaluators.map { person -> [String: Any] in
                ["login": person.login, "role": t["role_name_" + person.role] ?? person.role, "teams": person.teams.joined(separator: ", ")]
            }
            context["free_evaluators"] = evaluators.isEmpty
        }
        return page("calibration-index", context)
    }

    /// The session's page for `reader`; `calls` holds what the answer forms show of each call (open sessions only).
    public func calibrationPage(_ session: CalibrationSession, reader: CalibrationReader, calls: [String: CalibrationCall]) -> Data {
        let t = Strings.table(settings.language)
        let language = settings.language
        var context = common
        context["root"] = "../"
        context["page_title"] = session.title + " — " + t["calibration"]! + " — "
        context["id"] = session.id
        context["title"] = session.title
        context["created_by"] = session.createdBy
        context["created_at"] = Format.dateTime(session.createdAt)
        context["evaluators"] = session.evaluators.map { login -> [String: Any] in
            ["login": login, "finished": session.hasFinished(login)]
        }
        context["complete"] = session.isComplete
        context["progress"] = session.items.map { item -> [String: Any] in
            [
                "label": item.label, "card": item.cardName,
                "cells": session.evaluators.map { login -> [String: Any] in
                    ["login": login, "done": session.submission(login, call: item.call, card: item.card) != nil]
                },
            ]
        }
        let viewer: String?
        let answering: Bool
        switch reader {
        case .site(let forms):
            viewer = nil
            answering = forms
        case .person(let login):
            viewer = login
            answering = session.evaluators.contains(login)
        }
        if answering && !session.isComplete {
            context["forms"] = session.items.map { item -> [String: Any] in
                let own = viewer.flatMap { session.submission($0, call: item.call, card: item.card) }
                var form: [String: Any] = [
                    "call": item.call, "card": item.card, "card_name": item.cardName, "label": item.label,
                    "criteria": item.criteria.map { criterion -> [String: Any] in
                        let chosen = own?.answer(criterion.id)
                        return [
                            "id": criterion.id, "name": criterion.name, "critical": criterion.critical,
                            "options": [["value": "", "label": "—", "selected": chosen == nil]] + criterion.options.map { value -> [String: Any] in
                                ["value": value, "label": Strings.answer(value, language), "selected": chosen == value]
                            },
                        ]
                    },
                ]
                if let own { form["sent_at"] = Format.dateTime(own.time) }
                if let call = calls[item.call] {
                    if let audio = call.audioFile { form["audio"] = "../calls/\(item.call)/\(audio)" }
                    if let analysis = call.analysis {
                        let speakers = Dictionary(analysis.speakers.map { ($0.id, speakerContext($0)) }, uniquingKeysWith: { a, _ in a })
                        form["has_lines"] = !analysis.utterances.isEmpty
                        form["lines"] = analysis.utterances.map { utterance -> [String: Any] in
                            let own = speakers[utterance.speaker]
                            return [
                                "clock": Format.clock(utterance.start), "start": Format.seconds(utterance.start), "text": utterance.text,
                                "label": (own?["label"] as? String) ?? utterance.speaker, "role_label": (own?["role_label"] as? String) ?? "",
                                "role_class": (own?["role_class"] as? String) ?? "role-none",
                            ]
                        }
                    }
                } else {
                    form["gone"] = true
                }
                return form
            }
        }
        context["has_forms"] = (context["forms"] as? [Any])?.isEmpty == false
        if let results = session.results { context["results"] = resultsContext(session, results) }
        return page("calibration", context)
    }

    private func resultsContext(_ session: CalibrationSession, _ results: CalibrationResults) -> [String: Any] {
        let t = Strings.table(settings.language)
        let language = settings.language
        func share(_ tally: CalibrationResults.Tally) -> String { tally.share.map { Format.percent($0 * 100) } ?? "—" }
        return [
            "evaluators": share(results.evaluators), "evaluators_n": "\(results.evaluators.agreed)/\(results.evaluators.compared)",
            "automatic": share(results.automatic), "automatic_n": "\(results.automatic.agreed)/\(results.automatic.compared)",
            "splits": results.rows.filter { !$0.unanimous }.count, "rows": results.rows.count,
            "by_evaluator": results.byEvaluator.map { ["login": $0.user, "share": share($0.tally), "n": "\($0.tally.agreed)/\($0.tally.compared)"] },
            "criteria": results.criteria.map { summary -> [String: Any] in
                [
                    "card": summary.card, "id": summary.criterion.id, "name": summary.criterion.name, "critical": summary.criterion.critical,
                    "evaluators": share(summary.evaluators), "automatic": share(summary.automatic), "splits": summary.splits,
                    "low": (summary.evaluators.share ?? 1) < 0.9,
                ]
            },
            "items": session.items.map { item -> [String: Any] in
                [
                    "call": item.call, "label": item.label, "card": item.card, "card_name": item.cardName,
                    "logins": session.evaluators.map { ["login": $0] },
                    "rows": results.rows.filter { $0.call == item.call && $0.card == item.card }.map { row -> [String: Any] in
                        [
                            "id": row.criterion.id, "name": row.criterion.name, "critical": row.criterion.critical, "split": !row.unanimous,
                            "cells": row.answers.map { given -> [String: Any] in
                                ["login": given.user, "value": given.answer, "label": Strings.answer(given.answer, language),
                                 "minority": row.majority.map { $0 != given.answer } ?? true]
                            },
                            "automatic": row.criterion.automatic.map { Strings.answer($0, language) } ?? t["calibration_no_rule"]!,
                            "automatic_value": row.criterion.automatic ?? "",
                            "automatic_differs": row.automaticAgrees == false,
                            "verdict": row.unanimous ? t["calibration_agree"]! : t["calibration_split"]!,
                        ]
                    },
                ]
            },
        ]
    }
}
