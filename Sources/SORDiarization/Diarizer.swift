import Foundation
import SORCore

/// Audio the diarizer reads a stretch at a time (16 kHz mono, −1…1), so long calls need not sit in memory.
public protocol SampleSource: Sendable {
    /// Samples in all.
    var count: Int { get }
    /// The samples of `range`, clipped to `0..<count`.
    func samples(_ range: Range<Int>) -> [Float]
}

extension Array: SampleSource where Element == Float {
    public func samples(_ range: Range<Int>) -> [Float] {
        let lower = Swift.max(0, Swift.min(range.lowerBound, count))
        return Array(self[lower..<Swift.max(lower, Swift.min(count, range.upperBound))])
    }
}

/// Settings of mono diarization (`diarization:` in `sor.yaml`).
public struct DiarizerSettings: Sendable, Equatable {
    /// Speakers expected: two for a phone call; a range for conference calls.
    public var minSpeakers: Int
    public var maxSpeakers: Int
    /// Seconds between two 10-second segmentation chunks (smaller: more accurate, slower).
    public var chunkStep: Double
    /// With a range of speakers: two clusters whose centroids are at least this similar (cosine) are one speaker.
    public var mergeSimilarity: Double
    /// Threads for the networks: chunks and embedding windows run in parallel, one BLAS thread each.
    public var threads: Int
    /// Speech probability above which speech starts, and below which it ends.
    public var onset: Float = 0.6
    public var offset: Float = 0.5
    /// Pauses shorter than this (seconds) do not split speech; speech shorter than `minSpeech` is dropped.
    public var minSilence: Double = 0.1
    public var minSpeech: Double = 0.1
    /// Embedding windows: length and step in seconds.
    public var window: Double = 1.5
    public var windowStep: Double = 0.75
    /// Pauses of one speaker shorter than this (seconds) are filled: a turn with a breath in it is one turn.
    public var fillGap: Double = 1.0
    /// Overlap probability above which a frame gets a second speaker.
    public var overlapThreshold: Float = 0.5
    /// Seconds a recorded announcement before the answer must last to be told apart as its own speaker; 0: never.
    public var announcementMinimum: Double = 3

    public init(
        minSpeakers: Int = 2, maxSpeakers: Int = 2, chunkStep: Double = 10,
        mergeSimilarity: Double = 0.5, threads: Int = 2
    ) {
        self.minSpeakers = minSpeakers
        self.maxSpeakers = maxSpeakers
        self.chunkStep = chunkStep
        self.mergeSimilarity = mergeSimilarity
        self.threads = threads
    }
}

/// Who spoke when in a mono recording. The segmentation network (pyannote segmentation-3.0) gives, frame by frame
/// over 10-second chunks, the probability of speech and of two voices at once; CAM++ embeds 1.5-second windows of
/// the speech every 0.75 s; the windows are clustered into the call's speakers; each speech frame goes to the
/// speaker its windows favour, overlapping frames also to the runner-up; a speaker's short pauses are filled.
/// (pyannote's own recipe, local speakers per chunk matched to clusters, was measured worse here: the network kept
/// two voices of one chunk as one local speaker on AMI and on the demo calls.)
public struct Diarizer: Sendable {
    public static let segmentationFile = "segmentation-3.0.sorw"
    public static let embeddingFile = "campplus.sorw"
    /// Embedding windows computed together.
    static let embeddingBatch = 8

    public let settings: DiarizerSettings
    private let segmentation: SegmentationModel
    private let embedding: SpeakerEmbeddingModel

    /// Loads both models from `directory` (made by scripts/setup-diarization.sh).
    public init(modelsDirectory directory: String, settings: DiarizerSettings = DiarizerSettings()) throws {
        self.settings = settings
        segmentation = try SegmentationModel(path: directory + "/" + Self.segmentationFile)
        embedding = try SpeakerEmbeddingModel(path: directory + "/" + Self.embeddingFile)
        // Parallel over windows and chunks, one BLAS thread each: the matrices are too small for BLAS threads.
        BLAS.setThreads(1)
    }

    /// Timings of the last run's stages, for the benchmark.
    public struct Profile: Sendable {
        public var segmentation: Double = 0
        public var embeddings: Double = 0
        public var clustering: Double = 0
        public var chunks = 0
        public var embeddedSeconds: Double = 0
        /// The highest cosine similarity between two speakers' centroids (how alike the closest two voices are).
        public var closestSpeakers: Float = -1

        public init() {}
    }

    /// Speaker segments of `samples` (16 kHz mono, −1…1), labelled S1, S2, … in order of first appearance.
    public func diarize(_ samples: some SampleSource) -> [SpeakerSegment] {
        var profile = Profile()
        return diarize(samples, profile: &profile)
    }

