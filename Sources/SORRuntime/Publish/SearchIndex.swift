import Foundation
import SORCore
import SORScoring

/// The site's full-text search, prebuilt as static files that the browser fetches (`templates/static/search.js`):
///
/// - `search/index.json`: a few hundred bytes whatever the number of calls: how many calls and shards there are,
///   which shards exist, and where the calls added since the last base build sort among the others by time.
/// - `search/terms/N.json`, the shards: terms with their postings (call number, line, position), a term in shard
///   N when the FNV-1a hash of its first five UTF-16 code units is N modulo the number of shards. Every term that
///   answers a query word shares those five letters with it (see below), so one word fetches one shard, and the
///   number of shards grows with the index (`shardBytes` each, about), so that shard stays small at any size.
///   Postings are text (`Postings`): per call, its number's distance from the previous one, the count of
///   occurrences, and each occurrence's line (from the previous one) and word position, as base-32 varints.
/// - `search/calls/N.json`, one per call by its number: its id, time, agent and lines (start, speaker, text),
///   fetched for the calls a results page shows.
///
/// Each call's source, its lines and terms (every word folded: ą→a, ł→l, lower case; and each of its hunspell-pl
/// lemmas folded, with the line and word position of each occurrence), is written when its page is, to the
/// workspace's work directory (`var/search/ID.json`): only this build reads it, so it is not on the site.
///
/// Inflection: the browser folds the query word the same way and takes the terms equal to it, or, for words of five
/// letters or more, sharing all but the last three letters (at least five): "reklamacji" finds the lemma
/// "reklamacja" that "reklamację" was indexed under, "platnosc" finds "płatność". Phrases ("…") need consecutive
/// positions in one line. The shards are built from the per-call sources, so an unchanged call is not read from
/// the store again; a new call's postings go to small recent shards (`build`), so publishing it rewrites few files.
enum SearchIndex {
    struct Line: Codable {
        var start: Double
        var speaker: String
        var text: String
    }

    /// A call's search source (`var/search/ID.json`).
    struct CallFile: Codable {
        var id: String
        var time: String
        var agent: String
        var file: String
        var lines: [Line]
        /// Term → [line, position] pairs, flattened.
        var terms: [String: [Int]]
    }

    /// What the browser fetches of a call to show its hits (`search/calls/N.json`): lines as [start, speaker (an
    /// index into `speakers`), text].
    struct ShownCall: Encodable {
        var id: String
        var time: String
        var agent: String
        var speakers: [String]
        var lines: [ShownLine]

        init(_ file: CallFile) {
            id = file.id
            time = file.time
            agent = file.agent
            var speakers: [String] = []
            lines = file.lines.map { line in
                let speaker = speakers.firstIndex(of: line.speaker) ?? speakers.count
                if speaker == speakers.count { speakers.append(line.speaker) }
                return ShownLine(start: (line.start * 100).rounded() / 100, speaker: speaker, text: line.text)
            }
            self.speakers = speakers
        }
    }

    struct ShownLine: Encodable {
        var start: Double
        var speaker: Int
        var text: String

        func encode(to encoder: Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(start)
            try container.encode(speaker)
            try container.encode(text)
        }
    }

    static func callFile(_ document: CallDocument, lemmatizer: Lemmatizer) -> CallFile {
        var lines: [Line] = []
        if let analysis = document.analysis, document.hasUtterances {
            for utterance in analysis.utterances where !utterance.text.isEmpty {
                let role = analysis.role(of: utterance.speaker)?.rawValue ?? utterance.speaker
                lines.append(Line(start: utterance.start, speaker: role, text: utterance.text))
            }
        } else {
            for segment in document.transcript?.segments ?? [] where !segment.text.isEmpty {
                lines.append(Line(start: segment.start, speaker: "", text: segment.text.trimmingCharacters(in: .whitespaces)))
            }
        }
        var terms: [String: [Int]] = [:]
        for (lineIndex, line) in lines.enumerated() {
            for (position, word) in TextNormalizer.words(line.text).enumerated() {
                for term in lemmatizer.forms(word) where !term.isEmpty {
                    terms[term, default: []] += [lineIndex, position]
                }
            }
        }
        let call = document.call
        return CallFile(
            id: call.id, time: call.metadata.callTime ?? call.source.receivedAt, agent: call.metadata.agent ?? "—",
            file: call.source.fileName, lines: lines, terms: terms)
    }

    /// The shard of `term` among `count`: FNV-1a (32 bits, then MurmurHash3's finaliser) of its first five UTF-16
    /// code units, as search.js
    /// computes it, so that all the terms a query word can answer (equal to it, or sharing its first five letters
    /// or more) are in its shard.
    static func shard(_ term: String, of count: Int) -> Int {
        var hash: UInt32 = 2_166_136_261
        for unit in term.utf16.prefix(5) { hash = (hash ^ UInt32(unit)) &* 16_777_619 }
        // FNV's low bits mix poorly over a few letters (at 512 shards half stayed empty): MurmurHash3's finaliser.
        hash ^= hash >> 16
        hash &*= 0x85eb_ca6b
        hash ^= hash >> 13
        hash &*= 0xc2b2_ae35
        hash ^= hash >> 16
        return Int(hash % UInt32(count))
    }

