import Foundation
import SORAudio
import SORCore
import SORRuntime
import SORDiarization
import SORSpeech

extension Benchmarks {
    /// Mono diarization speed (× real time) per file and in total, with the time per stage and the peak memory.
    /// Stereo inputs are mixed first, so this measures the neural path.
    static func diarization(_ paths: [String], workspace: Workspace) throws -> [String] {
        let service = Runtime(workspace: workspace).diarization
        let started = Date()
        let diarizer = try service.diarizer()
        var lines = [String(format: "diarization models loaded in %.2f s (threads: %d, chunk step %.1f s)",
                            Date().timeIntervalSince(started), diarizer.settings.threads, diarizer.settings.chunkStep)]
        var totalAudio = 0.0
        var totalWall = 0.0
        for path in paths {
            var profile = Diarizer.Profile()
            let (seconds, wall, segments) = try service.withConverted(path) { file in
                let clock = Date()
                let segments = diarizer.diarize(ChannelSource(file: file, channel: nil), profile: &profile)
                return (file.duration, Date().timeIntervalSince(clock), segments)
            }
            totalAudio += seconds
            totalWall += wall
            let file = (path as NSString).lastPathComponent
            let speakers = Set(segments.map(\.speaker)).count
            var line = String(format: "diarization  %@  %.1f s audio: %.2f s wall, %.1f× real time", file, seconds, wall, seconds / max(wall, 1e-9))
            line += String(format: " (segmentation %.2f s, %d chunks; embeddings %.2f s for %.1f s of windows;", profile.segmentation,
                           profile.chunks, profile.embeddings, profile.embeddedSeconds)
            line += String(format: " clustering %.3f s); %d speakers (closest centroids: cosine %.2f), %d segments", profile.clustering,
                           speakers, profile.closestSpeakers, segments.count)
            lines.append(line)
        }
        lines.append(String(format: "diarization total: %.1f s audio in %.2f s, %.1f× real time; peak memory %.0f MiB",
                            totalAudio, totalWall, totalAudio / max(totalWall, 1e-9), peakMemoryMiB(children: false)))
        return lines
    }

    /// The two ways to get each party's words from a stereo call, measured on calls with a reference
    /// (`REF/NAME.json` from scripts/make-demo.py: turns with role, times and text): transcribe each channel alone,
    /// or transcribe the mix once and give each word to the louder channel. Reports WER, the share of words given
    /// to the right party, and the engine time.
    static func stereo(_ paths: [String], references: String, workspace: Workspace) throws -> [String] {
        struct Reference: Decodable {
            struct Turn: Decodable {
                var role: String
                var start: Double
                var end: Double
            }
            var turns: [Turn]
            var text: String
        }
        let runtime = Runtime(workspace: workspace)
        let speech = runtime.speech
        defer { runtime.shutdown() }
        try speech.start()
        let analyzer = runtime.analyzer
        var lines: [String] = []
        var totals: [String: (errors: Int, words: Int, right: Int, counted: Int, wall: Double)] = [:]
        for path in paths {
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            guard let data = FileManager.default.contents(atPath: references + "/" + name + ".json") else {
                throw RuntimeError.cannotRead(path: references + "/" + name + ".json", detail: "no reference for \(name)")
            }
            let reference = try JSONDecoder().decode(Reference.self, from: data)
            let copy = try runtime.copies.make(from: path, label: "bench-stereo")
            defer { copy.remove() }
            let converted = copy.path
            let file = try SampleFile(path: converted)
            let request = TranscriptionRequest(audioPath: converted, language: "pl", prompt: workspace.config.speech.prompt)
            for strategy in ["channels", "energy"] {
                let clock = Date()
                let transcript: Transcript
                let speakers: [String]
                if strategy == "channels" {
                    (transcript, speakers) = try analyzer.transcribeChannels(file, converted: converted, request: request, speech: speech)
                } else {
                    transcript = try speech.transcribe(request)
                    speakers = CallAnalyzer.louderChannel(words: transcript.words, file: file)
                }
                let wall = Date().timeIntervalSince(clock)
                let wer = WordErrorRate(reference: reference.text, hypothesis: transcript.words.map(\.text).joined(separator: " "))
                // Left channel = KONSULTANT in the demo calls.
                var right = 0
                var counted = 0
                for (word, speaker) in zip(transcript.words, speakers) {
                    let middle = (word.start + word.end) / 2
                    guard let turn = reference.turns.first(where: { $0.start <= middle && middle <= $0.end }) else { continue }
                    counted += 1
                    if (speaker == "S1") == (turn.role == "KONSULTANT") { right += 1 }
                }
                let errors = wer.substitutions + wer.deletions + wer.insertions
                var total = totals[strategy] ?? (0, 0, 0, 0, 0)
                total = (total.errors + errors, total.words + wer.referenceWords, total.right + right, total.counted + counted, total.wall + wall)
                totals[strategy] = total
                lines.append(String(format: "stereo %-8@ %@: WER %.1f%%, words to the right party %d/%d (%.1f%%), engine %.1f s",
                                    strategy as NSString, name, wer.rate * 100, right, counted,
                                    Double(right) / Double(max(counted, 1)) * 100, wall))
            }
        }
        for strategy in ["channels", "energy"] {
            guard let t = totals[strategy] else { continue }
            lines.append(String(format: "stereo %-8@ total: WER %.1f%%, words to the right party %.1f%%, engine %.1f s",
                                strategy as NSString, Double(t.errors) / Double(max(t.words, 1)) * 100,
                                Double(t.right) / Double(max(t.counted, 1)) * 100, t.wall))
        }
        return lines
    }
}
