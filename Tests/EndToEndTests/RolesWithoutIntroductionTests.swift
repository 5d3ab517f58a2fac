import Foundation
import Testing

/// Roles on calls where the consultant never introduces themselves (calibration/roles, rendered by `make demo` into
/// demo/roles, each as a mono mix and as one party per channel): the cold sales call that opens "Halo, mamy dla pana
/// świetną ofertę…", an inbound call whose client speaks first, and a collections call where the client asks who is
/// calling. Processed for real (engine, diarizer, labeller), with the sidecar's direction, without its channel map
/// and with no default one (`channel_map: []`), so that the words decide in stereo too.
@Suite("Roles without an introduction, end to end", .serialized)
struct RolesWithoutIntroductionTests {
    static let folder = Paths.demo + "/roles"

    struct Turns: Decodable {
        struct Turn: Decodable {
            var role: String
            var start: Double
            var end: Double
        }
        var turns: [Turn]
    }

    @Test("each call gets its roles the right way round, in mono and in stereo, from the whole call's evidence")
    func roles() throws {
        let workspace = try Workspace(diarization: "  channel_map: []\n  company_names: [\"Telkom Plus\"]")
        defer { workspace.remove() }
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".wav") }.sorted()
        #expect(names.count == 6, "make demo renders calibration/roles into demo/roles")
        for name in names {
            let stem = String(name.dropLast(4))
            // The sidecar as rendered, less the channel map.
            let sidecar = try String(contentsOfFile: Self.folder + "/" + stem + ".yaml", encoding: .utf8)
                .split(separator: "\n").filter { !$0.hasPrefix("channels:") }.joined(separator: "\n") + "\n"
            let input = workspace.root + "/" + name
            try FileManager.default.copyItem(atPath: Self.folder + "/" + name, toPath: input)
            try sidecar.write(toFile: workspace.root + "/" + stem + ".yaml", atomically: true, encoding: .utf8)
            let processed = try workspace.sor("process", "--no-site", input)
            #expect(processed.status == 0, "\(name): \(processed.stderr)")
            let id = processed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let analysis = try #require(try workspace.show(id)["analysis"] as? [String: Any], "\(name) has an analysis")
            let speakers = analysis["speakers"] as? [[String: Any]] ?? []
            let role = Dictionary(uniqueKeysWithValues: speakers.map { ($0["id"] as? String ?? "", $0["role"] as? String ?? "none") })
            #expect(Set(role.values) == ["KLIENT", "KONSULTANT"], "\(name): \(role)")
            let reference = try JSONDecoder().decode(Turns.self, from: Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + stem + ".turns.json")))
            var right = 0.0
            var total = 0.0
            for utterance in analysis["utterances"] as? [[String: Any]] ?? [] {
                let speaker = utterance["speaker"] as? String ?? ""
                let start = utterance["start"] as? Double ?? 0
                let end = utterance["end"] as? Double ?? 0
                for turn in reference.turns {
                    let shared = min(turn.end, end) - max(turn.start, start)
                    guard shared > 0 else { continue }
                    total += shared
                    if role[speaker] == turn.role { right += shared }
                }
            }
            let decision = analysis["roles"] as? [String: Any] ?? [:]
            print(String(format: "roles without introduction %@: %.1f%% of utterance time with the right role, confidence %.2f, cues %@",
                         stem, right / max(total, 1e-9) * 100, decision["confidence"] as? Double ?? 0, "\(decision["cues"] ?? [])"))
            #expect(total > 0 && right >= 0.9 * total, "\(name): \(right) of \(total) s with the right role; \(decision)")
        }
    }
}
