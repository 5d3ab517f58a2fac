import Foundation

/// A problem in an RTTM or UEM file, located like a compiler message.
public enum RTTMError: Error, Equatable, LocalizedError {
    /// Line `line` (1-based) of `source` is not a valid SPEAKER record; `reason` says what is wrong.
    case malformedLine(source: String, line: Int, reason: String)
    /// Line `line` of the UEM file `source` is not `<file> <channel> <start> <end>`.
    case malformedUEMLine(source: String, line: Int, reason: String)

    public var errorDescription: String? {
        switch self {
        case .malformedLine(let source, let line, let reason):
            "\(source):\(line): error: \(reason); expected SPEAKER <file> <channel> <start> <duration> <NA> <NA> "
                + "<speaker> <NA> <NA>"
        case .malformedUEMLine(let source, let line, let reason):
            "\(source):\(line): error: \(reason); expected <file> <channel> <start> <end> (seconds)"
        }
    }
}

/// NIST UEM files: the stretches of each recording that are scored (the rest was not annotated).
public enum UEM {
    /// The scored stretches by file id. Blank lines and `;;` comments are skipped.
    public static func parse(_ text: String, source: String = "uem") throws(RTTMError) -> [String: [Span]] {
        var files: [String: [Span]] = [:]
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = fields.first, !first.hasPrefix(";;") else { continue }
            func fail(_ reason: String) -> RTTMError { .malformedUEMLine(source: source, line: offset + 1, reason: reason) }
            guard fields.count >= 4 else { throw fail("a line needs 4 fields, found \(fields.count)") }
            guard let start = Double(fields[2]), let end = Double(fields[3]), start.isFinite, end.isFinite else {
                throw fail("start '\(fields[2])' or end '\(fields[3])' is not a number")
            }
            guard start >= 0, end > start else { throw fail("the stretch \(fields[2])…\(fields[3]) is empty or negative") }
            files[String(first), default: []].append(Span(start: start, end: end))
        }
        return files
    }
}

/// NIST Rich Transcription Time Marked files, the exchange format of diarization references and systems.
public enum RTTM {
    /// The SPEAKER records of an RTTM text, by file id, each file's segments in the order they appear.
    /// Blank lines, `;;` comments and other record types (SPKR-INFO, LEXEME…) are skipped. A SPEAKER line with fewer
    /// than eight fields, a start or duration that is not a number, or a negative one is an error; `source` names
    /// the text in the error message.
    public static func parse(_ text: String, source: String = "rttm") throws(RTTMError) -> [String: [SpeakerSegment]] {
        var files: [String: [SpeakerSegment]] = [:]
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard fields.first == "SPEAKER" else { continue }
            func fail(_ reason: String) -> RTTMError { .malformedLine(source: source, line: offset + 1, reason: reason) }
            guard fields.count >= 8 else { throw fail("a SPEAKER line needs at least 8 fields, found \(fields.count)") }
            guard let start = Double(fields[3]), start.isFinite else { throw fail("start '\(fields[3])' is not a number") }
            guard let duration = Double(fields[4]), duration.isFinite else {
                throw fail("duration '\(fields[4])' is not a number")
            }
            guard start >= 0 else { throw fail("start \(fields[3]) is negative") }
            guard duration >= 0 else { throw fail("duration \(fields[4]) is negative") }
            files[String(fields[1]), default: []].append(
                SpeakerSegment(speaker: String(fields[7]), start: start, end: start + duration))
        }
        return files
    }

    /// SPEAKER records of one file, in time order, times to the millisecond, channel 1. Whitespace in the file id
    /// or a speaker name would split the field, so it becomes `_`.
    public static func format(file: String, segments: [SpeakerSegment]) -> String {
        func field(_ value: String) -> String {
            let cleaned = value.split(whereSeparator: \.isWhitespace).joined(separator: "_")
            return cleaned.isEmpty ? "<NA>" : cleaned
        }
        return segments.enumerated()
            .sorted { ($0.element.start, $0.element.end, $0.offset) < ($1.element.start, $1.element.end, $1.offset) }
            .map { _, segment in
                let start = String(format: "%.3f", segment.start)
                let duration = String(format: "%.3f", max(0, segment.end - segment.start))
                return "SPEAKER \(field(file)) 1 \(start) \(duration) <NA> <NA> \(field(segment.speaker)) <NA> <NA>\n"
            }.joined()
    }
}

