import Foundation
import Testing
@testable import SORCore
@testable import SORReports
@testable import SORRuntime
@testable import SORSite

/// Calibration sessions: the agreement they compute, and the documents that make and answer them through the edit
/// processor, with the pages and the CSV the publisher writes.
@Suite("Calibration sessions")
struct CalibrationSessionTests {
    static func criterion(_ id: String, automatic: String?) -> CalibrationSession.Criterion {
        .init(id: id, name: id, critical: false, options: ["yes", "no", "na"], automatic: automatic)
    }

    static func given(_ pairs: [(String, String)]) -> [CalibrationSession.Submission.Given] {
        pairs.map { .init(criterion: $0.0, answer: $0.1) }
    }

    @Test("results count agreeing evaluator pairs, automatic answers against each evaluator, splits and each one's agreement with the majority; nothing before all have answered")
    func results() throws {
        var session = CalibrationSession(
            id: "kal-1", title: "t", createdBy: "marta", createdAt: "2026-12-04T08:00:00Z", evaluators: ["a", "b", "c"],
            items: [
                .init(call: "c1", card: "SALES", cardName: "Sprzedaż", label: "1", criteria: [Self.criterion("x", automatic: "yes"), Self.criterion("y", automatic: nil)]),
                .init(call: "c2", card: "SALES", cardName: "Sprzedaż", label: "2", criteria: [Self.criterion("x", automatic: "no"), Self.criterion("y", automatic: nil)]),
            ])
        session.record(.init(user: "a", call: "c1", card: "SALES", time: "t", answers: Self.given([("x", "yes"), ("y", "no")])))
        session.record(.init(user: "b", call: "c1", card: "SALES", time: "t", answers: Self.given([("x", "yes"), ("y", "yes")])))
        session.record(.init(user: "c", call: "c1", card: "SALES", time: "t", answers: Self.given([("x", "no"), ("y", "na")])))
        session.record(.init(user: "a", call: "c2", card: "SALES", time: "t", answers: Self.given([("x", "no"), ("y", "yes")])))
        session.record(.init(user: "b", call: "c2", card: "SALES", time: "t", answers: Self.given([("x", "no"), ("y", "yes")])))
        #expect(session.results == nil && !session.isComplete && session.hasFinished("a") && !session.hasFinished("c"))
        // A second submission replaces the first.
        session.record(.init(user: "c", call: "c2", card: "SALES", time: "t", answers: Self.given([("x", "yes"), ("y", "yes")])))
        session.record(.init(user: "c", call: "c2", card: "SALES", time: "t2", answers: Self.given([("x", "no"), ("y", "yes")])))
        #expect(session.submissions.count == 6)
        let results = try #require(session.results)
        // c1.x: yes yes no → 1 of 3 pairs, majority yes (auto yes: agrees), automatic matches a and b (2 of 3).
        // c1.y: no yes na → 0 of 3 pairs, no majority, no automatic answer. c2.x: no no no → 3 of 3, auto no: 3 of 3.
        // c2.y: yes yes yes → 3 of 3.
        #expect(results.evaluators == .init(agreed: 7, compared: 12))
        #expect(results.automatic == .init(agreed: 5, compared: 6))
        #expect(results.rows.map(\.unanimous) == [false, false, true, true])
        #expect(results.rows.map(\.majority) == ["yes", nil, "no", "yes"])
        #expect(results.rows.map(\.automaticAgrees) == [true, nil, true, nil])
        #expect(results.criteria.map { [$0.criterion.id, "\($0.evaluators.agreed)/\($0.evaluators.compared)", "\($0.automatic.agreed)/\($0.automatic.compared)", "\($0.splits)"] }
            == [["x", "4/6", "5/6", "1"], ["y", "3/6", "0/0", "1"]])
        // With the majority (where there is one: c1.x, c2.x, c2.y): a 3/3, b 3/3, c 2/3.
        #expect(results.byEvaluator.map { "\($0.user) \($0.tally.agreed)/\($0.tally.compared)" } == ["a 3/3", "b 3/3", "c 2/3"])
        // The CSV: a row per criterion of each call, a column per evaluator.
        let csv = String(decoding: CSV.document(Sheet.calibration(session, results)), as: UTF8.self)
        let lines = csv.split(separator: "\r\n")
        #expect(lines.count == 5 && lines[0].contains("Oceniający: c") && lines[1].hasSuffix(";x;x;nie;tak;tak;nie;tak;tak;nie"), "\(lines)")
    }

    /// A workspace with sign-in on, its one call in team Sprzedaż scored on the SERVICE card, and the site's templates.
    static func setUp(_ scratch: Scratch) throws -> (EditProcessor, Workspace, String) {
        var config = Config()
        config.paths.inbox = scratch.root + "/inbox"
        config.paths.data = scratch.root + "/data"
        config.paths.site = scratch.root + "/site"
        config.paths.templates = CalibrationTests.root + "/templates"
        config.security.keyFile = scratch.root + "/keys/sor.key"
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: scratch.root))
        try ScorecardParserTests.valid.write(toFile: scratch.root + "/scorecards.yaml", atomically: true, encoding: .utf8)
        try Keyring.create(path: workspace.keyFile)
        let users = [
            "marta": SiteUser(login: "marta", role: .manager), "anna": SiteUser(login: "anna", role: .admin),
            "ewa": SiteUser(login: "ewa", role: .evaluator, teams: ["Sprzedaż"]), "olek": SiteUser(login: "olek", role: .evaluator, teams: ["Windykacja"]),
            "jan": SiteUser(login: "jan", role: .agent, agent: "Anna"),
        ]
        for login in users.keys { try Htpasswd.set(login, password: "password-\(login)", cost: 4, at: workspace.access + "/htpasswd") }
        try Roles(people: users).write(to: workspace.access + "/roles.yaml")
        let runtime = Runtime(workspace: workspace)
        let store = try runtime.store
        var (record, transcript) = StoreTests.sampleRecord()
        record.id = "00112233aabbccdd"
        record.metadata.team = "Sprzedaż"
        try FileManager.default.createDirectory(atPath: scratch.root + "/in", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: scratch.root + "/in/a.wav", contents: Data("RIFF".utf8))
        try store.save(record: record, transcript: transcript, analysis: AnalysisSample.analysis(of: transcript), audioFrom: scratch.root + "/in/a.wav", moveInputs: false)
        let processor = try EditProcessor(runtime: runtime)
        let folder = try store.find(record.id)
        let document = try store.load(folder: folder)
        let evaluation = try #require(processor.scorer.current?.evaluate(document, previous: nil))
        try store.write(FileFormats.json(evaluation), as: "evaluation.json", in: folder)
        return (processor, workspace, record.id)
    }

    static func apply(_ json: String, user: String, _ processor: EditProcessor, _ workspace: Workspace) throws -> EditOutcome {
        processor.apply(try EditTests.drop(json, user: user, name: "c-\(UUID().uuidString).json", in: workspace), user: user)
    }

    static func text(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("a manager sets up a session; listed evaluators answer blind; once all have answered the pages show every answer beside the automatic one, with the CSV; the call does not change")
    func throughTheSite() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try Self.setUp(scratch)
        let before = try processor.store.load(id)
        let card = try #require(before.evaluation?.card("SERVICE"))
        let criteria = card.sections.flatMap(\.criteria)
        #expect(criteria.count >= 3)

        func session(_ evaluators: String, id sessionID: String = "kal-test") -> String {
            #"{"schema": 1, "type": "calibration.session", "id": "\#(sessionID)", "title": "Obsługa, grudzień", "calls": ["00112233"], "evaluators": [\#(evaluators)]}"#
        }
        #expect(ReviewEditTests.reason(try Self.apply(session(#""ewa""#), user: "jan", processor, workspace)).contains("a manager's or an admin's"))
        #expect(ReviewEditTests.reason(try Self.apply(session(#""olek""#), user: "marta", processor, workspace)).contains("olek is evaluator for Windykacja and cannot read call"))
        #expect(ReviewEditTests.reason(try Self.apply(session(#""jan""#), user: "marta", processor, workspace)).contains("jan is agent: calibration is for evaluators"))
        #expect(try Self.apply(session(#""ewa", "anna""#), user: "marta", processor, workspace) == .applied(call: "", revision: 0))
        #expect(ReviewEditTests.reason(try Self.apply(session(#""ewa""#), user: "marta", processor, workspace)).contains("there is a calibration session kal-test already"))

        // Kept sealed beside the calls, with the automatic answers as they stood.
        let sealed = try #require(FileManager.default.contents(atPath: workspace.data + "/calibration/kal-test.json.sealed"))
        #expect(sealed.range(of: Data("Obsługa".utf8)) == nil && sealed.range(of: Data(criteria[0].id.utf8)) == nil, "no plaintext in the sealed bytes")
        let stored = try #require(try processor.store.calibration.load("kal-test"))
        #expect(stored.createdBy == "marta" && stored.evaluators == ["ewa", "anna"] && stored.items.map(\.card) == ["SERVICE"])
        #expect(stored.items[0].criteria.map(\.automatic) == criteria.map { $0.auto?.answer?.value })
        #expect(stored.items[0].label.contains("Sprzedaż"))

        func answers(_ values: [String: String], comment: String = "") -> String {
            let body = criteria.compactMap { criterion in values[criterion.id].map { "\"\(criterion.id)\": \"\($0)\"" } }.joined(separator: ", ")
            return #"{"schema": 1, "type": "calibration.answers", "session": "kal-test", "call": "\#(id)", "card": "SERVICE", "answers": {\#(body)}}"#
        }
        let all = Dictionary(uniqueKeysWithValues: criteria.map { ($0.id, $0.answerValues[0]) })
        var missing = all
        missing[criteria[1].id] = nil
        #expect(ReviewEditTests.reason(try Self.apply(answers(missing), user: "ewa", processor, workspace)).contains("\(criteria[1].id) (\(criteria[1].name)) is not answered"))
        var wrong = all
        wrong[criteria[0].id] = "maybe"
        #expect(ReviewEditTests.reason(try Self.apply(answers(wrong), user: "ewa", processor, workspace)).contains("\"maybe\" is not an answer"))
        #expect(ReviewEditTests.reason(try Self.apply(answers(all), user: "olek", processor, workspace)).contains("olek is not an evaluator of session kal-test"))
        #expect(try Self.apply(answers(all), user: "ewa", processor, workspace) == .applied(call: "", revision: 0))

        var publisher = SitePublisher(workspace: workspace, store: processor.store, index: SiteIndex())
        publisher.recordings = false
        try publisher.build()
        let site = try #require(Self.text(workspace.site + "/calibration/kal-test.html"))
        let ewas = try #require(Self.text(workspace.site + "/v/ewa/calibration/kal-test.html"))
        // Blind: no page shows an answer before everyone has answered; Ewa's own page keeps hers in her form.
        #expect(!site.contains("calibration-results") && !site.contains("data-value=\"yes\"") && site.contains("form class=\"calibration-answers"),
                "the site's page has the admin's form and no answers")
        #expect(!ewas.contains("calibration-results") && ewas.contains("<option value=\"\(all[criteria[0].id]!)\" selected>") && ewas.contains("aria-live=\"polite\">wysłano "))
        #expect(Self.text(workspace.site + "/v/olek/calibration/kal-test.html") == nil, "not Olek's session")
        #expect(Self.text(workspace.site + "/v/olek/calibration/index.html")?.contains("kal-test") == false)
        #expect(Self.text(workspace.site + "/calibration/kal-test.csv") == nil, "no results before the session is complete")

        // Anna differs from Ewa on one criterion: the session is complete.
        var annas = all
        annas[criteria[0].id] = "no"
        #expect(try Self.apply(answers(annas), user: "anna", processor, workspace) == .applied(call: "", revision: 0))
        #expect(ReviewEditTests.reason(try Self.apply(answers(all), user: "ewa", processor, workspace)).contains("is complete"))
        try publisher.build()
        let results = try #require(Self.text(workspace.site + "/calibration/kal-test.html"))
        let pairs = criteria.count - 1
        #expect(results.contains("id=\"calibration-results\"") && !results.contains("form class=\"calibration-answers"))
        #expect(results.contains("id=\"agreement-evaluators\">\(Format.percent(100 * Double(pairs) / Double(criteria.count)))</td>"), "\(pairs) of \(criteria.count) pairs agree")
        #expect(results.contains("<tr data-criterion=\"\(criteria[0].id)\" class=\"split\">"))
        #expect(Self.text(workspace.site + "/v/ewa/calibration/kal-test.html")?.contains("id=\"calibration-results\"") == true)
        let csv = try #require(Self.text(workspace.site + "/calibration/kal-test.csv"))
        #expect(csv.split(separator: "\r\n").count == criteria.count + 1 && csv.contains("Oceniający: ewa;Oceniający: anna"))

        // Audited under each person's name; the call itself is as it was.
        let audit = processor.audit.events().filter { $0.action == "calibration" }.map { "\($0.actor) \($0.outcome)" }
        #expect(audit == ["user:marta created", "user:ewa answered", "user:anna complete"], "\(audit)")
        let after = try processor.store.load(id)
        #expect(after.call.revision == before.call.revision && after.evaluation == before.evaluation)
        // Key rotation re-seals sessions with the calls.
        #expect(processor.store.calibration.sealedFiles() == [workspace.data + "/calibration/kal-test.json.sealed"])
    }
}
