import Foundation
import SORAudio
import SORCore
import Testing
@testable import SORDiarization

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let sharedData = packageRoot + "/../shared/data"
let modelsDirectory = packageRoot + "/models/diarization"

func loadSamples(_ path: String) throws -> [Float] {
    let channels = try AudioConverter(rules: AudioRules(minDuration: 0, maxDuration: 100_000, silenceThresholdDB: -120)).samples(path)
    return channels[0]
}

@Suite("Diarizer")
struct DiarizerTests {
    @Test("one-to-one assignment leaves the extra local speaker out")
    func assignment() {
        let labels = SpeakerClustering.assign([[0.9, 0.1], [0.8, 0.7], [0.2, 0.3]], clusters: 2)
        #expect(labels == [0, 1, -1])
    }

    @Test("CAM++ embeddings of one AMI speaker are closer to each other than to the other speaker")
    func embeddings() throws {
        let model = try SpeakerEmbeddingModel(path: modelsDirectory + "/" + Diarizer.embeddingFile)
        let samples = try loadSamples(sharedData + "/pyannote-ami-debug/dev00.wav")
        // Single-speaker stretches of the reference (debug.development.rttm).
        let stretches: [(String, Double, Double)] = [
            ("A", 2.0, 5.0), ("A", 6.0, 9.0), ("A", 9.5, 12.5), ("B", 13.4, 16.8), ("A", 22.0, 23.0), ("B", 26.3, 28.2),
        ]
        let vectors = stretches.map { _, start, end in
            normalized(model.embedding(samples[Int(start * 16000)..<Int(end * 16000)]))
        }
        for (i, a) in vectors.enumerated() {
            print(stretches[i].0, vectors.map { String(format: "%.2f", dot(a, $0)) }.joined(separator: " "))
        }
        var same: [Float] = []
        var other: [Float] = []
        for i in vectors.indices {
            for j in vectors.indices where j > i {
                (stretches[i].0 == stretches[j].0 ? { same.append(dot(vectors[i], vectors[j])) } : { other.append(dot(vectors[i], vectors[j])) })()
            }
        }
        #expect(same.min()! > other.max()!)
    }
}

@Suite("Segmentation debug")
struct SegmentationDebug {
    @Test("print local speakers") func show() throws {
        let model = try SegmentationModel(path: modelsDirectory + "/" + Diarizer.segmentationFile)
        let samples = try loadSamples(ProcessInfo.processInfo.environment["SEG_FILE"] ?? (sharedData + "/pyannote-ami-debug/dev00.wav"))
        for start in [0, 80000, 160000, 240000, 320000] {
            let p = model.probabilities(samples[start..<(start + 160000)])
            var line = ""
            for f in stride(from: 0, to: 589, by: 10) {
                var best = 0
                for c in 0..<7 where p[f * 7 + c] > p[f * 7 + best] { best = c }
                line += String(best)
            }
            print(start / 16000, line)
            var probs = ""
            for f in stride(from: 0, to: 589, by: 20) {
                probs += (0..<7).map { String(format: "%.0f", p[f * 7 + $0] * 9) }.joined() + " "
            }
            print("  ", probs)
        }
    }
}