    /// About how many bytes a shard holds: a rare word fetches about this much. Measured at 2,000 calls: below
    /// 4 KiB the shards' JSON keys and the requests' headers outweigh what a smaller shard saves.
    static let shardBytes = 4096

    /// How many shards an index of `bytes` gets: a power of two, so that each holds about `shardBytes`.
    static func shardCount(forBytes bytes: Int, each: Int = shardBytes) -> Int {
        var count = 1
        while count < 65_536 && bytes / count > each { count *= 2 }
        return count
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// What a build wrote, kept by the runtime's `SiteIndex` for the next build of the same process: the calls in
    /// posting order (id and time), how many of them the base shards hold (the others are in the recent shards),
    /// how many shards there are, and which exist of both kinds.
    struct Written: Equatable {
        var calls: [[String]]
        var base: Int
        var count: Int
        var shards: Set<Int>
        var recent: Set<Int>
    }

    /// How many calls the recent shards hold at most; one more, and the next build merges them into the base.
    static let recentLimit = 256

    /// Terms → postings (call number, line, position, …).
    typealias Terms = [String: [Int]]

    /// What the sources of some calls give: their rows (id, time), postings and files for the site.
    struct Read {
        var calls: [[String]] = []
        var terms: Terms = [:]
        var shown: [Data] = []
    }

    /// The rows, postings and shown files of the sources of `ids` in `sources`, numbered from `first`.
    private static func read(_ ids: ArraySlice<String>, in sources: String, first: Int) -> Read {
        var read = Read()
        let decoder = JSONDecoder()
        let encoder = encoder
        for id in ids {
            guard let data = FileManager.default.contents(atPath: sources + "/\(id).json"),
                let file = try? decoder.decode(CallFile.self, from: data),
                let shown = try? encoder.encode(ShownCall(file))
            else { continue }
            let number = first + read.calls.count
            read.calls.append([file.id, file.time])
            read.shown.append(shown)
            for (term, places) in file.terms {
                var postings: [Int] = []
                postings.reserveCapacity(places.count / 2 * 3)
                var index = 0
                while index + 1 < places.count {
                    postings += [number, places[index], places[index + 1]]
                    index += 2
                }
                read.terms[term, default: []].append(contentsOf: postings)
            }
        }
        return read
    }

    /// A shard file: term → encoded postings.
    private static func shardFile(_ path: String) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    /// Where each recent call (from `written.base` on) sorts among the base calls by time: the number of base calls
    /// before it, and its rank among the recent ones. The base calls are numbered oldest first.
    private static func order(_ written: Written) -> [[Int]] {
        let base = written.calls[..<written.base]
        let recent = written.calls[written.base...]
        func before(_ a: [String], _ b: [String]) -> Bool { (a[1], a[0]) < (b[1], b[0]) }
        let ranked = recent.indices.sorted { before(written.calls[$0], written.calls[$1]) }
        var rank = [Int: Int]()
        for (place, number) in ranked.enumerated() { rank[number] = place }
        return recent.indices.map { number in
            let row = written.calls[number]
            var (low, high) = (base.startIndex, base.endIndex)
            while low < high {
                let middle = (low + high) / 2
                if before(base[middle], row) { low = middle + 1 } else { high = middle }
            }
            return [low, rank[number] ?? 0]
        }
    }

    /// A set of shard numbers as hex digits, four shards a digit (bit n of digit n / 4 for shard n).
    static func bitmap(_ shards: Set<Int>, count: Int) -> String {
        var digits = [UInt8](repeating: 0, count: (count + 3) / 4)
        for shard in shards { digits[shard / 4] |= 1 << (shard % 4) }
        return String(digits.map { Character(String($0, radix: 16)) })
    }

    /// Writes the shards, the shown call files and `index.json` from the sources (`sources/ID.json`) of `ids`
    /// (oldest first); removes shards, shown files and sources no longer needed.
    ///
    /// When every call the last build of this process (`previous`) wrote is still in `ids`, and none of them is
    /// among `changed` (the calls whose sources this build rewrote), only the new calls are read: they take the next
    /// numbers, whatever their times (an import of yesterday's calls is appended too; `index.json` says where they
    /// sort), and their postings go to the small recent shards (`N.recent.json`), so publishing one call rewrites
    /// only the shards of its terms. Otherwise, or once the recent shards would hold more than `recentLimit` calls,
    /// every source is read into the base shards, numbered oldest first. `workers` read them in parallel (by default
    /// one per core, none with fewer than 64 calls each). A file whose bytes would not change is not written again.
    /// `shardBytes` sizes the shards of a base build (tests make it small to have several).
    @discardableResult
    static func build(
        site: String, sources: String, ids: [String], changed: Set<String> = [], previous: Written? = nil,
        files: SiteFiles, workers: Int? = nil, shardBytes: Int = shardBytes, pruneSources: Bool = true
    ) throws -> Written {
        let fm = FileManager.default
        let folder = site + "/search"
        try fm.createDirectory(atPath: folder + "/terms", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: folder + "/calls", withIntermediateDirectories: true)
        let written: Written
        let before = Set(previous?.calls.map { $0[0] } ?? [])
        let new = ids.filter { !before.contains($0) }
        if let previous, ids.count - previous.base <= recentLimit, ids.count == previous.calls.count + new.count,
            changed.isSubset(of: new)
        {
            let added = read(new[...], in: sources, first: previous.calls.count)
            for (offset, shown) in added.shown.enumerated() {
                try files.write(shown, to: "\(folder)/calls/\(previous.calls.count + offset).json")
            }
            var grouped: [Int: Terms] = [:]
            for (term, postings) in added.terms { grouped[shard(term, of: previous.count), default: [:]][term] = postings }
            var recent = previous.recent
            for (number, terms) in grouped {
                let path = "\(folder)/terms/\(number).recent.json"
                var merged = recent.contains(number) ? shardFile(path) : [:]
                for (term, postings) in terms {
                    merged[term] = Postings.encode((merged[term].map(Postings.decode) ?? []) + postings)
                }
                try files.write(try encoder.encode(merged), to: path)
                recent.insert(number)
            }
            written = Written(
                calls: previous.calls + added.calls, base: previous.base, count: previous.count, shards: previous.shards,
                recent: recent)
        } else {
            // The sources are read on every core, each worker a contiguous run of calls numbered from 0; the runs
            // are then joined in order, so postings stay sorted by call.
            let workers = max(1, min(workers ?? min(ProcessInfo.processInfo.activeProcessorCount, ids.count / 64), ids.count))
            let parts = Slots<Read>(count: workers)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                parts.store(worker, read(ids[ids.count * worker / workers..<ids.count * (worker + 1) / workers], in: sources, first: 0))
            }
            var terms: Terms = [:]
            var calls: [[String]] = []
            var shown: [Data] = []
            for case let part? in parts.all {
                let offset = calls.count
                calls += part.calls
                shown += part.shown
                for (term, postings) in part.terms {
                    var shifted = postings
                    if offset > 0 {
                        for index in stride(from: 0, to: shifted.count, by: 3) { shifted[index] += offset }
                    }
                    terms[term, default: []].append(contentsOf: shifted)
                }
            }
            let encoded = terms.mapValues(Postings.encode)
            let count = shardCount(forBytes: encoded.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 }, each: shardBytes)
            var grouped: [Int: [String: String]] = [:]
            for (term, postings) in encoded { grouped[shard(term, of: count), default: [:]][term] = postings }
            for (number, terms) in grouped {
                try files.write(try encoder.encode(terms), to: "\(folder)/terms/\(number).json")
            }
            for (number, data) in shown.enumerated() { try files.write(data, to: "\(folder)/calls/\(number).json") }
            written = Written(calls: calls, base: calls.count, count: count, shards: Set(grouped.keys), recent: [])
        }
        struct Index: Encodable {
            var version = 3
            /// How many calls there are (`calls/0.json` to `calls/N-1.json`), and how many the base shards hold.
            var calls: Int
            var base: Int
            /// How many shards there are, and which exist: base (`N.json`) and recent (`N.recent.json`), as bitmaps.
            var shards: Int
            var base_shards: String
            var recent_shards: String
            /// Per recent call (numbered from `base` on): how many base calls are older, its rank among the recent.
            var order: [[Int]]
        }
        try files.write(
            try encoder.encode(
                Index(
                    calls: written.calls.count, base: written.base, shards: written.count,
                    base_shards: bitmap(written.shards, count: written.count),
                    recent_shards: bitmap(written.recent, count: written.count), order: order(written))),
            to: folder + "/index.json")
        let keep = Set(written.shards.map { "\($0).json" }).union(written.recent.map { "\($0).recent.json" })
        for name in (try? fm.contentsOfDirectory(atPath: folder + "/terms")) ?? [] where !keep.contains(name) {
            try? fm.removeItem(atPath: "\(folder)/terms/\(name)")
        }
        let shownNames = Set((0..<written.calls.count).map { "\($0).json" })
        for name in (try? fm.contentsOfDirectory(atPath: folder + "/calls")) ?? [] where !shownNames.contains(name) {
            try? fm.removeItem(atPath: "\(folder)/calls/\(name)")
        }
        // A view's index (`pruneSources` off) covers some of the calls: the others' sources stay.
        let live = Set(ids.map { $0 + ".json" })
        for name in (try? fm.contentsOfDirectory(atPath: sources)) ?? [] where pruneSources && !live.contains(name) {
            try? fm.removeItem(atPath: "\(sources)/\(name)")
        }
        return written
    }
}
