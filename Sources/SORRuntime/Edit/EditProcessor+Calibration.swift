import Foundation
import SORCore

/// Calibration sessions from the site: a manager's (or an admin's) `calibration.session` document makes one, each
/// listed evaluator's `calibration.answers` documents answer its calls blind. Neither changes a call: the session is
/// its own file (`CalibrationStore`), so these documents name no call revision and are handled before the calls'
/// edits, like `quarantine.requeue`. Both are audited under the folder owner's name.
///
///     {"schema": 1, "type": "calibration.session", "id": "kal-20261204-a1b2", "title": "Sprzedaż, grudzień",
///      "calls": ["3f2a…", "9c1d…"], "evaluators": ["ewa", "anna"], "cards": ["SALES"]}
///     {"schema": 1, "type": "calibration.answers", "session": "kal-20261204-a1b2", "call": "3f2a…", "card": "SALES",
///      "answers": {"powitanie": "yes", "prawo_odstapienia": "no", …}, "comment": "…"}
extension EditProcessor {
    static let calibrationTypes = ["calibration.session", "calibration.answers"]
    static let calibrationCallLimit = 50
    static let calibrationEvaluatorLimit = 20

    /// The outcome of a calibration document; nil for any other document.
    func calibration(_ data: Data, context: inout Context) throws -> EditOutcome? {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let type = object["type"] as? String,
            Self.calibrationTypes.contains(type)
        else { return nil }
        context.type = type
        guard object["schema"] as? Int == Self.schemaVersion else { throw Rejection(reason: "\"schema\" must be \(Self.schemaVersion)") }
        let allowed = type == "calibration.session"
            ? ["schema", "type", "id", "title", "calls", "evaluators", "cards", "comment"]
            : ["schema", "type", "session", "call", "card", "answers", "comment"]
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw Rejection(reason: "unknown key \"\(key)\" for type \(type); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        if let comment = object["comment"] as? String { context.comment = String(comment.prefix(EditDocument.commentLimit)) }
        let access: Access
        do {
            access = try Access(workspace: workspace)
        } catch {
            throw Rejection(reason: "the roles file cannot be read (\(error.localizedDescription)); an admin must fix it, then send the document again")
        }
        return type == "calibration.session"
            ? try createSession(object, access: access, context: context) : try answerSession(object, access: access, context: context)
    }

    private func createSession(_ object: [String: Any], access: Access, context: Context) throws -> EditOutcome {
        if access.enforced {
            guard let person = access.roles.people[context.user] else {
                throw Rejection(reason: "not permitted: \(context.user) has no role in \(Workspace.accessFolderName)/roles.yaml")
            }
            guard person.role == .admin || person.role == .manager else {
                throw Rejection(reason: "not permitted: \(context.user) is \(person.role.rawValue): calibration sessions are a manager's or an admin's to set up")
            }
        }
        guard let title = (object["title"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty else {
            throw Rejection(reason: "missing \"title\" (what the session is, e.g. \"Sprzedaż, grudzień\")")
        }
        guard title.count <= 200 else { throw Rejection(reason: "the title is longer than 200 characters") }
        let store = self.store.calibration
        let id: String
        if let given = object["id"] {
            guard let text = given as? String, CalibrationSession.isValidID(text) else {
                throw Rejection(reason: "\"id\" must be letters, digits and - (at most 64), e.g. kal-20261204-a1b2")
            }
            guard !store.exists(text) else { throw Rejection(reason: "there is a calibration session \(text) already; choose another id") }
            id = text
        } else {
            id = "kal-" + Timestamp.iso(now()).prefix(10).replacingOccurrences(of: "-", with: "") + "-" + context.editID.prefix(6)
        }
        let calls = try list(object["calls"], "calls", "the ids of the calls to evaluate", limit: Self.calibrationCallLimit)
        let evaluators = try list(object["evaluators"], "evaluators", "the logins of the evaluators", limit: Self.calibrationEvaluatorLimit)
        for login in evaluators where !InboxLayout.isUserName(login) {
            throw Rejection(reason: "\"\(login)\" is not a login (letters, digits, . _ -)")
        }
        let cards = object["cards"] == nil ? nil : Set(try list(object["cards"], "cards", "the scorecards to evaluate", limit: 20))
        var items: [CalibrationSession.Item] = []
        var seen: Set<String> = []
        for given in calls {
            let folder: String
            do {
                folder = try self.store.find(given)
            } catch {
                throw Rejection(reason: "there is no call \(given) (it may have been deleted)")
            }
            let document = try self.store.load(folder: folder, transcript: false, history: false)
            let call = document.call
            guard seen.insert(call.id).inserted else { continue }
            if access.enforced {
                for login in evaluators {
                    guard let person = access.roles.people[login] else {
                        throw Rejection(reason: "\(login) has no role in \(Workspace.accessFolderName)/roles.yaml; an admin gives one with `sor users role \(login) evaluator --team TEAM`")
                    }
                    guard [.admin, .evaluator, .teamLead].contains(person.role) else {
                        throw Rejection(reason: "\(login) is \(person.role.rawValue): calibration is for evaluators, team leads and admins (those who evaluate calls)")
                    }
                    let team = call.metadata.team ?? ""
                    guard person.reads(team: team, agent: call.metadata.agent ?? "") else {
                        throw Rejection(reason: "\(login) is \(person.role.rawValue) for \(person.teams.joined(separator: ", ")) and cannot read call \(call.id) of team \(team.isEmpty ? "(none)" : team); choose calls every evaluator reads")
                    }
                }
            }
            let scored = (document.evaluation?.cards ?? []).filter { cards?.contains($0.card) ?? true }
            guard !scored.isEmpty else {
                let has = document.evaluation?.cards.map(\.card).joined(separator: ", ") ?? ""
                throw Rejection(reason: "call \(call.id) is not scored on \(cards.map { $0.sorted().joined(separator: ", ") } ?? "any card") (its cards: \(has.ifEmpty("none")))")
            }
            let when = (call.metadata.callTime ?? call.source.receivedAt).prefix(16).replacingOccurrences(of: "T", with: " ")
            let label = [call.source.fileName, call.metadata.agent ?? "", call.metadata.team ?? "", when].filter { !$0.isEmpty }.joined(separator: " · ")
            for card in scored {
                items.append(CalibrationSession.Item(
                    call: call.id, card: card.card, cardName: card.name, label: label,
                    criteria: card.sections.flatMap(\.criteria).map { criterion in
                        CalibrationSession.Criterion(
                            id: criterion.id, name: criterion.name, critical: criterion.critical, options: criterion.answerValues,
                            automatic: criterion.auto?.answer?.value)
                    }))
            }
        }
        let session = CalibrationSession(
            id: id, title: title, createdBy: context.user, createdAt: Timestamp.iso(now()), evaluators: evaluators, items: items)
        try auditCalibration(context, outcome: "created", detail: [
            "session": id, "calls": String(seen.count), "evaluators": evaluators.joined(separator: ","), "comment": context.comment ?? "",
        ])
        try store.save(session)
        runtime.siteChanges.mark()
        return .applied(call: "", revision: 0)
    }

    private func answerSession(_ object: [String: Any], access: Access, context: Context) throws -> EditOutcome {
        guard let id = object["session"] as? String, !id.isEmpty else { throw Rejection(reason: "missing \"session\" (the session's id)") }
        let store = self.store.calibration
        guard var session = try store.load(id) else { throw Rejection(reason: "there is no calibration session \(id)") }
        guard session.evaluators.contains(context.user) else {
            throw Rejection(reason: "not permitted: \(context.user) is not an evaluator of session \(id) (its evaluators: \(session.evaluators.joined(separator: ", ")))")
        }
        if access.enforced, access.roles.people[context.user] == nil {
            throw Rejection(reason: "not permitted: \(context.user) has no role in \(Workspace.accessFolderName)/roles.yaml")
        }
        guard !session.isComplete else {
            throw Rejection(reason: "session \(id) is complete (every evaluator has answered) and its results are out; answers can no longer change")
        }
        guard let call = object["call"] as? String, let card = object["card"] as? String else {
            throw Rejection(reason: "missing \"call\" or \"card\" (which call and scorecard of the session the answers are for)")
        }
        guard let item = session.item(call: call, card: card) else {
            throw Rejection(reason: "session \(id) does not ask for card \(card) of call \(call)")
        }
        guard let given = object["answers"] as? [String: Any] else {
            throw Rejection(reason: "missing \"answers\" (an object: criterion id → answer)")
        }
        let known = Set(item.criteria.map(\.id))
        for key in given.keys.sorted() where !known.contains(key) {
            throw Rejection(reason: "card \(card) has no criterion \(key) in this session")
        }
        var answers: [CalibrationSession.Submission.Given] = []
        for criterion in item.criteria {
            guard let value = given[criterion.id].map(Self.text) else {
                throw Rejection(reason: "\(criterion.id) (\(criterion.name)) is not answered; a calibration answers every criterion (na where it does not apply, if allowed)")
            }
            guard criterion.options.contains(value) else {
                throw Rejection(reason: "\(criterion.id): \"\(value)\" is not an answer to this criterion; allowed: \(criterion.options.joined(separator: ", "))")
            }
            answers.append(.init(criterion: criterion.id, answer: value))
        }
        session.record(CalibrationSession.Submission(
            user: context.user, call: item.call, card: item.card, time: Timestamp.iso(now()), answers: answers, comment: context.comment))
        try auditCalibration(context, outcome: session.isComplete ? "complete" : "answered", detail: [
            "session": id, "call": item.call, "card": item.card,
        ])
        try store.save(session)
        runtime.siteChanges.mark()
        return .applied(call: "", revision: 0)
    }

    private func list(_ value: Any?, _ key: String, _ what: String, limit: Int) throws -> [String] {
        guard let array = value as? [Any], !array.isEmpty else { throw Rejection(reason: "missing \"\(key)\" (\(what), a list)") }
        guard array.count <= limit else { throw Rejection(reason: "\"\(key)\" lists \(array.count); a session takes at most \(limit)") }
        var result: [String] = []
        for element in array {
            guard let text = (element as? String)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                throw Rejection(reason: "\"\(key)\" must list texts (\(what))")
            }
            if !result.contains(text) { result.append(text) }
        }
        return result
    }

    private func auditCalibration(_ context: Context, outcome: String, detail: [String: String]) throws {
        do {
            try audit.append(actor: "user:" + context.user, action: "calibration", call: detail["call"], outcome: outcome, detail: detail)
        } catch {
            throw AuditUnavailable(reason: "the audit log cannot be written (\(error.localizedDescription)); the document waits until it can")
        }
    }
}
