import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime
@testable import SORScoring
@testable import SORSite

@Suite("Search index")
struct SearchIndexTests {
    @Test("a call's terms: every word folded and its lemmas, with line and position; the shards gather them by their first two letters")
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

        let scratch = try Scratch()
        defer { scratch.remove() }
        let site = scratch.root + "/site"
        try FileManager.default.createDirectory(atPath: site + "/search/calls", withIntermediateDirectories: true)
        let files = try SiteFiles(Config.Site())
        try files.write(SearchIndex.encoder.encode(file), to: site + "/search/calls/0011223344556677.json")
        try files.write(Data("{}".utf8), to: site + "/search/calls/gone.json")
        try files.write(Data("{}".utf8), to: site + "/search/terms/zz.json")
        try SearchIndex.build(site: site, ids: ["0011223344556677"], files: files)
        let shard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: site + "/search/terms/re.json"))) as? [String: [Int]])
        #expect(shard["reklamacje"] == [0, 0, 1, 0, 1, 2], "postings: call number, line, position")
        let index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: site + "/search/index.json"))) as? [String: Any])
        #expect((index["calls"] as? [[String]])?.first?.first == "0011223344556677")
        #expect((index["shards"] as? [String])?.contains("re") == true)
        #expect(!FileManager.default.fileExists(atPath: site + "/search/calls/gone.json"), "a call no longer stored leaves the index")
        #expect(!FileManager.default.fileExists(atPath: site + "/search/terms/zz.json"), "and so does a shard no term needs")
        // The same calls give the same bytes.
        let before = try Data(contentsOf: URL(fileURLWithPath: site + "/search/terms/re.json"))
        try SearchIndex.build(site: site, ids: ["0011223344556677"], files: files)
        #expect(try Data(contentsOf: URL(fileURLWithPath: site + "/search/terms/re.json")) == before)
    }

    @Test("a new call goes to the recent shards and rewrites no base shard; together they answer as a full build does; a changed older call rebuilds the base")
    func recent() throws {
        let fixture = try SearchSite()
        defer { fixture.scratch.remove() }
        let (site, files, texts) = (fixture.site, fixture.files, SearchSite.texts)
        func call(_ number: Int, _ text: String) throws -> String { try fixture.call(number, [text]) }
        func shard(_ name: String) throws -> [String: [Int]] {
            let path = site + "/search/terms/" + name + ".json"
            guard FileManager.default.fileExists(atPath: path) else { return [:] }
            return try JSONDecoder().decode([String: [Int]].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }
        func answers(_ name: String) throws -> [String: [Int]] {
            try shard(name).merging(try shard(name + ".recent")) { $0 + $1 }
        }
        let first = try (0..<3).map { try call($0, texts[$0]) }
        let base = try SearchIndex.build(site: site, ids: first, changed: Set(first), files: files)
        #expect(base.base == 3 && base.recent.isEmpty, "the first build of a process writes the base only")
        let baseShard = try Data(contentsOf: URL(fileURLWithPath: site + "/search/terms/re.json"))
        let baseModified = try FileManager.default.attributesOfItem(atPath: site + "/search/terms/re.json")[.modificationDate] as? Date

        let added = try call(3, texts[1])
        let next = try SearchIndex.build(site: site, ids: first + [added], changed: [added], previous: base, files: files)
        #expect(next.base == 3 && next.calls.count == 4 && next.recent.contains("re"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: site + "/search/terms/re.json")) == baseShard)
        #expect(try FileManager.default.attributesOfItem(atPath: site + "/search/terms/re.json")[.modificationDate] as? Date == baseModified,
            "the base shard is not written again")
        #expect(try shard("re.recent")["reklamacja"] == [3, 0, 5], "the new call is number 3, after the base's; its sixth word")
        let index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: site + "/search/index.json"))) as? [String: Any])
        #expect((index["recent"] as? [String])?.contains("re") == true)
        #expect((index["calls"] as? [[String]])?.map { $0[0] } == first + [added])
        let incremental = try ["re", "pl", "do", "te", "zl"].map { try answers($0) }

        // A full build of the same calls answers the same, from the base alone.
        let full = try SearchIndex.build(site: site, ids: first + [added], files: files)
        #expect(full.base == 4 && full.recent.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: site + "/search/terms/re.recent.json"), "the recent shards went into the base")
        #expect(try ["re", "pl", "do", "te", "zl"].map { try answers($0) } == incremental)

        // A new call older than the others is appended too, with the next number; an older call that changed, or
        // one erased, rebuilds the base in time order.
        let earlier = try call(4, texts[0])
        let appended = try SearchIndex.build(site: site, ids: [earlier] + first + [added], changed: [earlier], previous: full, files: files)
        #expect(appended.base == 4 && appended.calls.map { $0[0] } == first + [added, earlier])
        let rebuilt = try SearchIndex.build(site: site, ids: [earlier] + first + [added], changed: [first[1]], previous: appended, files: files)
        #expect(rebuilt.base == 5 && rebuilt.recent.isEmpty && rebuilt.calls.map { $0[0] } == [earlier] + first + [added])
        let erased = try SearchIndex.build(site: site, ids: [earlier] + first, changed: [], previous: rebuilt, files: files)
        #expect(erased.base == 4 && erased.calls.count == 4)
    }

    @Test("calls read by several workers give the same shards and index, byte for byte, as one worker reading them all")
    func workers() throws {
        let fixture = try SearchSite()
        defer { fixture.scratch.remove() }
        let (site, files, texts) = (fixture.site, fixture.files, SearchSite.texts)
        let ids = try (0..<7).map { try fixture.call($0, [texts[$0 % 4], texts[($0 + 1) % 4]]) }
        func snapshot() throws -> [String: Data] {
            var result: [String: Data] = ["index.json": try Data(contentsOf: URL(fileURLWithPath: site + "/search/index.json"))]
            for name in try FileManager.default.contentsOfDirectory(atPath: site + "/search/terms") {
                result[name] = try Data(contentsOf: URL(fileURLWithPath: site + "/search/terms/" + name))
            }
            return result
        }
        try SearchIndex.build(site: site, ids: ids, files: files, workers: 1)
        let one = try snapshot()
        try SearchIndex.build(site: site, ids: ids, files: files, workers: 3)
        #expect(try snapshot() == one)
        let shard = try #require(try JSONSerialization.jsonObject(with: one["re.json"] ?? Data()) as? [String: [Int]])
        #expect(shard["reklamacja"]?.enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [0, 0, 1, 3, 4, 4, 5],
            "calls 0 and 4 say it twice, 1, 3 and 5 once (numbered across the workers' runs), in order")
    }
}

/// A scratch site with per-call search files written as a build writes them.
struct SearchSite {
    static let texts = ["Złożę reklamację.", "Płatność nie doszła, proszę o reklamację.", "Dziękuję, do widzenia.", "Termin płatności minął."]
    let scratch: Scratch
    let site: String
    let files: SiteFiles

    init() throws {
        scratch = try Scratch()
        site = scratch.root + "/site"
        files = try SiteFiles(Config.Site())
        try FileManager.default.createDirectory(atPath: site + "/search/calls", withIntermediateDirectories: true)
    }

    /// Writes the search file of call number `number` (its id, in hex) saying `lines`; returns the id.
    func call(_ number: Int, _ lines: [String]) throws -> String {
        var document = JudgeStageTests.document(lines)
        document.call.id = String(format: "%016x", number)
        try files.write(SearchIndex.encoder.encode(SearchIndex.callFile(document, lemmatizer: .shared)), to: site + "/search/calls/\(document.call.id).json")
        return document.call.id
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