    public func diarize(_ samples: some SampleSource, profile: inout Profile) -> [SpeakerSegment] {
        guard samples.count >= SegmentationModel.sampleRate / 2 else { return [] }
        let frameStep = SegmentationModel.frameStep
        let globalFrames = (samples.count + frameStep - 1) / frameStep + 1
        let frameSeconds = Double(frameStep) / Double(SegmentationModel.sampleRate)
        let (regions, overlap) = speechFrames(samples, profile: &profile)
        var clock = ContinuousClock.now
        guard !regions.isEmpty else { return [] }

        // 3. Embedding windows over the speech regions (the last one aligned to the region's end).
        let windowFrames = max(1, Int(settings.window / frameSeconds))
        let stepFrames = max(1, Int(settings.windowStep / frameSeconds))
        var windows: [Range<Int>] = []
        for region in regions {
            if region.count <= windowFrames {
                windows.append(region)
                continue
            }
            var first = region.lowerBound
            while first + windowFrames < region.upperBound {
                windows.append(first..<(first + windowFrames))
                first += stepFrames
            }
            windows.append((region.upperBound - windowFrames)..<region.upperBound)
        }
        let slices: [Range<Int>] = windows.map { frames in
            let from = min(samples.count, Self.sample(ofFrame: frames.lowerBound))
            let to = min(samples.count, max(from + SegmentationModel.sampleRate / 4, Self.sample(ofFrame: frames.upperBound)))
            return max(0, to - max(to - from, SegmentationModel.sampleRate / 4))..<to
        }
        profile.embeddedSeconds = Double(slices.map(\.count).reduce(0, +)) / Double(SegmentationModel.sampleRate)
        // Batches of windows share the D-TDNN's matrix products; the batches run in parallel.
        let batches = stride(from: 0, to: slices.count, by: Self.embeddingBatch).map {
            Array(slices[$0..<min($0 + Self.embeddingBatch, slices.count)])
        }
        let vectors = parallelMap(batches) { batch in
            embedding.embeddings(batch.map { samples.samples($0)[...] }).map(normalized)
        }.flatMap { $0 }
        profile.embeddings = seconds(since: &clock)

        // 4. Cluster the windows into the call's speakers; a recorded announcement before anyone answers is
        //    found first and kept apart, its own speaker.
        let leading = announcementWindows(vectors, windows: windows, frameSeconds: frameSeconds)
        let centroids = SpeakerClustering.cluster(
            Array(vectors[leading...]), minClusters: settings.minSpeakers, maxClusters: settings.maxSpeakers,
            mergeSimilarity: Float(settings.mergeSimilarity))
        // The announcement, when there is one, is the last speaker: its windows vote for it alone.
        let speakers = centroids.count + (leading > 0 ? 1 : 0)
        let scores = vectors.enumerated().map { index, v -> [Float] in
            guard leading > 0 else { return centroids.map { dot(v, $0) } }
            return index < leading ? centroids.map { _ in -1 } + [1] : centroids.map { dot(v, $0) } + [-1]
        }
        for a in centroids.indices {
            for b in centroids.indices where b > a { profile.closestSpeakers = max(profile.closestSpeakers, dot(centroids[a], centroids[b])) }
        }
        profile.clustering = seconds(since: &clock)

        // 5. Each speech frame: the speaker that the windows covering it favour (scores summed, the nearer a
        //    window's centre the more it counts); where the segmentation hears two voices, the runner-up too.
        var labels = [[Bool]](repeating: [Bool](repeating: false, count: speakers), count: globalFrames)
        var votes = [Float](repeating: 0, count: globalFrames * speakers)
        for (index, frames) in windows.enumerated() {
            let middle = Float(frames.lowerBound + frames.upperBound) / 2
            let half = Float(max(frames.count, 1)) / 2
            for g in frames {
                let closeness = 1.0 - min(abs(Float(g) + 0.5 - middle) / (half + 1), 1) * 0.9
                for k in 0..<speakers { votes[g * speakers + k] += (scores[index][k] + 1) * closeness }
            }
        }
        for region in regions {
            for g in region {
                let ranked = (0..<speakers).sorted { votes[g * speakers + $0] > votes[g * speakers + $1] }
                guard let top = ranked.first, votes[g * speakers + top] > 0 else { continue }
                labels[g][top] = true
                if ranked.count > 1, overlap[g] > settings.overlapThreshold { labels[g][ranked[1]] = true }
            }
        }

        // 6. Frames to segments.
        var segments: [SpeakerSegment] = []
        for k in 0..<speakers {
            var runStart: Int?
            for g in 0...globalFrames {
                let on = g < globalFrames && labels[g][k]
                if on, runStart == nil { runStart = g }
                if !on, let first = runStart {
                    let (start, end) = Self.seconds(ofFrames: first..<g, samples: samples.count)
                    let name = leading > 0 && k == speakers - 1 ? SpeakerSegment.announcement : "\(k)"
                    if end > start { segments.append(SpeakerSegment(speaker: name, start: start, end: end)) }
                    runStart = nil
                }
            }
        }
        return Self.relabelled(Self.filled(segments, gap: settings.fillGap))
    }

