import Foundation
import SORCore
import SORScoring

/// The site's full-text search, prebuilt as static files that the browser fetches (`templates/static/search.js`):
///
/// - `search/calls/ID.json`, one per call, written when its page is: its lines (utterances, or the engine's segments
///   without an analysis) with their start times and speakers, and its terms: every word folded (ą→a, ł→l, lower
///   case) and each of its hunspell-pl lemmas folded, with the line and word position of each occurrence.
/// - `search/terms/XX.json`, the shards: every term whose first two letters are XX, with its postings (call number,
///   line, position). A query word fetches one shard, so bytes per query stay small however many calls there are.
/// - `search/index.json`: the calls in posting order (id, time, agent, file) and the shards that exist.
///
/// Inflection: the browser folds the query word the same way and takes the terms equal to it, or, for words of five
/// letters or more, sharing all but the last three letters (at least five): "reklamacji" finds the lemma
/// "reklamacja" that "reklamację" was indexed under, "platnosc" finds "płatność". Phrases ("…") need consecutive
/// positions in one line. The shards are built from the per-call files, so an unchanged call is not read from the
/// store again; a new call's postings go to small recent shards (`build`), so publishing it rewrites few files.
enum SearchIndex {
    struct Line: Codable {
        var start: Double
        var speaker: String
        var text: String
    }

    /// A call's search file.
    struct CallFile: Codable {
        var id: String
        var time: String
        var agent: String
        var file: String
        var lines: [Line]
        /// Term → [line, position] pairs, flattened.
        var terms: [String: [Int]]
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

    /// The shard a term belongs to: its first two characters (a one-letter term pads with "_").
    static func shard(_ term: String) -> String {
        let head = String(term.prefix(2))
        return head.count == 2 ? head : head + "_"
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// What a build wrote, kept by the runtime's `SiteIndex` for the next build of the same process: the calls in
    /// posting order (their `index.json` rows), how many of them the base shards hold (the others are in the
    /// recent shards), and the names of both kinds of shard.
    struct Written: Equatable {
        var calls: [[String]]
        var base: Int
        var shards: Set<String>
        var recent: Set<String>
    }

    /// How many calls the recent shards hold at most; one more, and the next build merges them into the base.
    static let recentLimit = 256

    /// Shards: name → term → postings (call number, line, position, …).
    typealias Shards = [String: [String: [Int]]]

    /// The rows and postings of the per-call files of `ids`, numbered from `first`.
    private static func read(_ ids: ArraySlice<String>, in folder: String, first: Int) -> (calls: [[String]], shards: Shards) {
        var calls: [[String]] = []
        var shards: Shards = [:]
        let decoder = JSONDecoder()
        for id in ids {
            guard let data = FileManager.default.contents(atPath: folder + "/calls/\(id).json"),
                let file = try? decoder.decode(CallFile.self, from: data)
            else { continue }
            let number = first + calls.count
            calls.append([file.id, file.time, file.agent, file.file])
            for (term, places) in file.terms {
                var postings: [Int] = []
                postings.reserveCapacity(places.count / 2 * 3)
                var index = 0
                while index + 1 < places.count {
                    postings += [number, places[index], places[index + 1]]
                    index += 2
                }
                shards[shard(term), default: [:]][term, default: []].append(contentsOf: postings)
            }
        }
        return (calls, shards)
    }

    /// Writes the shards and `index.json` from the per-call files of `ids` (oldest first); removes shards and call
    /// files no longer needed. The browser orders hits by the calls' times, not by their numbers.
    ///
    /// When every call the last build of this process (`previous`) wrote is still in `ids`, and none of them is
    /// among `changed` (the calls whose files this build rewrote), only the new calls are read: they take the next
    /// numbers, whatever their times (an import of yesterday's calls is appended too), and their postings go to
    /// the small recent shards (`XX.recent.json`), so publishing one call does not rewrite every shard. Otherwise,
    /// or once the recent shards would hold more than `recentLimit` calls, every call file is read into the base
    /// shards. `workers` read them in parallel (by default one per core, none with fewer than 64 calls each).
    @discardableResult
    static func build(
        site: String, ids: [String], changed: Set<String> = [], previous: Written? = nil, files: SiteFiles,
        workers: Int? = nil
    ) throws -> Written {
        let fm = FileManager.default
        let folder = site + "/search"
        try fm.createDirectory(atPath: folder + "/terms", withIntermediateDirectories: true)
        let written: Written
        let before = Set(previous?.calls.map { $0[0] } ?? [])
        let new = ids.filter { !before.contains($0) }
        if let previous, ids.count - previous.base <= recentLimit, ids.count == previous.calls.count + new.count,
            changed.isSubset(of: new)
        {
            let added = read(new[...], in: folder, first: previous.calls.count)
            var recent = previous.recent
            for (name, terms) in added.shards {
                let path = "\(folder)/terms/\(name).recent.json"
                var merged: [String: [Int]] = [:]
                if recent.contains(name), let data = fm.contents(atPath: path) {
                    merged = (try? JSONDecoder().decode([String: [Int]].self, from: data)) ?? [:]
                }
                for (term, postings) in terms { merged[term, default: []] += postings }
                try files.write(try encoder.encode(merged), to: path)
                recent.insert(name)
            }
            written = Written(calls: previous.calls + added.calls, base: previous.base, shards: previous.shards, recent: recent)
        } else {
            // The call files are read on every core, each worker a contiguous run of calls numbered from 0; the
            // runs are then joined in order, so postings stay sorted by call.
            let workers = max(1, min(workers ?? min(ProcessInfo.processInfo.activeProcessorCount, ids.count / 64), ids.count))
            let parts = Slots<(calls: [[String]], shards: Shards)>(count: workers)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                parts.store(worker, read(ids[ids.count * worker / workers..<ids.count * (worker + 1) / workers], in: folder, first: 0))
            }
            var shards: Shards = [:]
            var calls: [[String]] = []
            for case let part? in parts.all {
                let offset = calls.count
                calls += part.calls
                for (name, terms) in part.shards {
                    for (term, postings) in terms {
                        var shifted = postings
                        if offset > 0 {
                            for index in stride(from: 0, to: shifted.count, by: 3) { shifted[index] += offset }
                        }
                        shards[name, default: [:]][term, default: []].append(contentsOf: shifted)
                    }
                }
            }
            for (name, terms) in shards {
                try files.write(try encoder.encode(terms), to: "\(folder)/terms/\(name).json")
            }
            written = Written(calls: calls, base: calls.count, shards: Set(shards.keys), recent: [])
        }
        struct Index: Encodable {
            var version = 2
            /// Per call: id, time, agent, file; postings name calls by their place here (oldest first).
            var calls: [[String]]
            var shards: [String]
            /// The recent shards (`XX.recent.json`), fetched beside the base one of the same name when it exists.
            var recent: [String]
        }
        try files.write(
            try encoder.encode(Index(calls: written.calls, shards: written.shards.sorted(), recent: written.recent.sorted())),
            to: folder + "/index.json")
        let keep = Set(written.shards.map { $0 + ".json" }).union(written.recent.map { $0 + ".recent.json" })
        for name in (try? fm.contentsOfDirectory(atPath: folder + "/terms")) ?? [] where !keep.contains(name) {
            try? fm.removeItem(atPath: "\(folder)/terms/\(name)")
        }
        let live = Set(ids.map { $0 + ".json" })
        for name in (try? fm.contentsOfDirectory(atPath: folder + "/calls")) ?? [] where !live.contains(name) {
            try? fm.removeItem(atPath: "\(folder)/calls/\(name)")
        }
        return written
    }
}
