import Foundation
import SORCore
import Testing

@Suite("Speech endpoints, end to end", .serialized)
struct EngineTests {
    /// `sor engine run` in `workspace`, and the base URL it prints as its first line once the engine is healthy.
    static func startEngine(in workspace: Workspace) throws -> (Process, String) {
        let engine = Process()
        engine.executableURL = URL(fileURLWithPath: Paths.sor)
        engine.arguments = ["engine", "run"]
        engine.currentDirectoryURL = URL(fileURLWithPath: workspace.root)
        let output = Pipe()
        engine.standardOutput = output
        try engine.run()
        // Only the child writes to the pipe: with this side's write end closed, a dead engine ends the read.
        try? output.fileHandleForWriting.close()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) { line.append(byte) }
        return (engine, String(decoding: line, as: UTF8.self))
    }

    @Test("a remote OpenAI-compatible endpoint, given by URL (the local engine started by `sor engine run`)")
    func remoteEndpoint() throws {
        let server = try Workspace()
        defer { server.remove() }
        let (engine, url) = try Self.startEngine(in: server)
        defer { stop(engine) }
        #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/v1"))

        let client = try Workspace(speech: """
            speech:
              engine: remote
              url: \(url)
              model: whisper-base-remote
            """)
        defer { client.remove() }
        let result = try client.sor("process", "--language", "en", "--no-site", Paths.shared + "/jfk-en/jfk.wav")
        #expect(result.status == 0, "\(result.stderr)")
        let document = try client.show(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(document[path: "call.processing.engine.endpoint"] as? String == url)
        #expect(document[path: "call.processing.engine.model"] as? String == "whisper-base-remote")
        let reference = try String(contentsOfFile: Paths.shared + "/jfk-en/jfk.reference.txt", encoding: .utf8)
        #expect(WordErrorRate(reference: reference, hypothesis: document[path: "transcript.text"] as? String ?? "").rate <= 0.10)
    }

    @Test("the embedded engine refuses a malformed chunk at once, a recording over audio.max_duration, more than 4 requests at once, and spools uploads under var/")
    func engineLimits() throws {
        let server = try Workspace(extra: "audio:\n  max_duration: 5\n")
        defer { server.remove() }
        let (engine, url) = try Self.startEngine(in: server)
        defer { stop(engine) }
        try #require(url.hasPrefix("http://127.0.0.1:"), "the engine started: \(url)")
        let probe = try run("/usr/bin/python3", [
            Paths.repository + "/scripts/engine-probe.py", url, Paths.shared + "/jfk-en/jfk.wav", server.root + "/var/engine/tmp",
        ])
        try #require(probe.status == 0, "\(probe.stderr)")
        var results: [String: String] = [:]
        for pair in probe.stdout.split(separator: "\n") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { results[parts[0]] = parts[1] }
        }
        #expect(results["negative_chunk"] == "400" && (Double(results["negative_chunk_seconds"] ?? "") ?? 99) < 5, "\(results)")
        #expect(results["prefixed_chunk"] == "400", "\(results)")
        #expect(results["too_long"] == "413", "an 11 s recording over a 5 s limit: \(results)")
        #expect(results["fifth_request"] == "503", "\(results)")
        #expect(results["spooled_in_var"] == "4" && results["spooled_in_tmp"] == "0", "\(results)")
    }

    @Test("an unreachable engine leaves the recording where it is, not quarantined")
    func engineDown() throws {
        let workspace = try Workspace(speech: """
            speech:
              engine: remote
              url: http://127.0.0.1:9/v1
              timeout: 5
            """)
        defer { workspace.remove() }
        let inbox = workspace.root + "/inbox/call.wav"
        try FileManager.default.copyItem(atPath: Paths.shared + "/jfk-en/jfk.wav", toPath: inbox)
        let result = try workspace.sor("process", "--no-site", inbox)
        #expect(result.status == 1)
        #expect(result.stderr.contains("speech engine at http://127.0.0.1:9/v1/audio/transcriptions is unreachable"))
        #expect(FileManager.default.fileExists(atPath: inbox))
        #expect(!FileManager.default.fileExists(atPath: workspace.root + "/inbox/failed"))
        #expect(try workspace.sor("calls", "list").stdout.isEmpty)
    }

    @Test("a missing embedded engine is a clear error that names the fix")
    func missingEngine() throws {
        let workspace = try Workspace(speech: """
            speech:
              embedded:
                python: /nonexistent/python
            """)
        defer { workspace.remove() }
        let result = try workspace.sor("process", "--no-site", Paths.shared + "/jfk-en/jfk.wav")
        #expect(result.status == 1)
        #expect(result.stderr.contains("the embedded speech engine did not start: Python not found at /nonexistent/python. Run `make setup`"))
    }
}

@Suite("Demo calls, end to end", .serialized)
struct DemoTests {
    /// Transcribes every variant of the demo calls and measures the word error rate against the script's reference.
    @Test("demo calls (stereo, mono, 8 kHz): transcribed, WER measured and reported")
    func wer() throws {
        let demo = try ProcessedDemoCalls.shared.get()
        let workspace = demo.workspace
        var table: [String] = []
        var rates: [String: [Double]] = [:]
        for variant in ProcessedDemoCalls.variants {
            let ids = ProcessedDemoCalls.names.map { demo.ids["\(variant)/\($0)"] ?? "" }
            for (scenario, id) in zip(ProcessedDemoCalls.names, ids) {
                let reference = try String(contentsOfFile: "\(Paths.demo)/ref/\(scenario).txt", encoding: .utf8)
                let document = try workspace.show(id)
                let wer = WordErrorRate(reference: reference, hypothesis: document[path: "transcript.text"] as? String ?? "")
                rates[variant, default: []].append(wer.rate)
                #expect(document[path: "transcript.language"] as? String == "pl")
                #expect(!(document[path: "transcript.text"] as? String ?? "").isEmpty, "\(variant)/\(scenario) has a transcript")
                table.append(String(format: "%-8@ %-22@ WER %5.1f%%  (%d ref words: %d sub, %d del, %d ins)",
                    variant as NSString, scenario as NSString, wer.rate * 100, wer.referenceWords, wer.substitutions, wer.deletions, wer.insertions))
            }
        }
        for (variant, values) in rates.sorted(by: { $0.key < $1.key }) {
            table.append(String(format: "%-8@ mean WER %5.1f%%", variant as NSString, values.reduce(0, +) / Double(values.count) * 100))
        }
        print("Demo calls, Whisper base (embedded):\n" + table.joined(separator: "\n"))
        // Whisper base on synthetic Polish: a bound that catches a broken pipeline (wrong channel, wrong rate,
        // wrong language), not a quality claim.
        for variant in ["stereo", "mono"] {
            let mean = rates[variant, default: [1]].reduce(0, +) / Double(rates[variant, default: [1]].count)
            #expect(mean < 0.5, "\(variant) mean WER")
        }
        // The 8 kHz telephone-band variants are robustness cases: accepted, resampled and transcribed; their WER is
        // reported above, and it is poor with Whisper base (synthetic voices lose most of what base relies on).
        #expect(rates["mono-8k"]?.count == 4)
    }
}
