import Crypto
import Foundation
import SORCore
import SORRuntime

/// Realistic synthetic calls for the report site's benchmarks and browser tests: copies of a workspace's stored,
/// scored calls (their real transcripts, utterances, sentiment and evaluations) under new ids, with metadata drawn
/// from a fixed roster of agents and teams, a direction, and a time in the 90 days before `until`. The recording of
/// each copy is a hard link to its original's sealed file, so a page plays it without the store growing.
/// Deterministic for a seed.
enum CallGenerator {
    /// Agents and their teams, as a centre of four teams would have them.
    static let roster: [(agent: String, team: String)] = [
        ("Anna Nowak", "Obsługa klienta"), ("Piotr Wiśniewski", "Obsługa klienta"), ("Katarzyna Wójcik", "Obsługa klienta"),
        ("Tomasz Lewandowski", "Utrzymanie"), ("Magdalena Kamińska", "Utrzymanie"), ("Michał Zieliński", "Utrzymanie"),
        ("Agnieszka Szymańska", "Sprzedaż"), ("Krzysztof Woźniak", "Sprzedaż"), ("Joanna Dąbrowska", "Sprzedaż"),
        ("Paweł Kozłowski", "Windykacja"), ("Ewa Jankowska", "Windykacja"), ("Łukasz Mazur", "Windykacja"),
    ]

    /// SplitMix64: small, fast, and the same sequence everywhere.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// One generated call, as the manifest lists it (what a test needs to know without reading the store).
    struct Made: Encodable {
        var id, time, agent, team, direction: String
        var duration: Double
        var review: Bool
        var sentiment: String?
        var cards: [Card]
        struct Card: Encodable {
            var card: String
            var total: Double
            var passed: Bool
            var critical: Bool
            /// Criteria answered "no".
            var failed: [String]
        }
    }

    /// Writes `count` calls copied from the workspace's stored calls into `target`'s store (the workspace's own when
    /// nil; another must use the same key and file system: the recordings are hard links); returns what was made.
    static func generate(workspace: Workspace, into target: Workspace? = nil, count: Int, seed: UInt64, until: Date) throws -> [Made] {
        let source = try Runtime(workspace: workspace).store
        let store = try target.map { try Runtime(workspace: $0).store } ?? source
        let sources = source.all().calls.filter { $0.evaluation != nil && $0.transcript != nil }
            .sorted { $0.call.id < $1.call.id }
        guard !sources.isEmpty else {
            throw RuntimeError.commandFailed(command: "sor-bench generate", detail: "no scored calls in \(workspace.data) to copy; process some first (make demo, then sor process demo/calls/*.wav)")
        }
        let folders = source.folders()
        var random = Random(state: seed)
        var made: [Made] = []
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        for index in 0..<count {
            let source = sources[random.below(sources.count)]
            var document = source
            let digest = SHA256.hash(data: Data("sor-generated \(seed) \(index)".utf8)).map { String(format: "%02x", $0) }.joined()
            let member = roster[random.below(roster.count)]
            // Working hours, 8:00 to 18:00, on one of the 90 days before `until`.
            let day = Double(random.below(90) + 1) * 86_400
            let start = until.addingTimeInterval(-day).timeIntervalSince1970
            let midnight = (start / 86_400).rounded(.down) * 86_400
            let time = Date(timeIntervalSince1970: midnight + Double(8 * 3600 + random.below(10 * 3600)))
            document.call.id = String(digest.prefix(16))
            document.call.source.sha256 = digest
            document.call.source.fileName = String(format: "generated-%06d.wav", index)
            document.call.source.receivedAt = iso.string(from: time)
            document.call.metadata.agent = member.agent
            document.call.metadata.team = member.team
            document.call.metadata.direction = random.below(10) < 7 ? "inbound" : "outbound"
            document.call.metadata.callTime = iso.string(from: time)
            let folder = store.folder(for: document.call)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try store.vault.write(FileFormats.yaml(document.call), to: folder + "/call.yaml.sealed", sync: false)
            try store.vault.write(FileFormats.json(document.transcript), to: folder + "/transcript.json.sealed", sync: false)
            if let analysis = document.analysis {
                try store.vault.write(FileFormats.json(analysis, compact: true), to: folder + "/analysis.json.sealed", sync: false)
            }
            if let evaluation = document.evaluation {
                try store.vault.write(FileFormats.json(evaluation), to: folder + "/evaluation.json.sealed", sync: false)
            }
            if let original = folders[source.call.id] {
                let audio = "/" + source.call.audioFile + ".sealed"
                try? FileManager.default.removeItem(atPath: folder + audio)
                try FileManager.default.linkItem(atPath: original + audio, toPath: folder + audio)
            }
            made.append(Made(
                id: document.call.id, time: iso.string(from: time), agent: member.agent, team: member.team,
                direction: document.call.metadata.direction ?? "", duration: document.call.audio.duration,
                review: document.analysis?.roles.needsReview ?? false,
                sentiment: document.analysis?.sentiment?.klient?.label.rawValue,
                cards: (document.evaluation?.cards ?? []).map {
                    Made.Card(
                        card: $0.card, total: $0.total, passed: $0.passed, critical: !$0.criticalFailures.isEmpty,
                        failed: $0.sections.flatMap(\.criteria).filter { $0.final?.value == "no" }.map(\.id))
                }))
        }
        store.flush()
        return made
    }
}
