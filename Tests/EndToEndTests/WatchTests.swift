import Foundation
import Testing

/// `sor watch` with the real engine: files dropped while the watcher is killed with SIGKILL again and again.
@Suite("sor watch, end to end", .serialized)
struct WatchTests {
    /// Short real recordings from ../shared/data (speech, 1–25 s).
    static func realClips() throws -> [String] {
        let fm = FileManager.default
        var clips: [String] = []
        for folder in ["pocketsphinx-librivox-en/librivox", "pocketsphinx-librivox-en/cards", "asterisk-ivr-prompts-en"] {
            let path = Paths.shared + "/" + folder
            clips += try fm.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".wav") }.sorted().map { path + "/" + $0 }
        }
        clips.append(Paths.shared + "/jfk-en/jfk.mp3")
        clips.append(Paths.shared + "/fasterwhisper-stereo-2ch/stereo_diarization.wav")
        return clips.filter { !$0.hasSuffix("basic-pbx-ivr-main.wav") }
    }

    static func sha256(_ path: String) throws -> String {
        let result = try run("/usr/bin/sha256sum", [path])
        try #require(result.status == 0, "sha256sum \(path): \(result.stderr)")
        return String(result.stdout.prefix(64))
    }

    @Test("kill -9 at random moments while 100+ files arrive: each good file processed once, bad ones quarantined, duplicates reported, nothing lost")
    func killNine() throws {
        // The clips are English. Told so, Whisper transcribes each 2-second snippet in a few seconds; in Polish mode
        // some took 15–45 s through its temperature fallbacks, and the run neared its 15-minute limit (the test is
        // about the watcher, not recognition).
        let repo = Paths.repository
        let workspace = try Workspace(speech: """
            speech:
              engine: embedded
              language: en
              embedded:
                python: \(repo)/.venv/bin/python
                script: \(repo)/engine/sor_engine.py
                model_dir: \(repo)/models/whisper-base
            """, extra: """
            watch:
              rescan_interval: 1
              settle_seconds: 0.5
              jobs: 2
              retry_delay: 0.5
            """)
        defer { workspace.remove() }
        let fm = FileManager.default
        let staging = workspace.root + "/prepared"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)

        // 100+ distinct good recordings: each real clip, and variants of its first two seconds at other levels
        // (different bytes, real speech, cheap to transcribe: this test is about the watcher, not recognition).
        var good: [String] = []
        for (index, clip) in try Self.realClips().enumerated() {
            let ext = (clip as NSString).pathExtension
            let original = "\(staging)/c\(index)-0.\(ext)"
            try fm.copyItem(atPath: clip, toPath: original)
            good.append(original)
            // Debian's sox reads no MP3 (that needs libsox-fmt-mp3): variants are made of the WAV clips.
            guard ext == "wav" else { continue }
            for (variant, gain) in ["-1", "-2", "-3", "-4"].enumerated() {
                let path = "\(staging)/c\(index)-\(variant + 1).wav"
                let made = try run("/usr/bin/sox", [clip, path, "trim", "0", "2", "gain", gain])
                try #require(made.status == 0, "sox \(clip): \(made.stderr)")
                good.append(path)
            }
        }
        #expect(good.count >= 100)
        // Exact copies under other names: each must be reported as a duplicate, not processed.
        let duplicates = stride(from: 0, to: good.count, by: 10).map { index -> String in
            let path = "\(staging)/dup\(index).\((good[index] as NSString).pathExtension)"
            try? fm.copyItem(atPath: good[index], toPath: path)
            return path
        }
        // Bad input.
        let jfk = try Data(contentsOf: URL(fileURLWithPath: Paths.shared + "/jfk-en/jfk.wav"))
        var bad: [String] = []
        for index in 0..<4 {
            let empty = "\(staging)/bad-empty\(index).wav"
            fm.createFile(atPath: empty, contents: Data())
            let text = "\(staging)/bad-text\(index).mp3"
            fm.createFile(atPath: text, contents: Data("to nie jest nagranie \(index)\n".utf8))
            let cut = "\(staging)/bad-cut\(index).wav"
            fm.createFile(atPath: cut, contents: jfk.prefix(60_000 + index * 1000))
            bad += [empty, text, cut]
        }
        let goodHashes = try Set(good.map(Self.sha256))
        #expect(goodHashes.count == good.count)

        // Drop everything in shuffled order: most by copy-then-rename, every fifth as a slow copy straight under its
        // final name (written in pieces over about two seconds), while a killer thread SIGKILLs the watcher.
        var generator = SystemRandomNumberGenerator()
        let drops = (good + duplicates + bad).shuffled(using: &generator)
        let inbox = workspace.root + "/inbox"
        let log = workspace.root + "/watch.log"
        var watcher = try startWatcher(workspace, log: log)
        let dropper = Thread {
            for (index, path) in drops.enumerated() {
                let name = (path as NSString).lastPathComponent
                let data = FileManager.default.contents(atPath: path) ?? Data()
                if index % 5 == 0 {
                    let handle = FileManager.default.createFile(atPath: inbox + "/" + name, contents: nil) ? FileHandle(forWritingAtPath: inbox + "/" + name) : nil
                    let pieces = 8
                    let size = max(1, (data.count + pieces - 1) / pieces)
                    for piece in 0..<pieces where piece * size < data.count {
                        handle?.write(data.subdata(in: (piece * size)..<min(data.count, (piece + 1) * size)))
                        Thread.sleep(forTimeInterval: 0.25)
                    }
                    try? handle?.close()
                } else {
                    FileManager.default.createFile(atPath: inbox + "/." + name + ".part", contents: data)
                    rename(inbox + "/." + name + ".part", inbox + "/" + name)
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
        }
        dropper.start()
        var kills = 0
        let dropDeadline = Date().addingTimeInterval(Double(drops.count) * 0.3 + 30)
        while !dropper.isFinished && Date() < dropDeadline || kills < 6 {
            Thread.sleep(forTimeInterval: Double.random(in: 1.5...5, using: &generator))
            stop(watcher, signal: SIGKILL)
            kills += 1
            watcher = try startWatcher(workspace, log: log)
        }
        #expect(dropper.isFinished)

        // Let the last watcher finish everything, then stop it the polite way.
        let deadline = Date().addingTimeInterval(900)
        func pending() -> Int {
            let inboxFiles = ((try? fm.contentsOfDirectory(atPath: inbox)) ?? []).filter { !["failed", "duplicates", "edits", ".processing"].contains($0) }
            let claims = ((try? fm.contentsOfDirectory(atPath: inbox + "/.processing")) ?? []).filter { !$0.hasPrefix(".") }
            return inboxFiles.count + claims.count
        }
        while pending() > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 1) }
        #expect(stop(watcher) == 0, "SIGTERM ends the watcher cleanly")
        #expect(pending() == 0, "everything was taken: \(String(describing: try? fm.contentsOfDirectory(atPath: inbox)))")

        // Every good recording is exactly one call.
        let list = try workspace.sor("calls", "list", "--json")
        let calls = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        let stored = calls.compactMap { ($0["source"] as? [String: Any])?["sha256"] as? String }
        #expect(stored.count == good.count, "\(stored.count) calls for \(good.count) good files after \(kills) kills")
        #expect(Set(stored) == goodHashes)
        #expect(Set(stored).count == stored.count, "no recording was processed twice")

        // Every bad file is kept with its reason; every duplicate is set aside with a note.
        let failed = Set((try? fm.contentsOfDirectory(atPath: inbox + "/failed")) ?? [])
        for path in bad {
            let name = (path as NSString).lastPathComponent
            #expect(failed.contains(name) && failed.contains(name + ".error.txt"), "\(name) quarantined with its reason")
        }
        let setAside = ((try? fm.contentsOfDirectory(atPath: inbox + "/duplicates")) ?? []).filter { !$0.hasSuffix(".duplicate.txt") }
        #expect(setAside.count == duplicates.count)
        for name in setAside {
            #expect(fm.fileExists(atPath: inbox + "/duplicates/\(name).duplicate.txt"))
        }
        // Nothing is lost: the bytes of every dropped file are somewhere (a call, failed/ or duplicates/).
        let kept = try Set((failed.filter { !$0.hasSuffix(".txt") }.map { inbox + "/failed/" + $0 } + setAside.map { inbox + "/duplicates/" + $0 }).map(Self.sha256))
        for path in bad + duplicates {
            #expect(kept.contains(try Self.sha256(path)), "\(path) kept")
        }
        // No half-written call is visible and no staging folder is left.
        let dataFiles = try run("/usr/bin/find", [workspace.root + "/data", "-name", ".*staging*"]).stdout
        #expect(dataFiles.isEmpty)
        // Sealed at rest, and every action on record in an intact chain: each stored call's processing included.
        #expect(try plaintextFiles(in: workspace).isEmpty)
        let verify = try workspace.sor("audit", "verify")
        #expect(verify.status == 0, "\(verify.stderr)")
        let audit = try workspace.sor("audit", "show").stdout
        for call in calls.compactMap({ $0["id"] as? String }) {
            #expect(audit.contains("process  ok  \(call)"), "call \(call) has its process record")
        }
        print("kill -9 test: \(drops.count) files dropped, \(kills) kills, \(stored.count) calls, \(failed.count / 2) refused, \(setAside.count) duplicates")
    }

    @Test("with the engine stopped, recordings wait and are processed once it is back")
    func engineComesBack() throws {
        // A remote engine on a port where nothing listens yet; the embedded engine is started there later.
        let port = Int.random(in: 20_000...40_000)
        let workspace = try Workspace(speech: """
            speech:
              engine: remote
              url: http://127.0.0.1:\(port)/v1
              timeout: 60
              language: en
            """, extra: """
            watch:
              rescan_interval: 1
              settle_seconds: 0.3
              engine_retries: 1
              retry_delay: 0.2
              engine_wait_interval: 2
            """)
        defer { workspace.remove() }
        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log)
        defer { stop(watcher) }
        try FileManager.default.copyItem(atPath: Paths.shared + "/jfk-en/jfk.wav", toPath: workspace.root + "/inbox/jfk.wav")
        // Wait until the watcher reports the file as waiting for the engine.
        var waited = false
        for _ in 0..<60 {
            Thread.sleep(forTimeInterval: 0.5)
            let status = try workspace.sor("status")
            if status.stdout.contains("waiting for the engine: 1") { waited = true; break }
        }
        #expect(waited, "sor status shows the recording waiting for the engine")
        #expect(!FileManager.default.fileExists(atPath: workspace.root + "/inbox/failed/jfk.wav"), "not quarantined")

        let engine = Process()
        engine.executableURL = URL(fileURLWithPath: Paths.repository + "/.venv/bin/python")
        engine.arguments = [Paths.repository + "/engine/sor_engine.py", "--model", Paths.repository + "/models/whisper-base", "--port", String(port)]
        engine.standardOutput = FileHandle.nullDevice
        engine.standardError = FileHandle.nullDevice
        try engine.run()
        defer { stop(engine) }
        var processed = false
        for _ in 0..<120 {
            Thread.sleep(forTimeInterval: 0.5)
            if try workspace.sor("calls", "list").stdout.contains("jfk.wav") { processed = true; break }
        }
        #expect(processed, "processed once the engine is back")
        let logText = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(logText.contains("waiting for the engine: jfk.wav"))
    }

    @Test("a recording the engine keeps failing on while it transcribes others is refused after give_up_rounds; nothing is refused while the engine is down")
    func giveUp() throws {
        // An engine stand-in that answers 500 for uploads over 1 MB (a 35 s 16 kHz recording) and works for the rest.
        let (stub, port) = try startEngineStub(failAboveBytes: 1_000_000)
        defer { stop(stub) }
        let workspace = try Workspace(speech: """
            speech:
              engine: remote
              url: http://127.0.0.1:\(port)/v1
              timeout: 30
            """, extra: """
            watch:
              rescan_interval: 1
              settle_seconds: 0.3
              engine_retries: 0
              engine_wait_interval: 1
              give_up_rounds: 3
            """)
        defer { workspace.remove() }
        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log)
        defer { stop(watcher) }
        let long = try #require(try FileManager.default.contentsOfDirectory(atPath: Paths.demo + "/mono").filter { $0.hasSuffix(".wav") }.sorted().first)
        try FileManager.default.copyItem(atPath: Paths.demo + "/mono/" + long, toPath: workspace.root + "/inbox/long.wav")
        // Alone, it only waits: the engine has not worked for anything, so it may just be down.
        // A round converts and diarizes the recording before the engine refuses it: on a loaded 2-core machine a round
        // can take several seconds, so the wait is generous (it ends as soon as four rounds are seen).
        var rounds = 0
        for _ in 0..<160 where rounds < 4 {
            Thread.sleep(forTimeInterval: 0.5)
            rounds = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "stays claimed").count - 1
        }
        #expect(rounds >= 4, "it kept waiting past give_up_rounds")
        #expect(!FileManager.default.fileExists(atPath: workspace.root + "/inbox/failed/long.wav"))
        // Once the engine transcribes another recording, the failing one is given up on.
        try FileManager.default.copyItem(atPath: Paths.shared + "/jfk-en/jfk.wav", toPath: workspace.root + "/inbox/short.wav")
        var report: String?
        for _ in 0..<60 where report == nil {
            Thread.sleep(forTimeInterval: 0.5)
            report = try? String(contentsOfFile: workspace.root + "/inbox/failed/long.wav.error.txt", encoding: .utf8)
        }
        let text = try #require(report, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(text.contains("reason: engine-failed") && text.contains("CUDA out of memory (stub)") && text.contains("speech.timeout"))
        #expect(FileManager.default.fileExists(atPath: workspace.root + "/inbox/failed/long.wav"), "the recording is kept")
        #expect(try workspace.sor("calls", "list").stdout.contains("short.wav"))
        #expect(try workspace.sor("audit", "show").stdout.contains("quarantine  refused  -  file=long.wav"))
    }
}