/// How far a diarization is from a reference, scored the way NIST's md-eval does it.
public struct DERResult: Codable, Sendable, Equatable {
    /// Seconds of reference speech scored; overlapped speech counts once per speaker.
    public var scored: Double
    /// Reference speech with no hypothesis speaker for it.
    public var missed: Double
    /// Hypothesis speech with no reference speaker for it.
    public var falseAlarm: Double
    /// Speech given to the wrong speaker under the optimal mapping.
    public var confusion: Double
    /// (missed + falseAlarm + confusion) / scored; 0 when nothing was scored and nothing was said, 1 when nothing
    /// was scored but the hypothesis has speech.
    public var der: Double
    public var missedFraction: Double
    public var falseAlarmFraction: Double
    public var confusionFraction: Double
    /// Reference speaker → the hypothesis speaker mapped to it; speakers left unmapped (or mapped without any
    /// shared time) are absent.
    public var mapping: [String: String]

    public init(scored: Double, missed: Double, falseAlarm: Double, confusion: Double, mapping: [String: String]) {
        self.scored = scored
        self.missed = missed
        self.falseAlarm = falseAlarm
        self.confusion = confusion
        self.mapping = mapping
        let errors = missed + falseAlarm + confusion
        func fraction(_ part: Double) -> Double { scored > 0 ? part / scored : (part > 0 ? 1 : 0) }
        self.der = fraction(errors)
        self.missedFraction = fraction(missed)
        self.falseAlarmFraction = fraction(falseAlarm)
        self.confusionFraction = fraction(confusion)
    }
}

/// Diarization error rate (DER), as NIST md-eval computes it with overlapped speech scored.
///
/// Time is cut into elementary intervals at every segment, collar and region boundary. In each interval with
/// `nRef` reference and `nHyp` hypothesis speakers active, missed speech is `max(0, nRef − nHyp)`, false alarm
/// `max(0, nHyp − nRef)` and confusion `min(nRef, nHyp)` minus the reference speakers whose mapped hypothesis
/// speaker is also active, all times the interval's length. The mapping is one-to-one, reference to hypothesis,
/// and maximises the time they share (Hungarian algorithm), computed over the scored time only.
public enum DiarizationError {
    /// Scores `hypothesis` against `reference`.
    ///
    /// - Parameters:
    ///   - collar: seconds either side of every reference segment boundary (start and end) left out of scoring,
    ///     as md-eval's `-c` (pyannote's `collar` is the total width, twice this). 0 scores everything.
    ///   - scoredRegions: only these stretches are scored (a UEM); nil scores all time.
    public static func compute(
        reference: [SpeakerSegment], hypothesis: [SpeakerSegment], collar: Double = 0.25, scoredRegions: [Span]? = nil
    ) -> DERResult {
        // Integer microseconds: RTTM times are milliseconds, and sums of them in binary floating point leave slivers
        // (1.440 + 11.872 ≠ 13.312) that would count as tiny errors.
        func micro(_ seconds: Double) -> Int { Int((seconds * 1_000_000).rounded()) }
        let refNames = Array(Set(reference.map(\.speaker))).sorted()
        let hypNames = Array(Set(hypothesis.map(\.speaker))).sorted()
        let refIndex = Dictionary(uniqueKeysWithValues: refNames.enumerated().map { ($1, $0) })
        let hypIndex = Dictionary(uniqueKeysWithValues: hypNames.enumerated().map { ($1, $0) })

        // Each side's speech as (time, speaker, +1 at a start / −1 at an end) events.
        func events(_ segments: [SpeakerSegment], _ index: [String: Int]) -> [(time: Int, speaker: Int, delta: Int)] {
            segments.flatMap { segment -> [(time: Int, speaker: Int, delta: Int)] in
                guard let speaker = index[segment.speaker], segment.end > segment.start else { return [] }
                return [(micro(segment.start), speaker, 1), (micro(segment.end), speaker, -1)]
            }.sorted { $0.time < $1.time }
        }
        let refEvents = events(reference, refIndex)
        let hypEvents = events(hypothesis, hypIndex)

        let width = micro(max(0, collar))
        let noScore = width > 0
            ? union(reference.flatMap { [micro($0.start), micro($0.end)] }.map { ($0 - width, $0 + width) }) : []
        let regions = scoredRegions.map { spans in union(spans.map { (micro($0.start), micro($0.end)) }) }

        var boundaries = Set(refEvents.map(\.time) + hypEvents.map(\.time))
        for (start, end) in noScore { boundaries.formUnion([start, end]) }
        for (start, end) in regions ?? [] { boundaries.formUnion([start, end]) }
        let times = boundaries.sorted()

        // Scored intervals with the speakers active in each.
        var intervals: [(length: Int, ref: [Int], hyp: [Int])] = []
        var refActive = [Int](repeating: 0, count: refNames.count)
        var hypActive = [Int](repeating: 0, count: hypNames.count)
        var refNext = 0, hypNext = 0, zone = 0, scoredZone = 0
        for (start, end) in zip(times, times.dropFirst()) {
            while refNext < refEvents.count, refEvents[refNext].time <= start {
                refActive[refEvents[refNext].speaker] += refEvents[refNext].delta
                refNext += 1
            }
            while hypNext < hypEvents.count, hypEvents[hypNext].time <= start {
                hypActive[hypEvents[hypNext].speaker] += hypEvents[hypNext].delta
                hypNext += 1
            }
            while zone < noScore.count, noScore[zone].1 <= start { zone += 1 }
            let inCollar = zone < noScore.count && noScore[zone].0 <= start
            var inRegion = true
            if let regions {
                while scoredZone < regions.count, regions[scoredZone].1 <= start { scoredZone += 1 }
                inRegion = scoredZone < regions.count && regions[scoredZone].0 <= start
            }
            guard !inCollar, inRegion else { continue }
            // A speaker's own overlapping segments count once.
            let ref = refActive.indices.filter { refActive[$0] > 0 }
            let hyp = hypActive.indices.filter { hypActive[$0] > 0 }
            if !ref.isEmpty || !hyp.isEmpty { intervals.append((end - start, ref, hyp)) }
        }

        var shared = [[Int]](repeating: [Int](repeating: 0, count: hypNames.count), count: refNames.count)
        for interval in intervals {
            for r in interval.ref { for h in interval.hyp { shared[r][h] += interval.length } }
        }
        let assignment = maximumAssignment(shared)

        var scored = 0, missed = 0, falseAlarm = 0, confusion = 0
        for interval in intervals {
            let nRef = interval.ref.count, nHyp = interval.hyp.count
            let correct = interval.ref.filter { r in assignment[r].map { interval.hyp.contains($0) } ?? false }.count
            scored += nRef * interval.length
            missed += max(0, nRef - nHyp) * interval.length
            falseAlarm += max(0, nHyp - nRef) * interval.length
            confusion += (min(nRef, nHyp) - correct) * interval.length
        }

        var mapping: [String: String] = [:]
        for (r, h) in assignment.enumerated() {
            if let h, shared[r][h] > 0 { mapping[refNames[r]] = hypNames[h] }
        }
        func seconds(_ value: Int) -> Double { Double(value) / 1_000_000 }
        return DERResult(
            scored: seconds(scored), missed: seconds(missed), falseAlarm: seconds(falseAlarm),
            confusion: seconds(confusion), mapping: mapping)
    }