    /// Joins each speaker's segments that are less than `gap` seconds apart. A listener's short interjection in
    /// that pause then counts as overlap, as in AMI's references and in conversation analysis.
    static func filled(_ segments: [SpeakerSegment], gap: Double) -> [SpeakerSegment] {
        var out: [SpeakerSegment] = []
        for speaker in Set(segments.map(\.speaker)).sorted() {
            for segment in segments.filter({ $0.speaker == speaker }).sorted(by: { $0.start < $1.start }) {
                if let last = out.last, last.speaker == speaker, segment.start - last.end < gap {
                    out[out.count - 1].end = max(last.end, segment.end)
                } else {
                    out.append(segment)
                }
            }
        }
        return out
    }

    /// Speech regions (in frames) and the overlap probability of every frame.
    private func speechFrames(_ samples: some SampleSource, profile: inout Profile) -> (regions: [Range<Int>], overlap: [Float]) {
        let chunkSamples = SegmentationModel.chunkSamples
        let frameStep = SegmentationModel.frameStep
        let framesPerChunk = SegmentationModel.framesPerChunk
        // 1. Speech and overlap per frame: the segmentation's powerset probabilities, averaged over the
        //    overlapping chunks with a Hamming window so that each chunk's edges count less.
        let step = max(frameStep, Int(settings.chunkStep * Double(SegmentationModel.sampleRate)) / frameStep * frameStep)
        var starts = Array(stride(from: 0, to: max(samples.count - chunkSamples, 0) + 1, by: step))
        if let last = starts.last, last + chunkSamples < samples.count {
            starts.append((samples.count - chunkSamples + frameStep - 1) / frameStep * frameStep)
        }
        let globalFrames = (samples.count + frameStep - 1) / frameStep + 1
        var speech = [Float](repeating: 0, count: globalFrames)
        var overlap = [Float](repeating: 0, count: globalFrames)
        var weight = [Float](repeating: 0, count: globalFrames)
        let window: [Float] = (0..<framesPerChunk).map { f in
            let phase = 2 * Double.pi * (Double(f) + 0.5) / Double(framesPerChunk)
            return Float(0.54 - 0.46 * cos(phase))
        }
        var clock = ContinuousClock.now
        let probabilities = parallelMap(starts) { start -> [Float] in
            var chunk = samples.samples(start..<min(start + chunkSamples, samples.count))[...]
            if chunk.count < chunkSamples {
                chunk = ArraySlice(Array(chunk) + [Float](repeating: 0, count: chunkSamples - chunk.count))
            }
            return segmentation.probabilities(chunk)
        }
        for (start, p) in zip(starts, probabilities) {
            let offset = start / frameStep
            for f in 0..<framesPerChunk {
                let g = offset + f
                guard g < globalFrames, start + f * frameStep < samples.count else { break }
                let row = f * SegmentationModel.classes
                weight[g] += window[f]
                speech[g] += (1 - p[row]) * window[f]
                overlap[g] += (p[row + 4] + p[row + 5] + p[row + 6]) * window[f]
            }
        }
        for g in 0..<globalFrames where weight[g] > 0 {
            speech[g] /= weight[g]
            overlap[g] /= weight[g]
        }
        profile.segmentation = seconds(since: &clock)
        profile.chunks = starts.count

        // 2. Speech regions: hysteresis, short gaps bridged, crumbs dropped.
        let frameSeconds = Double(frameStep) / Double(SegmentationModel.sampleRate)
        var regions: [Range<Int>] = []
        var open: Int?
        for g in 0...globalFrames {
            let value = g < globalFrames ? speech[g] : 0
            if open == nil, value > settings.onset { open = g }
            if let first = open, value < settings.offset {
                regions.append(first..<g)
                open = nil
            }
        }
        let bridge = Int(settings.minSilence / frameSeconds)
        var merged: [Range<Int>] = []
        for region in regions {
            if let last = merged.last, region.lowerBound - last.upperBound <= bridge {
                merged[merged.count - 1] = last.lowerBound..<region.upperBound
            } else {
                merged.append(region)
            }
        }
        regions = merged.filter { Double($0.count) * frameSeconds >= settings.minSpeech }

        return (regions, overlap)
    }

