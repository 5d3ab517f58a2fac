import Foundation
import SORCore
import Testing

/// `sor process` with the real embedded engine on real audio. Serialized: each run starts a Whisper engine and the
/// machine has two cores.
@Suite("sor process, end to end", .serialized)
struct ProcessTests {
    @Test("sor --help, sor help COMMAND and a wrong command: usage on the right stream and the right exit status")
    func help() throws {
        for arguments in [["--help"], ["help"]] {
            let result = try run(Paths.sor, arguments)
            #expect(result.status == 0, "sor \(arguments): \(result.stderr)")
            #expect(result.stdout.contains("USAGE: sor <subcommand>") && result.stdout.contains("watch"), "\(result.stdout)")
        }
        let watch = try run(Paths.sor, ["help", "watch"])
        #expect(watch.status == 0 && watch.stdout.contains("USAGE: sor watch"), "\(watch.stdout)\(watch.stderr)")
        let wrong = try run(Paths.sor, ["nosuchcommand"])
        #expect(wrong.status != 0 && wrong.stderr.contains("nosuchcommand") && !wrong.stderr.contains("CommandError"), "\(wrong.stderr)")
    }

    @Test("JFK as MP3 and WAV: transcript within 10% WER of the reference, with word timestamps")
    func jfk() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let reference = try String(contentsOfFile: Paths.shared + "/jfk-en/jfk.reference.txt", encoding: .utf8)
        let result = try workspace.sor("process", "--language", "en", Paths.shared + "/jfk-en/jfk.mp3", Paths.shared + "/jfk-en/jfk.wav")
        #expect(result.status == 0, "\(result.stderr)")
        let ids = result.stdout.split(separator: "\n").map(String.init)
        try #require(ids.count == 2)
        for id in ids {
            let document = try workspace.show(id)
            let text = document[path: "transcript.text"] as? String ?? ""
            let wer = WordErrorRate(reference: reference, hypothesis: text)
            print("JFK \(document[path: "call.source.file_name"] ?? "?"): WER \(String(format: "%.1f%%", wer.rate * 100)) — \(text)")
            #expect(wer.rate <= 0.10)
            #expect(document[path: "transcript.language"] as? String == "en")
            let segments = document[path: "transcript.segments"] as? [[String: Any]] ?? []
            let words = segments.flatMap { $0["words"] as? [[String: Any]] ?? [] }
            #expect(words.count >= 20)
            var previous = 0.0
            for word in words {
                let start = word["start"] as? Double ?? -1
                let end = word["end"] as? Double ?? -1
                #expect(start >= previous - 0.01 && end >= start && end <= 11.2, "word timestamps are ordered and inside the call")
                previous = start
            }
            #expect(document[path: "call.status"] as? String == "transcribed")
            #expect((document[path: "call.source.sha256"] as? String)?.hasPrefix(id) == true, "the id comes from the content hash")
        }
        // The same recording again is one call: reported, not processed twice.
        let again = try workspace.sor("process", "--no-site", Paths.shared + "/jfk-en/jfk.wav")
        #expect(again.status == 0)
        #expect(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ids[1])
        #expect(again.stderr.contains("already stored as call \(ids[1])"))
        let list = try workspace.sor("calls", "list")
        #expect(list.stdout.split(separator: "\n").count == 2)
        // The site has an index and a page per call with its recording.
        let index = try String(contentsOfFile: workspace.root + "/site/calls.html", encoding: .utf8)
        #expect(index.contains("lang=\"pl\"") && index.contains("Rozmowy"))
        for id in ids {
            #expect(index.contains("calls/\(id)/index.html"))
            let page = try String(contentsOfFile: workspace.root + "/site/calls/\(id)/index.html", encoding: .utf8)
            // Words carry their start times (utterance words also carry their index, for splitting).
            #expect(page.range(of: #"<span class="w"( data-index="0")? data-start="0.00""#, options: .regularExpression) != nil)
        }
        #expect(FileManager.default.fileExists(atPath: workspace.root + "/site/calls/\(ids[0])/audio.mp3"))
    }

    @Test("float WAVs (AMI) and 8 kHz telephone recordings are accepted")
    func otherFormats() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let files = [
            Paths.shared + "/pyannote-ami-debug/dev00.wav",
            Paths.shared + "/osr-harvard-8k-en/OSR_us_000_0034_8k.wav",
            Paths.shared + "/asterisk-ivr-prompts-en/privacy-prompt.wav",
        ]
        let result = try workspace.sor(["process", "--language", "en", "--no-site"] + files)
        #expect(result.status == 0, "\(result.stderr)")
        let ids = result.stdout.split(separator: "\n").map(String.init)
        try #require(ids.count == 3)
        let formats = try ids.map { try workspace.show($0)[path: "call.audio.format"] as? String ?? "" }
        #expect(formats == ["WAV/FLOAT", "WAV/PCM_16", "WAV/PCM_16"])
        let harvard = try workspace.show(ids[1])
        let samples = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Paths.shared + "/osr-harvard-8k-en/test_samples.json")))
        let reference = Self.findString(samples, key: "transcription") ?? ""
        let wer = WordErrorRate(reference: reference, hypothesis: harvard[path: "transcript.text"] as? String ?? "")
        print("Harvard sentences, 8 kHz: WER \(String(format: "%.1f%%", wer.rate * 100))")
        #expect(!reference.isEmpty)
        #expect(wer.rate < 0.25)
    }

    @Test("bad input is quarantined with its reason and the next good file is still processed")
    func quarantine() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let inbox = workspace.root + "/inbox"
        let jfk = try Data(contentsOf: URL(fileURLWithPath: Paths.shared + "/jfk-en/jfk.wav"))
        FileManager.default.createFile(atPath: inbox + "/a-empty.wav", contents: Data())
        FileManager.default.createFile(atPath: inbox + "/b-cut.wav", contents: jfk.prefix(90_000))
        FileManager.default.createFile(atPath: inbox + "/c-notes.mp3", contents: Data("notatki ze spotkania\n".utf8))
        FileManager.default.createFile(atPath: inbox + "/d-good.wav", contents: jfk)
        try "agent: Anna Nowak\ndirection: sideways\n".write(toFile: inbox + "/e-meta.yaml", atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: inbox + "/e-meta.wav", contents: try Data(contentsOf: URL(fileURLWithPath: Paths.shared + "/jfk-en/jfk.mp3")))
        let files = ["a-empty.wav", "b-cut.wav", "c-notes.mp3", "d-good.wav", "e-meta.wav"].map { inbox + "/" + $0 }

        let result = try workspace.sor(["process", "--language", "en"] + files)
        #expect(result.status == 1, "a run with refused files exits non-zero")
        #expect(result.stdout.split(separator: "\n").count == 1, "the good file was processed: \(result.stderr)")
        let failed = inbox + "/failed"
        let expectations: [(String, String, String)] = [
            ("a-empty.wav", "reason: empty", "the file is empty"),
            ("b-cut.wav", "reason: truncated", "send the whole file again"),
            ("c-notes.mp3", "reason: not-audio", "it is a text file"),
            ("e-meta.wav", "reason: invalid-metadata", "e-meta.yaml:2:12: error: direction must be inbound or outbound"),
        ]
        for (name, reason, phrase) in expectations {
            #expect(FileManager.default.fileExists(atPath: failed + "/" + name), "\(name) is kept")
            let report = (try? String(contentsOfFile: failed + "/\(name).error.txt", encoding: .utf8)) ?? ""
            #expect(report.contains(reason) && report.contains(phrase), "\(name): \(report)")
            #expect(result.stderr.contains(phrase))
        }
        #expect(FileManager.default.fileExists(atPath: failed + "/e-meta.yaml"), "the sidecar travels with its recording")
        let left = try FileManager.default.contentsOfDirectory(atPath: inbox).filter { !$0.hasPrefix(".") }.sorted()
        #expect(left == ["failed"], "nothing stays behind in the inbox and nothing is lost")
        // The cut file's bytes are kept unchanged.
        #expect(FileManager.default.contents(atPath: failed + "/b-cut.wav") == jfk.prefix(90_000))
    }

    @Test("metadata from a sidecar is stored with the call; --language overrides it")
    func metadata() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let inbox = workspace.root + "/inbox"
        try FileManager.default.copyItem(atPath: Paths.shared + "/jfk-en/jfk.wav", toPath: inbox + "/rozmowa.wav")
        try """
            {"agent": "Anna Nowak", "team": "Zespół B", "direction": "inbound", "campaign": "Test",
             "call_time": "2026-10-05T09:30:00+02:00", "language": "pl"}
            """.write(toFile: inbox + "/rozmowa.json", atomically: true, encoding: .utf8)
        let result = try workspace.sor("process", "--language", "en", "--no-site", inbox + "/rozmowa.wav")
        #expect(result.status == 0, "\(result.stderr)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let document = try workspace.show(id)
        #expect(document[path: "call.metadata.agent"] as? String == "Anna Nowak")
        #expect(document[path: "call.metadata.call_time"] as? String == "2026-10-05T09:30:00+02:00")
        #expect(document[path: "transcript.language"] as? String == "en")
        #expect(FileManager.default.fileExists(atPath: workspace.root + "/data/calls/2026/10/05/\(id)/audio.wav.sealed"))
        #expect(FileManager.default.fileExists(atPath: workspace.root + "/data/calls/2026/10/05/\(id)/source-metadata.json.sealed"))
        #expect(!FileManager.default.fileExists(atPath: inbox + "/rozmowa.wav"), "a file from the inbox is moved into its call")
    }

    static func findString(_ object: Any, key: String) -> String? {
        if let dictionary = object as? [String: Any] {
            if let value = dictionary[key] as? String { return value }
            for value in dictionary.values { if let found = findString(value, key: key) { return found } }
        } else if let array = object as? [Any] {
            for value in array { if let found = findString(value, key: key) { return found } }
        }
        return nil
    }
}
