import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime
@testable import SORScoring

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
}