    /// Closed ranges merged where they overlap or touch, in order.
    private static func union(_ ranges: [(Int, Int)]) -> [(Int, Int)] {
        var merged: [(Int, Int)] = []
        for range in ranges.sorted(by: { $0 < $1 }) {
            if let last = merged.last, range.0 <= last.1 {
                merged[merged.count - 1].1 = max(last.1, range.1)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// For each row, the column it is assigned to (one-to-one) so that the sum of `weights` is largest; nil for rows
    /// left over when there are more rows than columns. Hungarian algorithm (Kuhn–Munkres with potentials), O(n³).
    static func maximumAssignment(_ weights: [[Int]]) -> [Int?] {
        let rows = weights.count
        let columns = weights.first?.count ?? 0
        guard rows > 0, columns > 0 else { return [Int?](repeating: nil, count: rows) }
        // Square cost matrix (maximum − weight, padded with the maximum), 1-based as in the classic formulation.
        let n = max(rows, columns)
        let top = weights.flatMap { $0 }.max() ?? 0
        func cost(_ i: Int, _ j: Int) -> Int { i <= rows && j <= columns ? top - weights[i - 1][j - 1] : top }
        var u = [Int](repeating: 0, count: n + 1), v = [Int](repeating: 0, count: n + 1)
        var owner = [Int](repeating: 0, count: n + 1)  // owner[j]: the row matched to column j
        var way = [Int](repeating: 0, count: n + 1)
        for i in 1...n {
            owner[0] = i
            var column = 0
            var minimum = [Int](repeating: Int.max, count: n + 1)
            var used = [Bool](repeating: false, count: n + 1)
            repeat {
                used[column] = true
                let row = owner[column]
                var delta = Int.max, next = 0
                for j in 1...n where !used[j] {
                    let reduced = cost(row, j) - u[row] - v[j]
                    if reduced < minimum[j] { minimum[j] = reduced; way[j] = column }
                    if minimum[j] < delta { delta = minimum[j]; next = j }
                }
                for j in 0...n {
                    if used[j] { u[owner[j]] += delta; v[j] -= delta } else { minimum[j] -= delta }
                }
                column = next
            } while owner[column] != 0
            repeat {
                let previous = way[column]
                owner[column] = owner[previous]
                column = previous
            } while column != 0
        }
        var result = [Int?](repeating: nil, count: rows)
        for j in 1...n where owner[j] >= 1 && owner[j] <= rows && j <= columns { result[owner[j] - 1] = j - 1 }
        return result
    }
}
