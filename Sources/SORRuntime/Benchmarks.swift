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
}
