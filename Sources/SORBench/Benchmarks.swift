import Foundation
import SORAudio
import SORCore
import SORRuntime
import SORSpeech

/// Measurements behind `make bench`: speed and memory of decoding and of the speech engine, from real runs.
enum Benchmarks {
    /// Peak resident memory of this process so far, in MiB.
    static func peakMemoryMiB(children: Bool = false) -> Double {
        var usage = rusage()
        getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Decodes, validates and resamples `path` to 16 kHz WAV; returns a report line.
    static func decode(_ path: String, workDirectory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let output = workDirectory + "/bench-decode.wav"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let converter = AudioConverter(rules: AudioRules(minDuration: 0, maxDuration: 86_400, silenceThresholdDB: -120))
        let started = Date()
        let info = try converter.convert(path, to: output)
        let seconds = Date().timeIntervalSince(started)
        return String(
            format: "decode+resample  %@  %@ %d Hz %d ch, %.0f s audio: %.2f s wall, %.0f× real time, peak memory %.1f MiB",
            (path as NSString).lastPathComponent, info.format, info.sampleRate, info.channels, info.duration, seconds,
            info.duration / seconds, peakMemoryMiB())
    }

    /// Transcribes each file with the configured engine; returns one line per file and a total.
    static func engine(_ paths: [String], workspace: Workspace, language: String?) throws -> [String] {
        let runtime = Runtime(workspace: workspace)
        let speech = runtime.speech
        defer { runtime.shutdown() }
        let startup = Date()
        try speech.start()
        var lines = [String(format: "engine start (model load + health check): %.2f s", Date().timeIntervalSince(startup))]
        var totalAudio = 0.0
        var totalWall = 0.0
        for path in paths {
            let copy = try runtime.copies.make(from: path, label: "bench-engine")
            defer { copy.remove() }
            let info = copy.audio
            let started = Date()
            _ = try speech.transcribe(TranscriptionRequest(audioPath: copy.path, language: language))
            let wall = Date().timeIntervalSince(started)
            totalAudio += info.duration
            totalWall += wall
            lines.append(String(format: "speech engine  %@  %.1f s audio: %.2f s wall, RTF %.3f (%.1f× real time)",
                (path as NSString).lastPathComponent, info.duration, wall, wall / info.duration, info.duration / wall))
        }
        speech.stop()
        lines.append(String(format: "speech engine total: %.1f s audio in %.1f s, RTF %.3f; engine peak memory %.0f MiB",
            totalAudio, totalWall, totalWall / max(totalAudio, 0.001), peakMemoryMiB(children: true)))
        return lines
    }

    /// A transcriber that answers at once with an empty transcript: the pipeline benchmark's way of leaving the
    /// speech step out while keeping everything else (hash, decode, validate, resample, seal, store, audit).
    struct NoSpeech: Transcriber {
        func transcribe(_ request: TranscriptionRequest) throws(SpeechError) -> Transcript {
            Transcript(language: request.language ?? "pl", duration: 0, text: "", segments: [], engine: EngineInfo(endpoint: "none", model: "none"))
        }
        func stop() {}
    }

    /// Files per second through the pipeline without the speech step: each input is copied `rounds` times with a
    /// distinct trailing byte (so each is a new call) into a scratch inbox and processed as the watcher would.
    static func pipeline(_ paths: [String], rounds: Int, workDirectory: String, templates: String) throws -> [String] {
        let root = workDirectory + "/pipeline"
        try? FileManager.default.removeItem(atPath: root)
        var config = Config()
        config.paths.templates = templates
        config.audio.minDuration = 0
        config.audio.silenceThresholdDB = -120
        // Diarization has its own benchmark (`sor bench diarization`); here it would only measure it again.
        config.diarization.enabled = false
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: root))
        try FileManager.default.createDirectory(atPath: workspace.inbox, withIntermediateDirectories: true)
        try Keyring.create(path: workspace.keyFile)
        let runtime = Runtime(workspace: workspace, speech: NoSpeech())
        let store = try runtime.checkedStore()
        let pipeline = try Pipeline(runtime: runtime)
        var inputs: [String] = []
        var bytes = 0
        var audioSeconds = 0.0
        for round in 0..<rounds {
            for (index, path) in paths.enumerated() {
                var data = try Data(contentsOf: URL(fileURLWithPath: path))
                // A WAV tolerates trailing bytes after its data chunk; MP3 decoders skip them.
                data.append(contentsOf: withUnsafeBytes(of: UInt32(round).littleEndian) { Array($0) })
                let target = workspace.inbox + "/r\(round)-\(index)-" + (path as NSString).lastPathComponent
                try data.write(to: URL(fileURLWithPath: target))
                inputs.append(target)
                bytes += data.count
            }
        }
        let started = Date()
        var processed = 0
        for input in inputs {
            if case .processed(let id) = try pipeline.process(input) {
                processed += 1
                audioSeconds += try store.load(id).call.audio.duration
            }
        }
        let wall = Date().timeIntervalSince(started)
        try? FileManager.default.removeItem(atPath: root)
        return [
            String(format: "pipeline without speech  %d files (%.1f MiB, %.0f s of audio) in %.2f s: %.1f files/s, %.1f MiB/s, %.0f× real time; peak memory %.1f MiB",
                processed, Double(bytes) / 1_048_576, audioSeconds, wall, Double(processed) / wall, Double(bytes) / 1_048_576 / wall,
                audioSeconds / wall, peakMemoryMiB()),
        ]
    }

    /// Scoring speed: per call (rules on a transcript, in memory), and `sor rescore` over `count` stored calls made
    /// from the calls stored in `workspace` (their real transcripts, sealed like any call) after a weight change.
    static func rescore(workspace: Workspace, count: Int) throws -> [String] {
        let source = try Runtime(workspace: workspace).store
        let documents = source.all().calls.filter { $0.transcript != nil }
        guard !documents.isEmpty else {
            throw RuntimeError.commandFailed(command: "sor bench rescore", detail: "no transcribed calls in \(workspace.data); process some first")
        }
        let scorecardsPath = workspace.resolve(workspace.config.paths.scorecards)
        let original = try String(contentsOfFile: scorecardsPath, encoding: .utf8)
        var lines: [String] = []

        // 1. Scoring one call, in memory (the vocabulary memo warm, as in a running watcher).
        let scoring = try ScoringService(workspace: workspace)
        for document in documents { _ = scoring.evaluate(document, previous: nil) }
        let rounds = 50
        let started = Date()
        for _ in 0..<rounds { for document in documents { _ = scoring.evaluate(document, previous: nil) } }
        let perCall = Date().timeIntervalSince(started) / Double(rounds * documents.count)
        let words = documents.reduce(0) { $0 + ($1.transcript?.words.count ?? 0) } / documents.count
        lines.append(String(format: "scoring one call (%d words on average, %d cards defined): %.2f ms", words, scoring.scorecards.set.cards.count, perCall * 1000))

        // 2. A store of `count` calls, copies of the stored ones under new ids.
        let root = workspace.work + "/bench/rescore"
        try? FileManager.default.removeItem(atPath: root)
        var config = workspace.config
        config.paths.data = root + "/data"
        config.paths.scorecards = root + "/scorecards.yaml"
        config.security.keyFile = root + "/sor.key"
        let scratch = Workspace(config: config, root: workspace.root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try original.write(toFile: root + "/scorecards.yaml", atomically: true, encoding: .utf8)
        try Keyring.create(path: scratch.keyFile)
        let scratchRuntime = Runtime(workspace: scratch)
        let store = try scratchRuntime.checkedStore()
        let populate = Date()
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let scoringScratch = try ScoringService(workspace: scratch)
        DispatchQueue.concurrentPerform(iterations: threads) { part in
            for index in stride(from: part, to: count, by: threads) {
                var document = documents[index % documents.count]
                document.call.id = String(format: "%016x", 0xbe00_0000_0000 + index)
                let folder = store.folder(for: document.call)
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let evaluation = scoringScratch.evaluate(document, previous: nil)
                try? store.vault.write(FileFormats.json(document.transcript), to: folder + "/transcript.json.sealed", sync: false)
                if let evaluation { try? store.vault.write(FileFormats.json(evaluation), to: folder + "/evaluation.json.sealed", sync: false) }
                try? store.vault.write(FileFormats.yaml(document.call), to: folder + "/call.yaml.sealed", sync: false)
            }
        }
        store.flush()
        lines.append(String(format: "made %d stored calls (sealed) in %.1f s", count, Date().timeIntervalSince(populate)))

        // 3. Change the first section weight of every card by moving 5 points to the second, then rescore.
        let changed = try Self.shiftWeights(original)
        try changed.write(toFile: root + "/scorecards.yaml", atomically: true, encoding: .utf8)
        let loaded = try ScorecardLoader.load(workspace: scratch)
        let rescoreStarted = Date()
        let report = try Rescore.run(runtime: scratchRuntime, store: store, scoring: ScoringService(scorecards: loaded, config: scratch.config.scoring), actor: "bench")
        let wall = Date().timeIntervalSince(rescoreStarted)
        lines.append(String(format: "sor rescore after a weight change: %d calls in %.2f s (%.0f calls/s, %d cores), %d changed, %d pass/fail flips (target: under 10 s)",
            report.calls, wall, Double(report.calls) / wall, threads, report.rescored, report.flips.count))
        let again = Date()
        let unchanged = try Rescore.run(runtime: scratchRuntime, store: store, scoring: ScoringService(scorecards: loaded, config: scratch.config.scoring), actor: "bench")
        lines.append(String(format: "sor rescore with nothing changed: %d calls read and scored in %.2f s; peak memory %.0f MiB",
            unchanged.calls, Date().timeIntervalSince(again), peakMemoryMiB()))
        try? FileManager.default.removeItem(atPath: root)
        return lines
    }

    /// The scorecards text with, in each card, 5 weight points moved from its first own section to its second.
    static func shiftWeights(_ text: String) throws -> String {
        // Weights are written as `weight: N` lines; shift the first two after each `- id:` card line in `cards:`.
        var lines = text.components(separatedBy: "\n")
        guard let cardsLine = lines.firstIndex(where: { $0.hasPrefix("cards:") }) else { return text }
        var index = cardsLine
        while index < lines.count {
            if lines[index].hasPrefix("  - id:") {
                let weightLines = (index + 1..<lines.count).prefix { !lines[$0].hasPrefix("  - id:") }.filter { lines[$0].contains("weight:") }
                if weightLines.count >= 2 {
                    func value(_ line: Int) -> Double {
                        Double(lines[line].components(separatedBy: "weight:")[1].split(separator: "#")[0].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                    let shift = min(5, value(weightLines[0]) / 2)
                    for (offset, line) in weightLines.prefix(2).enumerated() {
                        let prefix = lines[line].components(separatedBy: "weight:")[0]
                        let weight = value(line) + (offset == 0 ? -shift : shift)
                        lines[line] = prefix + "weight: " + (weight == weight.rounded() ? String(Int(weight)) : String(weight))
                    }
                }
            }
            index += 1
        }
        return lines.joined(separator: "\n")
    }
}
