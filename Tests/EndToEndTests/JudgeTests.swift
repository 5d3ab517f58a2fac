import Foundation
import Testing

/// The optional LLM emotion judge, driven through the built `sor` with the speech engine stubbed
/// (`scripts/bench-engine-stub.py`) and the chat model stubbed (`scripts/llm-judge-stub.py`).
@Suite("LLM emotion judge, end to end (engine and model stubbed)", .serialized)
struct JudgeEndToEndTests {
    /// A 12-second 8 kHz stereo WAV: the left channel (the consultant, by the default channel map) speaks in the
    /// first and last four seconds, the right (the client) in between, so the call has utterances of both roles.
    static func recording() -> Data {
        let rate = 8_000
        let count = rate * 12
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + count * 4))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(1)); append(UInt16(2))
        append(UInt32(rate)); append(UInt32(rate * 4)); append(UInt16(4)); append(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(count * 4))
        var noise: UInt32 = 2_654_435_761
        func jitter() -> Double {
            noise ^= noise << 13; noise ^= noise >> 17; noise ^= noise << 5
            return Double(Int(noise % 400) - 200)
        }
        for n in 0..<count {
            let time = Double(n) / Double(rate)
            let left = Int(time / 4) % 2 == 0
            append(Int16((left ? 6_000 * sin(2 * Double.pi * 200 * time) : 0) + jitter()))
            append(Int16((left ? 0 : 6_000 * sin(2 * Double.pi * 310 * time)) + jitter()))
        }
        return data
    }

    /// The stub's emotion for an utterance, as `scripts/llm-judge-stub.py` chooses it.
    static func expectedEmotion(text: String, role: String?) -> String {
        let lower = text.lowercased()
        for (keyword, emotion) in [("skandal", "zły"), ("dziękuj", "zadowolony"), ("niestety", "zaniepokojony")] where lower.contains(keyword) {
            return emotion
        }
        return ["KLIENT": "zirytowany", "KONSULTANT": "spokojny"][role ?? ""] ?? "neutralny"
    }

    /// A running model stub and where it logs what it received.
    struct Stub {
        let process: Process
        let port: Int
        let log: String

        /// The requests it received, oldest first.
        var requests: [[String: Any]] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        var url: String { "http://127.0.0.1:\(port)/v1" }

        func remove() {
            stop(process)
            try? FileManager.default.removeItem(atPath: log)
        }
    }

    /// Starts the model stub in `mode` on a random loopback port, logging to a file of its own (removed by `remove`).
    static func startStub(mode: String) throws -> Stub {
        let port = loopbackFreePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sor-judge-stub-\(UUID().uuidString).jsonl").path
        let stub = Process()
        stub.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        stub.arguments = [
            Paths.repository + "/scripts/llm-judge-stub.py", "--port", String(port), "--log", log, "--mode", mode,
            "--key", "sekret-testowy", "--model", "test-judge",
        ]
        try stub.run()
        // The stub creates its log once it listens.
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: log) { Thread.sleep(forTimeInterval: 0.05) }
        try #require(FileManager.default.fileExists(atPath: log), "the model stub did not start")
        return Stub(process: stub, port: port, log: log)
    }

    /// A workspace transcribing with the engine stub at `enginePort`, with `judge` as its `sentiment.judge` keys
    /// (nil: the section left out, the judge off by default).
    static func workspace(enginePort: Int, judge: String?, watch: Bool = false) throws -> Workspace {
        let section = judge.map { "sentiment:\n  judge:\n" + $0.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") } ?? ""
        return try Workspace(speech: """
            speech:
              engine: remote
              url: http://127.0.0.1:\(enginePort)/v1
              timeout: 30
            """, extra: section + (watch ? "\nwatch:\n  rescan_interval: 1\n  settle_seconds: 0.3\n" : ""))
    }

    /// The stored utterances with their speaker's role, as `sor show --json` gives them.
    static func utterances(_ workspace: Workspace, _ id: String) throws -> [(utterance: [String: Any], role: String?)] {
        let shown = try workspace.show(id)
        let utterances = try #require(shown[path: "analysis.utterances"] as? [[String: Any]], "call \(id) has utterances")
        let roles = Dictionary(((shown[path: "analysis.speakers"] as? [[String: Any]]) ?? []).map { ($0["id"] as? String ?? "", $0["role"] as? String) }, uniquingKeysWith: { a, _ in a })
        return utterances.map { ($0, roles[$0["speaker"] as? String ?? ""] ?? nil) }
    }

    @Test("off by default: a call is processed with the lexicon's sentiment and no request reaches the model")
    func disabled() throws {
        let (engine, enginePort) = try startEngineStub()
        defer { stop(engine) }
        let workspace = try Self.workspace(enginePort: enginePort, judge: nil)
        defer { workspace.remove() }
        let stub = try Self.startStub(mode: "normal")
        defer { stub.remove() }
        try Self.recording().write(to: URL(fileURLWithPath: workspace.root + "/call.wav"))
        let processed = try workspace.sor(["process", workspace.root + "/call.wav"], environment: ["SOR_JUDGE_API_KEY": "sekret-testowy"])
        #expect(processed.status == 0, "\(processed.stderr)")
        let id = processed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let utterances = try Self.utterances(workspace, id)
        #expect(!utterances.isEmpty && utterances.allSatisfy { ($0.utterance["sentiment"] as? [String: Any])?["label"] is String })
        #expect(utterances.allSatisfy { ($0.utterance["sentiment"] as? [String: Any])?["judge"] == nil })
        #expect(stub.requests.isEmpty, "no request reached the model stub: \(stub.requests)")
        #expect(!processed.stderr.contains("emotion judge"), "\(processed.stderr)")
    }

    @Test("enabled: every utterance carries the stub's emotion and a quote from its text, beside the lexicon's label; the stub saw the key, the model and the utterances; an edit of one utterance asks about it alone")
    func judged() throws {
        let (engine, enginePort) = try startEngineStub()
        defer { stop(engine) }
        let stub = try Self.startStub(mode: "normal")
        defer { stub.remove() }
        let workspace = try Self.workspace(enginePort: enginePort, judge: "enabled: true\nurl: \(stub.url)\nmodel: test-judge\ntimeout: 20", watch: true)
        defer { workspace.remove() }
        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log, environment: ["SOR_JUDGE_API_KEY": "sekret-testowy"])
        defer { stop(watcher) }
        try Self.recording().write(to: URL(fileURLWithPath: workspace.root + "/inbox/call.wav"))
        let id = try workspace.firstCall(log: log)

        let requests = stub.requests
        try #require(requests.count == 1, "one request for the call: \(requests)")
        #expect(requests[0]["path"] as? String == "/v1/chat/completions")
        #expect(requests[0]["authorization"] as? String == "Bearer sekret-testowy")
        #expect(requests[0]["model"] as? String == "test-judge")
        let asked = try #require(requests[0]["utterances"] as? [[String: Any]])
        let utterances = try Self.utterances(workspace, id)
        #expect(asked.map { $0["id"] as? Int } == utterances.map { $0.utterance["id"] as? Int }, "every utterance was asked about")
        #expect(asked.map { $0["text"] as? String } == utterances.map { $0.utterance["text"] as? String })
        #expect(asked.map { $0["role"] as? String } == utterances.map { $0.role ?? "unknown" })
        #expect(Set(utterances.compactMap(\.role)) == ["KLIENT", "KONSULTANT"], "both roles are in the call: \(utterances.map(\.role))")
        for (utterance, role) in utterances {
            let text = try #require(utterance["text"] as? String)
            let sentiment = try #require(utterance["sentiment"] as? [String: Any])
            #expect(sentiment["label"] is String && sentiment["score"] is Double, "the lexicon's sentiment is there")
            let judge = try #require(sentiment["judge"] as? [String: Any], "utterance \(utterance["id"] ?? "?") has a judgement")
            #expect(judge["emotion"] as? String == Self.expectedEmotion(text: text, role: role))
            let quote = try #require(judge["quote"] as? String)
            #expect(quote == text.split(separator: " ").prefix(2).joined(separator: " ") && text.localizedCaseInsensitiveContains(quote))
            #expect(judge["model"] as? String == "test-judge" && (judge["text_hash"] as? String)?.hasPrefix("fnv1a64:") == true)
        }
        let watchLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(watchLog.contains("call \(id): sor dropped 1 of the emotion judge's answers") && watchLog.contains("utterance 999999: not asked about"), "\(watchLog)")

        // The call page shows the model's opinion beside the lexicon's label.
        #expect(SoakTests.wait(for: "site rebuilt", count: 1, in: log, timeout: 60), "the site was built")
        let page = try String(contentsOfFile: workspace.root + "/site/calls/\(id)/index.html", encoding: .utf8)
        #expect(page.contains("<span class=\"mark judge\" title=\"opinia modelu językowego, nie wpływa na wynik nastawienia ani na ocenę; model: test-judge\">ocena modelu: "))
        #expect(page.contains("class=\"mark sentiment sentiment-"))

        // A corrected utterance is asked about alone; the others keep their judgements.
        let target = try #require(utterances.first { $0.role == "KLIENT" }?.utterance)
        let targetID = try #require(target["id"] as? Int)
        let edits = workspace.root + "/inbox/edits/e2e"
        try FileManager.default.createDirectory(atPath: edits, withIntermediateDirectories: true)
        let edit = #"{"schema": 1, "type": "utterance.text", "call": "\#(id)", "base_revision": 1, "utterance": \#(targetID), "text": "Dziękuję bardzo za pomoc."}"#
        try edit.write(toFile: workspace.root + "/edit.json", atomically: true, encoding: .utf8)
        rename(workspace.root + "/edit.json", edits + "/edit.json")
        #expect(SoakTests.wait(for: "applied to call", count: 1, in: log, timeout: 60), "\(String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2_000)))")
        let after = stub.requests
        try #require(after.count == 2, "\(after)")
        let second = try #require(after[1]["utterances"] as? [[String: Any]])
        #expect(second.map { $0["id"] as? Int } == [targetID] && second.first?["text"] as? String == "Dziękuję bardzo za pomoc.")
        let edited = try Self.utterances(workspace, id)
        let judges = edited.map { (($0.utterance["sentiment"] as? [String: Any])?["judge"] as? [String: Any]) }
        #expect(judges.allSatisfy { $0 != nil })
        let changed = try #require(edited.firstIndex { $0.utterance["id"] as? Int == targetID })
        #expect(judges[changed]?["emotion"] as? String == "zadowolony" && judges[changed]?["quote"] as? String == "Dziękuję bardzo")
    }

    @Test("a failing model never stops processing: the call is stored with the lexicon's sentiment and no judgement, and one warning names the call, the URL and the fix", arguments: [
        ("http500", "failed (HTTP 500: the model is overloaded (stub)); check the server's log"),
        ("garbage", "sent an answer sor cannot read (the model's answer is not JSON: Przepraszam"),
        ("slow", "did not answer within 2 s; raise sentiment.judge.timeout in sor.yaml"),
        ("wrong-key", "refused the key (HTTP 401: Incorrect API key provided (stub)); set the API key in the environment variable SOR_JUDGE_API_KEY"),
        ("unreachable", "is unreachable ("),
    ])
    func failure(mode: String, warning: String) throws {
        let (engine, enginePort) = try startEngineStub()
        defer { stop(engine) }
        let stub = try Self.startStub(mode: ["wrong-key", "unreachable"].contains(mode) ? "normal" : mode)
        defer { stub.remove() }
        // Nothing listens on the stub's port plus one.
        let url = mode == "unreachable" ? "http://127.0.0.1:\(stub.port + 1)/v1" : stub.url
        let workspace = try Self.workspace(enginePort: enginePort, judge: "enabled: true\nurl: \(url)\nmodel: test-judge\ntimeout: 2")
        defer { workspace.remove() }
        try Self.recording().write(to: URL(fileURLWithPath: workspace.root + "/call.wav"))
        let started = Date()
        let processed = try workspace.sor(
            ["process", workspace.root + "/call.wav"], environment: ["SOR_JUDGE_API_KEY": mode == "wrong-key" ? "zły-klucz" : "sekret-testowy"])
        #expect(processed.status == 0, "\(processed.stderr)")
        #expect(Date().timeIntervalSince(started) < 25, "the slow model is given up on after its timeout")
        let id = processed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 16, "the call is stored: \(processed.stdout) \(processed.stderr)")
        let utterances = try Self.utterances(workspace, id)
        #expect(!utterances.isEmpty)
        #expect(utterances.allSatisfy { ($0.utterance["sentiment"] as? [String: Any])?["label"] is String }, "the lexicon's sentiment is there")
        #expect(utterances.allSatisfy { ($0.utterance["sentiment"] as? [String: Any])?["judge"] == nil }, "no judgement")
        let lines = processed.stderr.split(separator: "\n").filter { $0.contains("emotion judge") }
        #expect(lines.count == 1, "one warning: \(processed.stderr)")
        #expect(lines.first?.hasPrefix("warning: call \(id): the emotion judge at \(url)/chat/completions ") == true, "\(processed.stderr)")
        #expect(lines.first?.contains(warning) == true, "\(processed.stderr)")
        #expect(mode == "unreachable" || stub.requests.count == 1, "the stub was asked once: \(stub.requests.count)")
    }
}
