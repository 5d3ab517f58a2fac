import Foundation

/// Speaker turns and talk analytics: attaches speakers to words, groups words into utterances, flags overlaps and
/// interruptions, and measures talk time, silences and holds. Pure: everything comes in as values.
public enum TalkAnalyzer {
    /// A word touching no speaker segment takes the nearest one at most this many seconds away.
    public static let nearestSegmentReach = 1.0
    /// Two speakers' utterances must share more than this many seconds to count as talking over each other;
    /// less is word-timing jitter at a turn change.
    public static let overlapMinimum = 0.1
    /// An interrupted utterance must go on at least this many seconds after the interrupter starts; otherwise the
    /// first speaker was finishing anyway and the second merely came in early.
    public static let interruptionCarryOn = 0.5
    /// The speaker of every word when there are no speaker segments at all.
    public static let defaultSpeaker = "S1"

    // MARK: Words to utterances

    /// The speaker of each word: the segment overlapping the word's span most (the earlier segment on a tie); for a
    /// word touching no segment, the nearest segment within `nearestSegmentReach`, else the previous word's speaker,
    /// else the first speaker to talk. With no segments at all every word gets `fallback`.
    public static func assign(words: [Word], segments: [SpeakerSegment], fallback: String = defaultSpeaker) -> [String] {
        let ordered = segments.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }
            .map(\.element)
        guard let first = ordered.first else { return words.map { _ in fallback } }
        var result: [String] = []
        result.reserveCapacity(words.count)
        for word in words {
            var best: (speaker: String, overlap: Double)?
            var nearest: (speaker: String, distance: Double)?
            for segment in ordered {
                let overlap = min(word.end, segment.end) - max(word.start, segment.start)
                if overlap > 0, overlap > best?.overlap ?? 0 { best = (segment.speaker, overlap) }
                // Zero for a word inside or touching the segment, e.g. a zero-length word.
                let distance = max(segment.start - word.end, word.start - segment.end, 0)
                if distance < nearest?.distance ?? .infinity { nearest = (segment.speaker, distance) }
            }
            if let best {
                result.append(best.speaker)
            } else if let nearest, nearest.distance <= nearestSegmentReach {
                result.append(nearest.speaker)
            } else {
                result.append(result.last ?? first.speaker)
            }
        }
        return result
    }

    /// Groups words into utterances: consecutive words of one speaker, split where that speaker pauses longer than
    /// `parameters.utteranceGap`. Words are taken in time order; ids are 0, 1, 2… in that order. The utterances come
    /// back with their overlap and interruption flags set (see `flagged(_:parameters:)`).
    ///
    /// `speakers[i]` is the speaker of `words[i]`; words beyond the shorter of the two lists are dropped.
    public static func utterances(words: [Word], speakers: [String], parameters: TalkParameters) -> [Utterance] {
        let pairs = zip(words, speakers).enumerated()
            .sorted { ($0.element.0.start, $0.offset) < ($1.element.0.start, $1.offset) }
            .map(\.element)
        var result: [Utterance] = []
        var current: (speaker: String, words: [Word], end: Double)?
        func close() {
            guard let current, let utterance = utterance(id: result.count, speaker: current.speaker, words: current.words)
            else { return }
            result.append(utterance)
        }
        for (word, speaker) in pairs {
            if let open = current, open.speaker == speaker, word.start - open.end <= parameters.utteranceGap {
                current?.words.append(word)
                current?.end = max(open.end, word.end)
            } else {
                close()
                current = (speaker, [word], word.end)
            }
        }
        close()
        return flagged(result, parameters: parameters)
    }

    /// An utterance made of `words`, its text and span taken from them; nil when there are no words.
    static func utterance(id: Int, speaker: String, words: [Word]) -> Utterance? {
        guard let start = words.map(\.start).min(), let end = words.map(\.end).max() else { return nil }
        return Utterance(id: id, speaker: speaker, start: start, end: max(start, end), text: Word.text(of: words), words: words)
    }

    // MARK: Overlaps and interruptions

    /// The utterances with `overlap` and `interruption` recomputed, in the given order.
    ///
    /// - overlap: the utterance shares more than `overlapMinimum` seconds with an utterance of another speaker.
    /// - interruption: it starts while another speaker's utterance is in progress, that utterance goes on at least
    ///   `interruptionCarryOn` seconds more, and it is longer than `parameters.backchannelMaximum` ("aha", "mhm"
    ///   over the other party are backchannels, not interruptions).
    public static func flagged(_ utterances: [Utterance], parameters: TalkParameters) -> [Utterance] {
        let contacts = Self.contacts(utterances, parameters: parameters)
        return utterances.enumerated().map { index, utterance in
            var utterance = utterance
            utterance.overlap = contacts.overlapping.contains(index)
            utterance.interruption = contacts.interruptions[index] != nil
            return utterance
        }
    }

    /// Which utterances (by index) overlap another speaker, whom each interrupter interrupted, and the stretches
    /// where two speakers talk at once.
    private static func contacts(
        _ utterances: [Utterance], parameters: TalkParameters
    ) -> (overlapping: Set<Int>, interruptions: [Int: String], overlaps: [Span]) {
        let order = utterances.indices.sorted { (utterances[$0].start, $0) < (utterances[$1].start, $1) }
        var overlapping = Set<Int>()
        var interruptions: [Int: String] = [:]
        var overlaps: [Span] = []
        for (position, i) in order.enumerated() {
            let earlier = utterances[i]
            // Only utterances that start before `earlier` ends can touch it; they follow it in `order`.
            for j in order[(position + 1)...] {
                let later = utterances[j]
                if later.start >= earlier.end { break }
                guard later.speaker != earlier.speaker else { continue }
                let shared = Span(start: max(earlier.start, later.start), end: min(earlier.end, later.end))
                if shared.duration > overlapMinimum {
                    overlapping.insert(i)
                    overlapping.insert(j)
                    overlaps.append(shared)
                }
                // Starting at the same instant is nobody's interruption; the first in progress is the one interrupted.
                if earlier.start < later.start, earlier.end - later.start >= interruptionCarryOn,
                    later.end - later.start > parameters.backchannelMaximum, interruptions[j] == nil
                {
                    interruptions[j] = earlier.speaker
                }
            }
        }
        return (overlapping, interruptions, union(overlaps))
    }

    // MARK: Statistics

    /// Talk analytics of a call.
    ///
    /// Talk time is the union of a speaker's utterance spans (overlaps count for both speakers); silences are the
    /// interior gaps, between the first utterance's start and the last one's end, where nobody talks for at least
    /// `silenceMinimum` seconds. Leading and trailing silence (ringing, hold music before pickup, the line after
    /// a hang-up) says nothing about the conversation and is left out. `longestSilence` is the longest interior gap
    /// of any length. Speakers are listed in the order of `speakers`, then any other speaker of the utterances.
    public static func stats(
        utterances: [Utterance], speakers: [Speaker], duration: Double, parameters: TalkParameters
    ) -> TalkStats {
        let contacts = Self.contacts(utterances, parameters: parameters)
        var ids = speakers.map(\.id)
        for utterance in utterances where !ids.contains(utterance.speaker) { ids.append(utterance.speaker) }

        let talkTimes = ids.map { id in
            union(utterances.filter { $0.speaker == id }.map { Span(start: $0.start, end: $0.end) })
                .reduce(0) { $0 + $1.duration }
        }
        let totalTalk = talkTimes.reduce(0, +)
        let interruptions = contacts.interruptions.sorted { $0.key < $1.key }.map { index, interrupted in
            Interruption(by: utterances[index].speaker, of: interrupted, at: utterances[index].start)
        }.sorted { ($0.at, $0.by) < ($1.at, $1.by) }
        let speakerStats = zip(ids, talkTimes).map { id, talkTime in
            let own = utterances.filter { $0.speaker == id }
            return SpeakerStats(
                speaker: id, talkTime: talkTime, talkShare: totalTalk > 0 ? talkTime / totalTalk : 0,
                utterances: own.count, words: own.reduce(0) { $0 + $1.words.count },
                interruptions: interruptions.filter { $0.by == id }.count)
        }

        let speech = union(utterances.map { Span(start: $0.start, end: $0.end) })
        let gaps = zip(speech, speech.dropFirst()).map { Span(start: $0.end, end: $1.start) }.filter { $0.duration > 0 }
        let silences = gaps.filter { $0.duration >= parameters.silenceMinimum }

        let role = Dictionary(speakers.map { ($0.id, $0.role) }, uniquingKeysWith: { first, _ in first })
        func talk(of wanted: Role) -> Double? {
            let matching = zip(ids, talkTimes).filter { role[$0.0] == wanted }
            return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.1 }
        }
        var ratio: Double?
        if let konsultant = talk(of: .konsultant), let klient = talk(of: .klient), klient > 0 {
            ratio = konsultant / klient
        }

        return TalkStats(
            duration: duration, speakers: speakerStats, overlaps: contacts.overlaps, interruptions: interruptions,
            silences: silences, holds: silences.filter { $0.duration >= parameters.holdMinimum },
            longestSilence: gaps.map(\.duration).max() ?? 0, talkListenRatio: ratio)
    }

    /// Spans merged where they overlap or touch, in time order.
    static func union(_ spans: [Span]) -> [Span] {
        var merged: [Span] = []
        for span in spans.sorted(by: { ($0.start, $0.end) < ($1.start, $1.end) }) where span.end >= span.start {
            if let last = merged.last, span.start <= last.end {
                merged[merged.count - 1].end = max(last.end, span.end)
            } else {
                merged.append(span)
            }
        }
        return merged
    }

    // MARK: One call

    /// The whole analysis of a call from its words and the diarizer's segments: speakers attached to words,
    /// utterances, roles (by `RoleLabeller`) and talk statistics.
    ///
    /// `speakers` lists the known voices (with their channels for stereo calls); any speaker of `segments` not in
    /// it is added. Roles already set on `speakers` are replaced by the labeller's.
    public static func analyze(
        words: [Word], segments: [SpeakerSegment], speakers: [Speaker] = [], duration: Double,
        parameters: TalkParameters = TalkParameters(), method: Analysis.Method,
        roles roleParameters: RoleLabeller.Parameters = RoleLabeller.Parameters()
    ) -> Analysis {
        var allSpeakers = speakers
        for segment in segments where !allSpeakers.contains(where: { $0.id == segment.speaker }) {
            allSpeakers.append(Speaker(id: segment.speaker))
        }
        let fallback = allSpeakers.first?.id ?? defaultSpeaker
        return analyze(
            words: words, speakers: assign(words: words, segments: segments, fallback: fallback), segments: segments,
            allSpeakers: allSpeakers, duration: duration, parameters: parameters, method: method, roles: roleParameters)
    }

    /// The same, for words whose speakers are already known (stereo calls: each word's channel). A speaker of the
    /// words missing from `allSpeakers` is added.
    public static func analyze(
        words: [Word], speakers wordSpeakers: [String], segments: [SpeakerSegment], allSpeakers: [Speaker], duration: Double,
        parameters: TalkParameters = TalkParameters(), method: Analysis.Method,
        roles roleParameters: RoleLabeller.Parameters = RoleLabeller.Parameters()
    ) -> Analysis {
        let turns = utterances(words: words, speakers: wordSpeakers, parameters: parameters)
        var known = allSpeakers
        for turn in turns where !known.contains(where: { $0.id == turn.speaker }) { known.append(Speaker(id: turn.speaker)) }
        let labelling = RoleLabeller.label(utterances: turns, speakers: known, parameters: roleParameters)
        return Analysis(
            method: method, speakers: labelling.speakers, segments: segments, utterances: turns,
            roles: labelling.decision,
            stats: stats(utterances: turns, speakers: labelling.speakers, duration: duration, parameters: parameters))
    }
}

extension Analysis {
    /// Re-derives everything that follows from the utterances (overlap and interruption flags, utterance texts,
    /// talk statistics) after the utterances or speakers changed, e.g. by a correction. Roles are kept.
    ///
    /// Each utterance's text and span come from its words; an utterance left without words is dropped. Ids are
    /// kept as they are (corrections refer to them); the utterances are put in time order.
    public func recomputed(_ parameters: TalkParameters, duration: Double) -> Analysis {
        // Rebuilt from their words; what was measured or derived for an utterance comes along by id: its acoustics
        // (the audio did not change; a split's parts keep the whole's) and its sentiment, for the stages to derive
        // again keeping what still holds (a model's judgement of a text that did not change).
        let rebuilt = utterances.compactMap { old -> Utterance? in
            var utterance = TalkAnalyzer.utterance(id: old.id, speaker: old.speaker, words: old.words)
            utterance?.acoustics = old.acoustics
            utterance?.sentiment = old.sentiment
            return utterance
        }.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
        var result = self
        result.utterances = TalkAnalyzer.flagged(rebuilt, parameters: parameters)
        result.stats = TalkAnalyzer.stats(
            utterances: result.utterances, speakers: speakers, duration: duration, parameters: parameters)
        return result
    }
}