    /// Where anyone speaks in `samples` (16 kHz mono): the segmentation's voice activity, pauses under
    /// `fillGap` bridged. Used per channel for stereo calls.
    public func voiceActivity(_ samples: some SampleSource) -> [Span] {
        guard samples.count >= SegmentationModel.sampleRate / 2 else { return [] }
        var profile = Profile()
        let spans = speechFrames(samples, profile: &profile).regions.map { frames in
            let (start, end) = Self.seconds(ofFrames: frames, samples: samples.count)
            return SpeakerSegment(speaker: "0", start: start, end: end)
        }
        return Self.filled(spans, gap: settings.fillGap).map { Span(start: $0.start, end: $0.end) }
    }

    /// How many of the first embedding windows are a recorded announcement (an IVR menu, the recording notice)
    /// played before anyone answers; 0 when there is none. Clustered into one speaker more than the call has, the
    /// windows show an announcement as a cluster that holds only the first windows, lasts at least
    /// `announcementMinimum` seconds, is followed by at least as much speech of others, and is unlike each of them.
    func announcementWindows(_ vectors: [[Float]], windows: [Range<Int>], frameSeconds: Double) -> Int {
        guard settings.announcementMinimum > 0, vectors.count >= 8 else { return 0 }
        let extra = settings.maxSpeakers + 1
        let centroids = SpeakerClustering.cluster(vectors, minClusters: extra, maxClusters: extra, mergeSimilarity: 1)
        let labels = SpeakerClustering.assignments(vectors, centroids)
        let first = labels[0]
        let run = labels.firstIndex { $0 != first } ?? labels.count
        guard run < labels.count, !labels[run...].contains(first) else { return 0 }
        let seconds = Double(windows[run - 1].upperBound - windows[0].lowerBound) * frameSeconds
        let rest = Double(windows[labels.count - 1].upperBound - windows[run].lowerBound) * frameSeconds
        let likeness = centroids.indices.filter { $0 != first }.map { dot(centroids[first], centroids[$0]) }.max() ?? 1
        guard seconds >= settings.announcementMinimum, rest >= settings.announcementMinimum,
            likeness < Float(settings.mergeSimilarity) else { return 0 }
        return run
    }

    /// The first sample a segmentation frame stands for: each frame stands for its 270 samples around the centre
    /// of its receptive field.
    static func sample(ofFrame frame: Int) -> Int {
        frame * SegmentationModel.frameStep + SegmentationModel.frameSize / 2 - SegmentationModel.frameStep / 2
    }

    /// The time span of consecutive frames, within a recording of `samples` samples.
    static func seconds(ofFrames frames: Range<Int>, samples: Int) -> (start: Double, end: Double) {
        let rate = Double(SegmentationModel.sampleRate)
        return (max(0, Double(sample(ofFrame: frames.lowerBound)) / rate),
                min(Double(samples) / rate, Double(sample(ofFrame: frames.upperBound)) / rate))
    }

    /// Names speakers S1, S2, … in order of their first speech (an announcement keeps its name).
    static func relabelled(_ segments: [SpeakerSegment]) -> [SpeakerSegment] {
        let sorted = segments.sorted { ($0.start, $0.speaker) < ($1.start, $1.speaker) }
        var names: [String: String] = [SpeakerSegment.announcement: SpeakerSegment.announcement]
        return sorted.map { segment in
            var segment = segment
            if names[segment.speaker] == nil { names[segment.speaker] = "S\(names.count)" }
            segment.speaker = names[segment.speaker] ?? segment.speaker
            return segment
        }
    }

    private func seconds(since clock: inout ContinuousClock.Instant) -> Double {
        let now = ContinuousClock.now
        let elapsed = now - clock
        clock = now
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

func dot(_ a: [Float], _ b: [Float]) -> Float {
    var sum: Float = 0
    for i in 0..<min(a.count, b.count) { sum += a[i] * b[i] }
    return sum
}

func normalized(_ v: [Float]) -> [Float] {
    let norm = dot(v, v).squareRoot()
    return norm > 0 ? v.map { $0 / norm } : v
}

extension Diarizer {
    /// `transform` over `items` on `settings.threads` threads, results in order.
    func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let threads = max(1, min(settings.threads, items.count))
        guard threads > 1 else { return items.map(transform) }
        let results = ResultSlots<R>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            var index = worker
            while index < items.count {
                results.set(index, transform(items[index]))
                index += threads
            }
        }
        return results.values()
    }
}

/// Slots written by distinct workers at distinct indices, read once all are done.
private final class ResultSlots<R>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<R?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ index: Int, _ value: R) { slots[index] = value }

    func values() -> [R] { slots.compactMap { $0 } }
}
