import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime
@testable import SORScoring
@testable import SORSite

@Suite("Search index")
struct SearchIndexTests {
    @Test("a call's terms: every word folded and its lemmas, with line and position; its shard holds them, its shown file its lines, and the terms stay off the site")
    func terms() throws {
        var document = JudgeStageTests.document(["Złożę reklamację, płatność nie doszła.", "Rozumiem, przyjmuję reklamację."])
        document.call.id = "0011223344556677"
        let file = SearchIndex.callFile(document, lemmatizer: .shared)
        #expect(file.lines.map(\.text) == ["Złożę reklamację, płatność nie doszła.", "Rozumiem, przyjmuję reklamację."])
        #expect(file.lines.map(\.speaker) == ["KLIENT", "KONSULTANT"])
        #expect(file.terms["reklamacje"] == [0, 1, 1, 2], "the surface form, folded, in both lines")
        #expect(file.terms["reklamacja"] == [0, 1, 1, 2], "and its lemma")
        #expect(file.terms["platnosc"] == [0, 2])
        #expect(file.terms["zlozyc"] == [0, 0], "złożę → złożyć")

        let fixture = try SearchSite()
        defer { fixture.scratch.remove() }
        let (site, sources, files) = (fixture.site, fixture.sources, fixture.files)
        try files.write(SearchIndex.encoder.encode(file), to: sources + "/0011223344556677.json")
        try files.write(Data("{}".utf8), to: sources + "/gone.json")
        try FileManager.default.createDirectory(atPath: site + "/search/terms", withIntermediateDirectories: true)
        try files.write(Data("{}".utf8), to: site + "/search/terms/99999.json")
        try SearchIndex.build(site: site, sources: sources, ids: ["0011223344556677"], files: files)
        #expect(try fixture.postings("reklamacje") == [0, 0, 1, 0, 1, 2], "postings: call number, line, position")
        #expect(try fixture.postings("zlozyc") == [0, 0, 0])
        let index = try fixture.index()
        #expect(index["calls"] as? Int == 1 && index["base"] as? Int == 1)
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: site + "/search/calls/0.json"))) as? [String: Any])
        #expect(shown["id"] as? String == "0011223344556677" && shown["agent"] as? String == "Anna")
        #expect(shown["speakers"] as? [String] == ["KLIENT", "KONSULTANT"])
        #expect((shown["lines"] as? [[Any]])?.map { $0[2] as? String } == file.lines.map(\.text))
        #expect(shown["terms"] == nil, "the terms are the build's, not the browser's")
        #expect(!FileManager.default.fileExists(atPath: sources + "/gone.json"), "a call no longer stored leaves the index")
        #expect(!FileManager.default.fileExists(atPath: site + "/search/terms/99999.json"), "and so does a shard no term needs")
        // The same calls give the same bytes.
        let path = try fixture.shardPath("reklamacje")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        try SearchIndex.build(site: site, sources: sources, ids: ["0011223344556677"], files: files)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("a term's shard is the one search.js computes (values from its shardOf in Node)")
    func shards() {
        let expected: [(String, Int, Int)] = [
            ("reklamacja", 356, 40804), ("do", 465, 34769), ("zlozyc", 7, 519), ("łódź", 14, 12814), ("dzien", 62, 58942),
        ]
        for (term, of512, of65536) in expected {
            #expect(SearchIndex.shard(term, of: 512) == of512 && SearchIndex.shard(term, of: 65_536) == of65536, "\(term)")
        }
        #expect(SearchIndex.shard("reklamacja", of: 512) == SearchIndex.shard("reklamacji", of: 512), "one shard for a word and its inflections")
    }

    @Test("postings round-trip through their text, numbers of one digit or several, and cost four characters a call for a word said once in each")
    func postings() {
        let triples = [0, 0, 1, 0, 0, 7, 0, 3, 31, 1, 2, 32, 40, 1_000, 2, 40, 1_001, 0, 70_000, 0, 0]
        #expect(SearchIndex.Postings.decode(SearchIndex.Postings.encode(triples)) == triples)
        #expect(SearchIndex.Postings.encode([]) == "" && SearchIndex.Postings.decode("") == [])
        let everyCall = (0..<100).flatMap { [$0, 3, 4] }
        #expect(SearchIndex.Postings.encode(everyCall).count == 400)
    }

    @Test("a new call goes to the recent shards of its terms and rewrites no base shard nor any other call's file; together they answer as a full build does; a changed older call rebuilds the base")
    func recent() throws {
        let fixture = try SearchSite()
        defer { fixture.scratch.remove() }
        let (site, sources, files, texts) = (fixture.site, fixture.sources, fixture.files, SearchSite.texts)
        func call(_ number: Int, _ text: String, time: String? = nil) throws -> String { try fixture.call(number, [text], time: time) }
        func modified(_ path: String) throws -> Date? {
            try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        }
        let terms = ["reklamacja", "platnosc", "do", "termin", "zlozyc", "prosze", "widzenia"]
        let first = try (0..<3).map { try call($0, texts[$0]) }
        let base = try SearchIndex.build(site: site, sources: sources, ids: first, changed: Set(first), files: files, shardBytes: 64)
        #expect(base.count > 1 && base.shards.count > 1, "several shards")
        #expect(base.base == 3 && base.recent.isEmpty, "the first build of a process writes the base only")
        let basePath = try fixture.shardPath("reklamacja")
        let baseShard = try Data(contentsOf: URL(fileURLWithPath: basePath))
        let baseModified = try modified(basePath)
        let shownModified = try modified(site + "/search/calls/0.json")

        let added = try call(3, texts[1])
        let next = try SearchIndex.build(site: site, sources: sources, ids: first + [added], changed: [added], previous: base, files: files)
        let recentShard = try fixture.shard("reklamacja")
        #expect(next.base == 3 && next.calls.count == 4 && next.recent.contains(recentShard))
        #expect(try Data(contentsOf: URL(fileURLWithPath: basePath)) == baseShard)
        #expect(try modified(basePath) == baseModified, "the base shard is not written again")
        #expect(try modified(site + "/search/calls/0.json") == shownModified, "nor an older call's file")
        #expect(FileManager.default.fileExists(atPath: site + "/search/calls/3.json"))
        #expect(try fixture.postings("reklamacja", recent: true) == [3, 0, 5], "the new call is number 3, after the base's; its sixth word")
        let addedTerms = try JSONDecoder().decode(SearchIndex.CallFile.self, from: Data(contentsOf: URL(fileURLWithPath: sources + "/\(added).json"))).terms.keys
        #expect(next.recent == Set(addedTerms.map { SearchIndex.shard($0, of: next.count) }), "only the shards of its terms")
        #expect(next.recent.count < next.count)
        let index = try fixture.index()
        #expect(index["calls"] as? Int == 4 && index["base"] as? Int == 3)
        #expect(next.calls.map { $0[0] } == first + [added])
        let incremental = try terms.map { try fixture.postings($0) }

        // A full build of the same calls answers the same, from the base alone.
        let full = try SearchIndex.build(site: site, sources: sources, ids: first + [added], files: files)
        #expect(full.base == 4 && full.recent.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: site + "/search/terms").allSatisfy { !$0.hasSuffix(".recent.json") },
            "the recent shards went into the base")
        #expect(try terms.map { try fixture.postings($0) } == incremental)

        // A new call older than the others is appended too, with the next number, and index.json says where it
        // sorts by time; an older call that changed, or one erased, rebuilds the base in time order.
        let earlier = try call(4, texts[0], time: "2020-01-01T00:00:00Z")
        let appended = try SearchIndex.build(
            site: site, sources: sources, ids: [earlier] + first + [added], changed: [earlier], previous: full, files: files)
        #expect(appended.base == 4 && appended.calls.map { $0[0] } == first + [added, earlier])
        #expect(try fixture.index()["order"] as? [[Int]] == [[0, 0]], "older than every base call, first of the recent")
        let rebuilt = try SearchIndex.build(
            site: site, sources: sources, ids: [earlier] + first + [added], changed: [first[1]], previous: appended, files: files)
        #expect(rebuilt.base == 5 && rebuilt.recent.isEmpty && rebuilt.calls.map { $0[0] } == [earlier] + first + [added])
        let erased = try SearchIndex.build(site: site, sources: sources, ids: [earlier] + first, changed: [], previous: rebuilt, files: files)
        #expect(erased.base == 4 && erased.calls.count == 4)
        #expect(!FileManager.default.fileExists(atPath: site + "/search/calls/4.json"), "the shown files follow the calls")
    }

    @Test("calls read by several workers give the same shards, shown files and index, byte for byte, as one worker reading them all")
    func workers() throws {
        let fixture = try SearchSite()
        defer { fixture.scratch.remove() }
        let (site, sources, files, texts) = (fixture.site, fixture.sources, fixture.files, SearchSite.texts)
        let ids = try (0..<7).map { try fixture.call($0, [texts[$0 % 4], texts[($0 + 1) % 4]]) }
        func snapshot() throws -> [String: Data] {
            var result: [String: Data] = ["index.json": try Data(contentsOf: URL(fileURLWithPath: site + "/search/index.json"))]
            for folder in ["terms", "calls"] {
                for name in try FileManager.default.contentsOfDirectory(atPath: site + "/search/" + folder) {
                    result[folder + "/" + name] = try Data(contentsOf: URL(fileURLWithPath: site + "/search/" + folder + "/" + name))
                }
            }
            return result
        }
        try SearchIndex.build(site: site, sources: sources, ids: ids, files: files, workers: 1)
        let one = try snapshot()
        try SearchIndex.build(site: site, sources: sources, ids: ids, files: files, workers: 3)
        #expect(try snapshot() == one)
        #expect(try fixture.postings("reklamacja").enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [0, 0, 1, 3, 4, 4, 5],
            "calls 0 and 4 say it twice, 1, 3 and 5 once (numbered across the workers' runs), in order")
    }
}

