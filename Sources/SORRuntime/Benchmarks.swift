import Foundation
import SORAudio
import SORCore
import SORSpeech

/// Measurements behind `make bench`: speed and memory of decoding and of the speech engine, from real runs.
public enum Benchmarks {
    /// Peak resident memory of this process so far, in MiB.
    public static func peakMemoryMiB(children: Bool = false) -> Double {
        var usage = rusage()
        getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Decodes, validates and resamples `path` to 16 kHz WAV; returns a report line.
    public static func decode(_ path: String, workDirectory: String) throws -> String {
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
    public static func engine(_ paths: [String], workspace: Workspace, language: String?) throws -> [String] {
        let speech = SpeechService(workspace: workspace)
        defer { speech.stop() }
        let startup = Date()
        _ = try speech.endpoint()
        var lines = [String(format: "engine start (model load + health check): %.2f s", Date().timeIntervalSince(startup))]
        let converter = AudioConverter(rules: AudioRules(workspace.config.audio))
        let scratch = workspace.work + "/bench"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var totalAudio = 0.0
        var totalWall = 0.0
        for path in paths {
            let converted = scratch + "/engine-input.wav"
            defer { try? FileManager.default.removeItem(atPath: converted) }
            let info = try converter.convert(path, to: converted)
            let started = Date()
            _ = try speech.transcribe(TranscriptionRequest(audioPath: converted, language: language))
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
    public static func pipeline(_ paths: [String], rounds: Int, workDirectory: String, templates: String) throws -> [String] {
        let root = workDirectory + "/pipeline"
        try? FileManager.default.removeItem(atPath: root)
        var config = Config()
        config.paths.templates = templates
        config.audio.minDuration = 0
        config.audio.silenceThresholdDB = -120
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: root))
        try FileManager.default.createDirectory(atPath: workspace.inbox, withIntermediateDirectories: true)
        try Keyring.create(path: workspace.keyFile)
        let store = try workspace.store()
        try store.vault.check(dataDirectory: workspace.data)
        let pipeline = Pipeline(workspace: workspace, store: store, speech: NoSpeech())
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
}
