import Foundation
import SORAudio
import SORCore
import Testing
@testable import SORDiarization

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let sharedData = packageRoot + "/../shared/data"
let modelsDirectory = packageRoot + "/models/diarization"

/// All samples of a 16 kHz file (the shared test recordings are 16 kHz already).
func loadSamples(_ path: String) throws -> [Float] {
    let file = try SampleFile(path: path)
    #expect(file.sampleRate == 16_000)
    return file.samples(0..<file.frames)
}

@Suite("Diarizer")
struct DiarizerTests {
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
        var same: [Float] = []
        var other: [Float] = []
        for i in vectors.indices {
            for j in vectors.indices where j > i {
                let similarity = dot(vectors[i], vectors[j])
                if stretches[i].0 == stretches[j].0 { same.append(similarity) } else { other.append(similarity) }
            }
        }
        #expect(same.min()! > other.max()!)
        #expect(same.min()! > 0.2 && other.max()! < 0.2, "same speaker \(same), different speakers \(other)")
    }

    @Test("embeddings computed side by side in a batch equal those computed one at a time")
    func batch() throws {
        let model = try SpeakerEmbeddingModel(path: modelsDirectory + "/" + Diarizer.embeddingFile)
        let samples = try loadSamples(sharedData + "/pyannote-ami-debug/dev00.wav")
        // Different lengths, one too short for any frame.
        let stretches = [samples[32_000..<56_000], samples[100_000..<180_000], samples[200_000..<200_100], samples[300_000..<317_000]]
        let together = model.embeddings(Array(stretches))
        for (stretch, batched) in zip(stretches, together) {
            let alone = model.embedding(stretch)
            #expect(alone.count == SpeakerEmbeddingModel.dimension && batched.count == alone.count)
            let difference = zip(alone, batched).map { abs($0 - $1) }.max() ?? 1
            #expect(difference < 1e-3, "largest difference \(difference)")
        }
    }

    @Test("the segmentation network tells two different voices apart within one chunk, and silence from speech")
    func segmentation() throws {
        let model = try SegmentationModel(path: modelsDirectory + "/" + Diarizer.segmentationFile)
        // 5 s of J.F. Kennedy, then 5 s of a LibriVox reader.
        let jfk = try loadSamples(sharedData + "/jfk-en/jfk.wav")
        let reader = try loadSamples(sharedData + "/pocketsphinx-librivox-en/librivox/sense_and_sensibility_01_austen_64kb-0870.wav")
        let chunk = Array(jfk[16_000..<96_000]) + Array(reader[0..<80_000])
        let p = model.probabilities(chunk[...])
        func speakers(_ frames: Range<Int>) -> [Int: Int] {
            var counts: [Int: Int] = [:]
            for f in frames {
                let row = Array(p[(f * 7)..<(f * 7 + 7)])
                let best = row.indices.max { row[$0] < row[$1] } ?? 0
                counts[best, default: 0] += 1
            }
            return counts
        }
        // Frames well inside each half (one frame per 270 samples).
        let first = speakers(30..<250)
        let second = speakers(340..<560)
        let firstSpeaker = first.filter { $0.key != 0 }.max { $0.value < $1.value }?.key
        let secondSpeaker = second.filter { $0.key != 0 }.max { $0.value < $1.value }?.key
        #expect(firstSpeaker != nil && secondSpeaker != nil && firstSpeaker != secondSpeaker, "\(first) \(second)")
        // Digital silence is no one.
        let silent = model.probabilities([Float](repeating: 0, count: SegmentationModel.chunkSamples)[...])
        let silentFrames = (0..<SegmentationModel.framesPerChunk).filter { f in silent[f * 7] > 0.5 }.count
        #expect(silentFrames > SegmentationModel.framesPerChunk * 9 / 10)
    }

    @Test("voice activity on AMI dev00 covers the reference speech and little else")
    func voiceActivity() throws {
        let diarizer = try Diarizer(modelsDirectory: modelsDirectory)
        let samples = try loadSamples(sharedData + "/pyannote-ami-debug/dev00.wav")
        let spans = diarizer.voiceActivity(samples)
        let reference = try RTTM.parse(
            String(contentsOfFile: sharedData + "/pyannote-ami-debug/debug.development.rttm", encoding: .utf8))["dev00"] ?? []
        // 10 ms grid.
        func grid(_ items: [(Double, Double)]) -> Set<Int> {
            Set(items.flatMap { Int($0.0 * 100)..<Int($0.1 * 100) })
        }
        let speech = grid(reference.map { ($0.start, $0.end) })
        let found = grid(spans.map { ($0.start, $0.end) })
        let recall = Double(speech.intersection(found).count) / Double(speech.count)
        let falseAlarm = Double(found.subtracting(speech).count) / Double(speech.count)
        #expect(recall > 0.9 && falseAlarm < 0.1, "recall \(recall), false alarm \(falseAlarm)")
    }

    @Test("clustering finds two well-separated groups and honours a speaker range")
    func clustering() {
        var generator = SeededGenerator(seed: 7)
        func noisy(_ base: [Float]) -> [Float] {
            normalized(base.map { $0 + Float(Double(generator.next() % 1000) / 1000 - 0.5) * 0.3 })
        }
        let a = [Float](repeating: 0, count: 8).enumerated().map { $0.offset < 4 ? Float(1) : 0 }
        let b = [Float](repeating: 0, count: 8).enumerated().map { $0.offset >= 4 ? Float(1) : 0 }
        let vectors = (0..<20).map { noisy($0 % 3 == 0 ? b : a) }
        let two = SpeakerClustering.cluster(vectors, minClusters: 2, maxClusters: 2, mergeSimilarity: 0.5)
        let labels = SpeakerClustering.assignments(vectors, two)
        for (index, label) in labels.enumerated() {
            #expect(label == labels[index % 3 == 0 ? 0 : 1], "vector \(index)")
        }
        #expect(labels[0] != labels[1])
        // Allowed 1…4 speakers, two groups: two clusters survive the merging.
        #expect(SpeakerClustering.cluster(vectors, minClusters: 1, maxClusters: 4, mergeSimilarity: 0.5).count == 2)
        // Allowed 1…4, one group: one cluster.
        let one = (0..<12).map { _ in noisy(a) }
        #expect(SpeakerClustering.cluster(one, minClusters: 1, maxClusters: 4, mergeSimilarity: 0.5).count == 1)
    }

    @Test("a few stray windows unlike everyone (a noise) are neither one more speaker nor kept in place of a real one")
    func strayWindows() {
        var generator = SeededGenerator(seed: 11)
        func noisy(_ base: [Float]) -> [Float] {
            normalized(base.map { $0 + Float(Double(generator.next() % 1000) / 1000 - 0.5) * 0.3 })
        }
        func axis(_ range: Range<Int>) -> [Float] { (0..<12).map { range.contains($0) ? 1 : 0 } }
        let speakers = [axis(0..<4), axis(4..<8)]
        let stray = axis(8..<12)
        let strays = SpeakerClustering.minClusterWindows - 1
        let vectors = (0..<120).map { noisy(speakers[$0 % 2]) } + (0..<strays).map { _ in noisy(stray) }
        #expect(SpeakerClustering.cluster(vectors, minClusters: 2, maxClusters: 4, mergeSimilarity: 0.5).count == 2)
        // As many windows as a speaker needs: a third speaker.
        let third = vectors + [noisy(stray)]
        #expect(SpeakerClustering.cluster(third, minClusters: 2, maxClusters: 4, mergeSimilarity: 0.5).count == 3)
        let fewer = Array(vectors.prefix(120)) + (0..<(SpeakerClustering.fixedCountMinWindows - 1)).map { _ in noisy(stray) }
        let fixed = SpeakerClustering.cluster(fewer, minClusters: 2, maxClusters: 2, mergeSimilarity: 0.5)
        #expect(Set(SpeakerClustering.assignments(Array(vectors.prefix(120)), fixed)).count == 2, "two speakers: the noise is not one of them")
    }
}
