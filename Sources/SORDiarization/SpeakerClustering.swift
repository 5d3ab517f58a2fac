import Foundation
import SORCore

/// Clustering of unit-length speaker embeddings by cosine similarity.
enum SpeakerClustering {
    /// Embedding windows (1.5 s every 0.75 s) a speaker needs: about 4 s of speech (in a short recording, 10% of
    /// its windows, at least 2).
    static let minClusterWindows = 5
    /// With a fixed number of speakers (a phone call's two parties) a cluster of one or two windows (under about 2 s
    /// of speech) is a stray; three are a party. A client who only answers "tak" a few times is still the other
    /// party: merged away as a stray, the consultant's voice was split in two instead (measured: 7.4% confusion on
    /// an 8 kHz call whose second party says three short sentences, 0% with this limit; AMI and demo unchanged).
    static let fixedCountMinWindows = 3

    /// Centroids (unit length) of the speakers among `vectors`: spherical k-means over-clusters, average-linkage
    /// merging brings the clusters down to `maxClusters` and, above `minClusters`, merges clusters more similar than
    /// `mergeSimilarity`; a final k-means pass settles the centroids.
    static func cluster(_ vectors: [[Float]], minClusters: Int, maxClusters: Int, mergeSimilarity: Float) -> [[Float]] {
        let maxClusters = max(1, min(maxClusters, vectors.count))
        let minClusters = max(1, min(minClusters, maxClusters))
        var generator = SeededGenerator(seed: 0x5EED)
        var centroids = kMeans(vectors, clusters: min(vectors.count, max(maxClusters, 12)), generator: &generator)
        var sizes = assignments(vectors, centroids).reduce(into: [Int](repeating: 0, count: centroids.count)) { $0[$1] += 1 }
        // Drop empty clusters, then merge the most similar pair until the count is right.
        var kept: [([Float], Int)] = zip(centroids, sizes).filter { $0.1 > 0 }.map { ($0.0, $0.1) }
        // A cluster of a few windows is not a speaker (a beep, a noise, two voices at once): it goes to its nearest
        // cluster first. Unlike everyone, it would otherwise outlive a real speaker in the similarity merging (two
        // real voices merged, the noise kept) or, with a range, count as one more speaker.
        let minSize = minClusters == maxClusters ? fixedCountMinWindows : min(minClusterWindows, max(2, vectors.count / 10))
        while kept.count > minClusters {
            let smallest = kept.indices.min { kept[$0].1 < kept[$1].1 }
            let stray = smallest.flatMap { kept[$0].1 < minSize ? $0 : nil }
            var best = (similarity: -Float.infinity, a: 0, b: 1)
            for a in 0..<kept.count {
                for b in (a + 1)..<kept.count where stray == nil || a == stray || b == stray {
                    let similarity = dot(kept[a].0, kept[b].0)
                    if similarity > best.similarity { best = (similarity, a, b) }
                }
            }
            if stray == nil, kept.count <= maxClusters, best.similarity < mergeSimilarity { break }
            let (a, b) = (kept[best.a], kept[best.b])
            let total = Float(a.1 + b.1)
            let merged = normalized(zip(a.0, b.0).map { ($0 * Float(a.1) + $1 * Float(b.1)) / total })
            kept[best.a] = (merged, a.1 + b.1)
            kept.remove(at: best.b)
        }
        centroids = kept.map(\.0)
        for _ in 0..<10 {
            let labels = assignments(vectors, centroids)
            var sums = [[Float]](repeating: [Float](repeating: 0, count: vectors[0].count), count: centroids.count)
            sizes = [Int](repeating: 0, count: centroids.count)
            for (vector, label) in zip(vectors, labels) {
                sizes[label] += 1
                for i in vector.indices { sums[label][i] += vector[i] }
            }
            centroids = zip(sums, centroids).enumerated().map { index, pair in sizes[index] > 0 ? normalized(pair.0) : pair.1 }
        }
        return centroids
    }

    static func assignments(_ vectors: [[Float]], _ centroids: [[Float]]) -> [Int] {
        vectors.map { vector in
            var best = 0
            var bestScore = -Float.infinity
            for (index, centroid) in centroids.enumerated() {
                let score = dot(vector, centroid)
                if score > bestScore { (best, bestScore) = (index, score) }
            }
            return best
        }
    }

    /// Spherical k-means with k-means++ seeding.
    static func kMeans(_ vectors: [[Float]], clusters: Int, generator: inout SeededGenerator) -> [[Float]] {
        guard clusters < vectors.count else { return vectors }
        var centroids = [vectors[Int(generator.next() % UInt64(vectors.count))]]
        while centroids.count < clusters {
            let distances = vectors.map { v in centroids.map { 1 - dot(v, $0) }.min() ?? 0 }.map { max($0, 0) }
            let total = distances.reduce(0, +)
            guard total > 0 else { break }
            var target = Float(Double(generator.next() % 1_000_000) / 1_000_000) * total
            var chosen = vectors.count - 1
            for (index, distance) in distances.enumerated() {
                target -= distance
                if target <= 0 { chosen = index; break }
            }
            centroids.append(vectors[chosen])
        }
        for _ in 0..<20 {
            let labels = assignments(vectors, centroids)
            var sums = [[Float]](repeating: [Float](repeating: 0, count: vectors[0].count), count: centroids.count)
            var counts = [Int](repeating: 0, count: centroids.count)
            for (vector, label) in zip(vectors, labels) {
                counts[label] += 1
                for i in vector.indices { sums[label][i] += vector[i] }
            }
            centroids = centroids.indices.map { counts[$0] > 0 ? normalized(sums[$0]) : centroids[$0] }
        }
        return centroids
    }
}

/// A small deterministic random generator (SplitMix64), so diarization gives the same answer every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
