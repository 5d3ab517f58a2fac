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
/// positions in one line. The shards are built again from the per-call files at every site build, so an unchanged
/// call is not read from the store again.
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

    /// Writes the shards and `index.json` from the per-call files of `ids` (newest first); removes shards and
    /// call files no longer needed.
    /// `workers` read the call files in parallel (by default one per core, and none with fewer than 64 calls each).
    static func build(site: String, ids: [String], files: SiteFiles, workers: Int? = nil) throws {
        let fm = FileManager.default
        let folder = site + "/search"
        try fm.createDirectory(atPath: folder + "/terms", withIntermediateDirectories: true)
        // The call files are read on every core, each worker a contiguous run of calls numbered from 0; the runs
        // are then joined in order, so postings stay sorted by call.
        struct Part {
            var calls: [[String]] = []
            var shards: [String: [String: [Int]]] = [:]
        }
        let workers = max(1, min(workers ?? min(ProcessInfo.processInfo.activeProcessorCount, ids.count / 64), ids.count))
        let parts = Slots<Part>(count: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var part = Part()
            let decoder = JSONDecoder()
            for id in ids[ids.count * worker / workers..<ids.count * (worker + 1) / workers] {
                guard let data = fm.contents(atPath: folder + "/calls/\(id).json"),
                    let file = try? decoder.decode(CallFile.self, from: data)
                else { continue }
                let number = part.calls.count
                part.calls.append([file.id, file.time, file.agent, file.file])
                for (term, places) in file.terms {
                    var postings: [Int] = []
                    postings.reserveCapacity(places.count / 2 * 3)
                    var index = 0
                    while index + 1 < places.count {
                        postings += [number, places[index], places[index + 1]]
                        index += 2
                    }
                    part.shards[shard(term), default: [:]][term, default: []].append(contentsOf: postings)
                }
            }
            parts.store(worker, part)
        }
        var shards: [String: [String: [Int]]] = [:]
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
        struct Index: Encodable {
            var version = 1
            /// Per call: id, time, agent, file; postings name calls by their place here.
            var calls: [[String]]
            var shards: [String]
        }
        try files.write(try encoder.encode(Index(calls: calls, shards: shards.keys.sorted())), to: folder + "/index.json")
        for name in (try? fm.contentsOfDirectory(atPath: folder + "/terms")) ?? [] where shards[String(name.dropLast(5))] == nil {
            try? fm.removeItem(atPath: "\(folder)/terms/\(name)")
        }
        let live = Set(ids.map { $0 + ".json" })
        for name in (try? fm.contentsOfDirectory(atPath: folder + "/calls")) ?? [] where !live.contains(name) {
            try? fm.removeItem(atPath: "\(folder)/calls/\(name)")
        }
    }
}