/// A scratch site with per-call search sources written as a build writes them.
struct SearchSite {
    static let texts = ["Złożę reklamację.", "Płatność nie doszła, proszę o reklamację.", "Dziękuję, do widzenia.", "Termin płatności minął."]
    let scratch: Scratch
    let site: String
    let sources: String
    let files: SiteFiles

    init() throws {
        scratch = try Scratch()
        site = scratch.root + "/site"
        sources = scratch.root + "/var/search"
        files = try SiteFiles(Config.Site())
        try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
    }

    /// Writes the search source of call number `number` (its id, in hex) saying `lines`; returns the id.
    func call(_ number: Int, _ lines: [String], time: String? = nil) throws -> String {
        var document = JudgeStageTests.document(lines)
        document.call.id = String(format: "%016x", number)
        if let time { document.call.metadata.callTime = time }
        try files.write(SearchIndex.encoder.encode(SearchIndex.callFile(document, lemmatizer: .shared)), to: sources + "/\(document.call.id).json")
        return document.call.id
    }

    func index() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: site + "/search/index.json"))) as? [String: Any])
    }

    /// The shard of `term` in the index as built.
    func shard(_ term: String) throws -> Int {
        SearchIndex.shard(term, of: try #require(try index()["shards"] as? Int))
    }

    func shardPath(_ term: String, recent: Bool = false) throws -> String {
        site + "/search/terms/\(try shard(term))" + (recent ? ".recent.json" : ".json")
    }

    /// The postings of `term` (call, line, position triples) in its base shard and then its recent one, or in the
    /// recent one alone.
    func postings(_ term: String, recent: Bool = false) throws -> [Int] {
        func read(_ path: String) throws -> [Int] {
            guard FileManager.default.fileExists(atPath: path) else { return [] }
            let terms = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            return SearchIndex.Postings.decode(terms[term] ?? "")
        }
        let newer = try read(try shardPath(term, recent: true))
        return recent ? newer : try read(try shardPath(term)) + newer
    }
}

