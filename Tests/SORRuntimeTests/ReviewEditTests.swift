import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime
@testable import SORSite

/// Disputes, their decisions and coaching notes, through the edit processor on a stored call.
@Suite("Disputes and coaching notes")
struct ReviewEditTests {
    static func apply(_ json: String, user: String, name: String, _ processor: EditProcessor, _ workspace: Workspace) throws -> EditOutcome {
        processor.apply(try EditTests.drop(json, user: user, name: name, in: workspace), user: user)
    }

    static func criterion(_ document: CallDocument, _ id: String) -> CriterionResult? {
        document.evaluation?.card("SERVICE")?.sections.flatMap(\.criteria).first { $0.id == id }
    }

    static func templates() throws -> [String: String] {
        let folder = CalibrationTests.root + "/templates"
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".mustache") {
            result[String(name.dropLast(9))] = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        }
        return result
    }

    static func reason(_ outcome: EditOutcome) -> String {
        if case .rejected(let reason) = outcome { return reason }
        return "not rejected: \(outcome)"
    }

    @Test("an agent's dispute is kept open; an accepted one sets the answer and changes the score, a rejected one changes nothing; each is decided once")
    func disputes() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try EditTests.setUp(scratch)
        // A coaching note first: the call is scored with it (the sample call is stored unscored).
        let note = #"{"schema": 1, "type": "coaching.note", "call": "00112233", "base_revision": 1, "note": "Przedstaw się **na początku**.", "about": "agent"}"#
        #expect(try Self.apply(note, user: "tomek", name: "n1.json", processor, workspace) == .applied(call: id, revision: 2))
        var document = try processor.store.load(id)
        #expect(CoachingNote.from(history: document.history).map { [$0.user, $0.about, $0.text] } == [["tomek", "agent", "Przedstaw się **na początku**."]])
        #expect(Self.criterion(document, "przedstawienie")?.final == .no, "the sample call never says „nazywam się”")
        let before = try #require(document.evaluation?.card("SERVICE")?.total)

        let noReason = #"{"schema": 1, "type": "evaluation.dispute", "call": "00112233", "base_revision": 2, "card": "SERVICE", "criterion": "przedstawienie", "answer": "yes"}"#
        #expect(Self.reason(try Self.apply(noReason, user: "jan", name: "d0.json", processor, workspace)).contains("needs a \"comment\""))
        let dispute = #"{"schema": 1, "type": "evaluation.dispute", "call": "00112233", "base_revision": 2, "card": "SERVICE", "criterion": "przedstawienie", "answer": "yes", "comment": "Przedstawiłem się, nagranie ucięło początek."}"#
        #expect(try Self.apply(dispute, user: "jan", name: "d1.json", processor, workspace) == .applied(call: id, revision: 3))
        document = try processor.store.load(id)
        let open = try #require(Dispute.from(history: document.history).first)
        #expect(open.state == .open && open.user == "jan" && open.proposed == "yes" && open.disputed == "no")
        #expect(Self.criterion(document, "przedstawienie")?.final == .no, "a dispute alone changes no answer")
        let again = dispute.replacingOccurrences(of: "\"base_revision\": 2", with: "\"base_revision\": 3")
        #expect(Self.reason(try Self.apply(again, user: "jan", name: "d2.json", processor, workspace)).contains("already disputed by jan"))

        let unknown = #"{"schema": 1, "type": "evaluation.dispute.resolve", "call": "00112233", "base_revision": 3, "dispute": "ffff", "decision": "accepted", "comment": "ok"}"#
        #expect(Self.reason(try Self.apply(unknown, user: "tomek", name: "r0.json", processor, workspace)).contains("no dispute ffff"))
        let accept = #"{"schema": 1, "type": "evaluation.dispute.resolve", "call": "00112233", "base_revision": 3, "dispute": "\#(open.id)", "decision": "accepted", "comment": "Słychać imię na początku nagrania."}"#
        #expect(try Self.apply(accept, user: "tomek", name: "r1.json", processor, workspace) == .applied(call: id, revision: 4))
        document = try processor.store.load(id)
        let answered = try #require(Self.criterion(document, "przedstawienie"))
        #expect(answered.final == .yes && answered.manual?.evaluator == "tomek")
        #expect(answered.manual?.comment == "Sprzeciw przyjęty: Słychać imię na początku nagrania.")
        #expect(try #require(document.evaluation?.card("SERVICE")?.total) > before, "the accepted dispute raised the score")
        let decided = try #require(Dispute.from(history: document.history).first)
        #expect(decided.state == .accepted && decided.resolvedBy == "tomek" && decided.answer == "yes")
        let twice = accept.replacingOccurrences(of: "\"base_revision\": 3", with: "\"base_revision\": 4")
        #expect(Self.reason(try Self.apply(twice, user: "tomek", name: "r2.json", processor, workspace)).contains("was accepted already by tomek"))

        // A rejected dispute: recorded with its reason, the answer stays.
        let second = #"{"schema": 1, "type": "evaluation.dispute", "call": "00112233", "base_revision": 4, "card": "SERVICE", "criterion": "kwota", "comment": "Kwota padła."}"#
        #expect(try Self.apply(second, user: "jan", name: "d3.json", processor, workspace) == .applied(call: id, revision: 5))
        document = try processor.store.load(id)
        let kwota = try #require(Dispute.from(history: document.history).last)
        let answerBefore = Self.criterion(document, "kwota")?.final
        let acceptWithout = #"{"schema": 1, "type": "evaluation.dispute.resolve", "call": "00112233", "base_revision": 5, "dispute": "\#(kwota.id)", "decision": "accepted", "comment": "Tak."}"#
        #expect(Self.reason(try Self.apply(acceptWithout, user: "tomek", name: "r3.json", processor, workspace)).contains("names no answer"))
        let reject = #"{"schema": 1, "type": "evaluation.dispute.resolve", "call": "00112233", "base_revision": 5, "dispute": "\#(kwota.id)", "decision": "rejected", "comment": "Kwoty nie słychać."}"#
        #expect(try Self.apply(reject, user: "tomek", name: "r4.json", processor, workspace) == .applied(call: id, revision: 6))
        document = try processor.store.load(id)
        #expect(Self.criterion(document, "kwota")?.final == answerBefore)
        #expect(Dispute.from(history: document.history).map(\.state) == [.accepted, .rejected])

        // The call page shows both disputes under their criteria, and the note.
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let page = String(decoding: renderer.callPage(document), as: UTF8.self)
        #expect(page.contains("<div class=\"dispute accepted\" data-dispute=\"\(open.id)\">"))
        #expect(page.contains("Przedstawiłem się, nagranie ucięło początek.") && page.contains("(tomek: Słychać imię na początku nagrania.)"))
        #expect(page.contains("<div class=\"dispute rejected\" data-dispute=\"\(kwota.id)\">"))
        #expect(page.contains("<strong>na początku</strong>"), "the coaching note is rendered as Markdown")
        // A note about the agent is on the agent's page too, linked to its call.
        let agent = try #require(renderer.personPages([IndexEntry.of(document, language: "pl")])["agents/anna.html"])
        let agentPage = String(decoding: agent, as: UTF8.self)
        #expect(agentPage.contains("<strong>na początku</strong>") && agentPage.contains("calls/\(id)/index.html\">\(id)</a>"))
    }

    @Test("a dispute names a scored card, a real criterion and a fitting answer; a note must say something about something")
    func invalid() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, _) = try EditTests.setUp(scratch)
        let unscored = #"{"schema": 1, "type": "evaluation.dispute", "call": "00112233", "base_revision": 1, "card": "SERVICE", "criterion": "kwota", "comment": "x"}"#
        #expect(Self.reason(try Self.apply(unscored, user: "jan", name: "a.json", processor, workspace)).contains("not scored on card SERVICE"))
        let empty = #"{"schema": 1, "type": "coaching.note", "call": "00112233", "base_revision": 1, "note": "  "}"#
        #expect(Self.reason(try Self.apply(empty, user: "tomek", name: "b.json", processor, workspace)).contains("missing \"note\""))
        let about = #"{"schema": 1, "type": "coaching.note", "call": "00112233", "base_revision": 1, "note": "x", "about": "team"}"#
        #expect(Self.reason(try Self.apply(about, user: "tomek", name: "c.json", processor, workspace)).contains("must be call"))
        let note = #"{"schema": 1, "type": "coaching.note", "call": "00112233", "base_revision": 1, "note": "Dobrze."}"#
        #expect(try Self.apply(note, user: "tomek", name: "d.json", processor, workspace) == .applied(call: "00112233aabbccdd", revision: 2))
        let wrong = #"{"schema": 1, "type": "evaluation.dispute", "call": "00112233", "base_revision": 2, "card": "SERVICE", "criterion": "kwotaa", "comment": "x"}"#
        #expect(Self.reason(try Self.apply(wrong, user: "jan", name: "e.json", processor, workspace)).contains("has no criterion kwotaa"))
        let answer = #"{"schema": 1, "type": "evaluation.dispute", "call": "00112233", "base_revision": 2, "card": "SERVICE", "criterion": "kwota", "answer": "maybe", "comment": "x"}"#
        #expect(Self.reason(try Self.apply(answer, user: "jan", name: "f.json", processor, workspace)).contains("\"maybe\" is not an answer"))
    }
}
