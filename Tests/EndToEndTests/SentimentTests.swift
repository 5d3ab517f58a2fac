import Foundation
import Testing

@Suite("Sentiment, end to end", .serialized)
struct SentimentEndToEndTests {
    @Test("sor sentiment labels arguments and standard input, explains with --json, and refuses an unknown language or party")
    func command() throws {
        let arguments = try run(Paths.sor, ["sentiment", "Jestem bardzo niezadowolony, to skandal.", "Dzień dobry, w czym mogę pomóc?", "Bardzo dziękuję, pomógł mi pan."])
        #expect(arguments.status == 0, "\(arguments.stderr)")
        let lines = arguments.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("negatywny") && lines[1].hasPrefix("neutralny") && lines[2].hasPrefix("pozytywny"), "\(lines)")

        let input = FileManager.default.temporaryDirectory.appendingPathComponent("sentiment-\(UUID().uuidString).txt").path
        try "Nie jestem zadowolony z tej usługi.\n\nRezygnuję z umowy.\n".write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let piped = try run("/bin/sh", ["-c", "\"\(Paths.sor)\" sentiment --json < \"\(input)\""])
        #expect(piped.status == 0, "\(piped.stderr)")
        let objects = try piped.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        #expect(objects.count == 2, "an empty line is skipped")
        #expect(objects.allSatisfy { $0["label"] as? String == "negatywny" && ($0["score"] as? Double ?? 0) < 0 })
        let cue = (objects.first?["cues"] as? [[String: Any]])?.first
        #expect(cue?["text"] as? String == "zadowolony" && (cue?["rules"] as? [String])?.contains("negated") == true, "\(objects)")

        let english = try run(Paths.sor, ["sentiment", "--language", "en", "Thank you, that was really helpful"])
        #expect(english.stdout.hasPrefix("pozytywny"), "\(english.stdout)")
        let unknown = try run(Paths.sor, ["sentiment", "--language", "de", "Guten Tag"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no sentiment lexicon for language \"de\""), "\(unknown.stderr)")
        let party = try run(Paths.sor, ["sentiment", "--party", "BOSS", "x"])
        #expect(party.status != 0 && party.stderr.contains("KLIENT or KONSULTANT"), "\(party.stderr)")
    }

    /// The call's sentiment as `sor show --json` gives it.
    static func sentiment(_ workspace: Workspace, _ id: String) throws -> [String: Any] {
        try #require(try workspace.show(id)[path: "analysis.sentiment"] as? [String: Any], "call \(id) has analysis.sentiment")
    }

    @Test("the demo calls' arcs from their real transcripts: the complaint turns negative, the retention call recovers; every utterance carries its sentiment")
    func demoArcs() throws {
        let demo = try ProcessedDemoCalls.shared.get()
        var report: [String] = []
        for variant in ["stereo", "mono"] {
            // service-fail: the client complains about a bill and gets nowhere ("To skandal").
            let complaint = try Self.sentiment(demo.workspace, try #require(demo.ids["\(variant)/service-fail"]))
            let client = try #require(complaint["klient"] as? [String: Any])
            let clientScore = try #require(client["score"] as? Double)
            let clientQuarters = (client["quarters"] as? [Any] ?? []).compactMap { $0 as? Double }
            #expect(clientScore < 0, "\(variant) service-fail: the client is negative overall: \(client)")
            #expect((clientQuarters.last ?? 0) <= -0.2, "\(variant) service-fail: the client ends negative: \(clientQuarters)")
            let worst = try #require(client["most_negative"] as? [String: Any])
            #expect((worst["score"] as? Double ?? 0) <= -0.4, "\(worst)")
            report.append(String(format: "%@ service-fail: client %+.2f, quarters %@, most negative %+.2f at %.0f s: %@", variant, clientScore,
                "\(client["quarters"] ?? "")", worst["score"] as? Double ?? 0, worst["start"] as? Double ?? 0, worst["text"] as? String ?? ""))

            // retention-pass: the client wants to cancel, is offered a discount and stays.
            let retention = try Self.sentiment(demo.workspace, try #require(demo.ids["\(variant)/retention-pass"]))
            let kept = try #require(retention["klient"] as? [String: Any])
            let change = try #require(kept["change"] as? Double)
            let quarters = (kept["quarters"] as? [Any] ?? []).compactMap { $0 as? Double }
            #expect(change > 0.2, "\(variant) retention-pass: the client recovers: \(kept)")
            #expect((quarters.first ?? 0) < 0 && (quarters.last ?? 0) >= 0, "\(variant) retention-pass starts negative and ends at least neutral: \(quarters)")
            report.append(String(format: "%@ retention-pass: client quarters %@, change %+.2f", variant, "\(quarters)", change))
            // The consultant of the failed service call is not negative overall: refusals within the rules.
            let consultant = complaint["konsultant"] as? [String: Any]
            #expect((consultant?["score"] as? Double ?? -1) > -0.3, "\(String(describing: consultant))")
        }
        let failed = try #require(demo.ids["mono/service-fail"])
        let utterances = try #require(try demo.workspace.show(failed)[path: "analysis.utterances"] as? [[String: Any]])
        #expect(utterances.allSatisfy { ($0["sentiment"] as? [String: Any])?["label"] is String }, "every utterance has sentiment.label")
        print("sentiment arcs of the demo calls (Whisper base transcripts):\n" + report.joined(separator: "\n"))
    }
}
