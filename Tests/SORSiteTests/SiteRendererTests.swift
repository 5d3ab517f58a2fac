import Foundation
import Testing
@testable import SORCore
@testable import SORSite

@Suite("Site rendering")
struct SiteRendererTests {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func templates() throws -> [String: String] {
        var result: [String: String] = [:]
        let folder = repository + "/templates"
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".mustache") {
            result[String(name.dropLast(9))] = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        }
        return result
    }

    static func document() -> CallDocument {
        let engine = EngineInfo(endpoint: "http://127.0.0.1:1/v1", model: "whisper-base")
        let transcript = Transcript(
            language: "pl", duration: 4.2, text: "Dzień dobry. W czym mogę pomóc?",
            segments: [
                Segment(id: 0, start: 0.2, end: 1.1, text: "Dzień dobry.", words: [
                    Word(text: "Dzień", start: 0.2, end: 0.6), Word(text: "dobry.", start: 0.6, end: 1.1),
                ]),
                Segment(id: 1, start: 1.5, end: 3.9, text: "W czym mogę <pomóc>?", words: []),
            ], engine: engine)
        let call = CallRecord(
            id: "abcdef0123456789", status: "transcribed",
            source: CallSource(fileName: "rozmowa.mp3", sha256: "abcdef0123456789ff", bytes: 10, receivedAt: "2026-11-24T10:00:00Z"),
            audioFile: "audio.mp3",
            audio: AudioInfo(format: "MPEG/MPEG_LAYER_III", sampleRate: 8000, channels: 1, duration: 4.2, peakDb: -3, rmsDb: -20),
            metadata: CallMetadata(agent: "Anna Nowak", team: "Zespół A", direction: "inbound", callTime: "2026-11-02T10:15:00+01:00"),
            processing: nil, revision: 3)
        let history = [
            HistoryEntry(
                edit: "e1", state: "applied", type: "transcript.text", user: "ewa.k", time: "2026-11-03T09:00:00Z", file: "a.json",
                baseRevision: 2, revision: 3, before: ["segment": "1", "text": "W czym mogę pomoc?"],
                after: ["segment": "1", "text": "W czym mogę <pomóc>?"]),
            HistoryEntry(
                edit: "e2", state: "rejected", type: "transcript.text", user: "jan", time: "2026-11-03T09:05:00Z", file: "b.json",
                reason: "stale: the change was made on revision 2"),
        ]
        return CallDocument(call: call, transcript: transcript, history: history)
    }

    /// Compares with the golden file in __Snapshots__; `SOR_RECORD=1` rewrites it and fails so that it is reviewed.
    func assertSnapshot(_ data: Data?, named name: String) throws {
        let path = Self.repository + "/Tests/SORSiteTests/__Snapshots__/" + name
        let text = String(decoding: data ?? Data(), as: UTF8.self)
        if ProcessInfo.processInfo.environment["SOR_RECORD"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            Issue.record("recorded \(name); review it and run again without SOR_RECORD")
            return
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == golden, "\(name) differs from its snapshot; if intended, re-record with SOR_RECORD=1")
    }

    @Test("the index and a call page match their snapshots")
    func snapshots() throws {
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let pages = renderer.render(calls: [Self.document()])
        #expect(pages.keys.sorted() == ["calls/abcdef0123456789/index.html", "index.html"])
        try assertSnapshot(pages["index.html"], named: "index.html")
        try assertSnapshot(pages["calls/abcdef0123456789/index.html"], named: "call.html")
    }

    @Test("text from transcripts is escaped; words carry their times")
    func escaping() throws {
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let page = String(decoding: renderer.render(calls: [Self.document()])["calls/abcdef0123456789/index.html"]!, as: UTF8.self)
        #expect(page.contains("W czym mogę &lt;pomóc&gt;?"))
        #expect(!page.contains("<pomóc>"))
        #expect(page.contains("<span class=\"w\" data-start=\"0.60\" data-end=\"1.10\">dobry.</span>"))
        #expect(page.contains("Konsultant</dt><dd>Anna Nowak"))
        #expect(page.contains("data-revision=\"3\""), "edits are based on the revision shown")
        #expect(page.contains("fragment 1: „W czym mogę pomoc?” → „W czym mogę &lt;pomóc&gt;?”"))
        #expect(page.contains("<tr class=\"rejected\"><td>2026-11-03 09:05</td><td>jan</td>"))
    }

    @Test("English interface when configured")
    func english() throws {
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "en"))
        let index = String(decoding: renderer.render(calls: [])["index.html"]!, as: UTF8.self)
        #expect(index.contains("lang=\"en\""))
        #expect(index.contains("No calls yet."))
    }

    @Test("a missing template is named with the fix")
    func missingTemplate() throws {
        var templates = try Self.templates()
        templates["call"] = nil
        #expect(throws: SiteError.missingTemplate(name: "call", directory: "templates")) {
            try SiteRenderer(templates: templates, settings: SiteSettings(title: "SOR", language: "pl"))
        }
    }
}