@Suite("Refused inputs page")
struct QuarantinePageTests {
    @Test("a quarantine note reads back as its parts, and the page lists it with what to do next")
    func roundTrip() throws {
        let note = QuarantineNote(
            file: "rozmowa.mp3", reason: "truncated", time: Date(timeIntervalSince1970: 1_764_000_000),
            facts: [("original location", "/srv/inbox/rozmowa.mp3")],
            message: "/srv/inbox/rozmowa.mp3: the MP3 stream ends in the middle of a frame.\nRe-export it.")
        let scratch = try Scratch()
        defer { scratch.remove() }
        try note.keep(scratch.root + "/missing.mp3", in: scratch.root)
        try Data("not a note".utf8).write(to: URL(fileURLWithPath: scratch.root + "/other.error.txt"))
        let inputs = QuarantineNote.all(in: scratch.root)
        #expect(inputs.count == 1, "a file that is not a note is left out")
        let input = try #require(inputs.first)
        #expect(input.keptAs == "missing.mp3" && input.file == "rozmowa.mp3" && input.reason == "truncated")
        #expect(input.time == Timestamp.iso(Date(timeIntervalSince1970: 1_764_000_000)))
        #expect(input.facts.map(\.0) == ["original location"] && input.facts.map(\.1) == ["/srv/inbox/rozmowa.mp3"])
        #expect(input.message == "/srv/inbox/rozmowa.mp3: the MP3 stream ends in the middle of a frame.\nRe-export it.")
        #expect(input.advice.hasPrefix("The file is kept here unchanged."))

        let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("templates").path
        var sources: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: templates) where name.hasSuffix(".mustache") {
            sources[String(name.dropLast(9))] = try String(contentsOfFile: templates + "/" + name, encoding: .utf8)
        }
        let renderer = try SiteRenderer(templates: sources, settings: SiteSettings(title: "SOR", language: "pl"))
        let page = String(decoding: renderer.quarantinePage(inputs), as: UTF8.self)
        #expect(page.contains(#"<li class="refused" data-file="missing.mp3">"#))
        #expect(page.contains("<code class=\"reason\">truncated</code>") && page.contains("Co zrobić:</strong> The file is kept here unchanged."))
        #expect(page.contains("<strong id=\"quarantine-count\">1</strong>"))
    }
}
