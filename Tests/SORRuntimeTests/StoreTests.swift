import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime

@Suite("Call store")
struct StoreTests {
    static func sampleRecord(id: String = "0123456789abcdef") -> (CallRecord, Transcript) {
        let engine = EngineInfo(endpoint: "http://127.0.0.1:1/v1", model: "whisper-base")
        let transcript = Transcript(
            language: "pl", duration: 3.5, text: "Dzień dobry.",
            segments: [Segment(id: 0, start: 0.1, end: 1.2, text: "Dzień dobry.", words: [
                Word(text: "Dzień", start: 0.1, end: 0.5, probability: 0.9), Word(text: "dobry.", start: 0.6, end: 1.2, probability: 0.8),
            ])], engine: engine)
        let record = CallRecord(
            id: id, status: "transcribed",
            source: CallSource(fileName: "a.wav", sha256: id + id, bytes: 1000, receivedAt: "2026-11-24T10:00:00Z"),
            audioFile: "audio.wav",
            audio: AudioInfo(format: "WAV/PCM_16", sampleRate: 8000, channels: 2, duration: 3.5, peakDb: -3.2, rmsDb: -20.1),
            metadata: CallMetadata(agent: "Anna", callTime: "2026-11-02T10:15:00+01:00", channels: ["left": "KONSULTANT"]),
            processing: ProcessingInfo(engine: engine, language: "pl", startedAt: "a", finishedAt: "b", transcriptionSeconds: 0.5))
        return (record, transcript)
    }

    /// A store in `root` under a fresh key file.
    static func store(_ root: String) throws -> CallStore {
        let ring = try Keyring.create(path: root + "/keys/sor.key")
        return CallStore(dataDirectory: root, vault: Vault(keyring: ring))
    }

    @Test("a saved call loads back unchanged, in its dated folder, found by a prefix of its id")
    func roundTrip() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sor-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try Self.store(root)
        let (record, transcript) = Self.sampleRecord()
        let audio = root + "/input.wav"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: audio, contents: Data("RIFF".utf8))
        try store.save(record: record, transcript: transcript, audioFrom: audio, moveInputs: false)

        #expect(FileManager.default.fileExists(atPath: root + "/calls/2026/11/02/0123456789abcdef/call.yaml.sealed"))
        #expect(FileManager.default.fileExists(atPath: audio), "a copied input stays where it was")
        let loaded = try store.load("01234")
        var expected = record
        expected.source.inode = loaded.call.source.inode
        #expect(loaded.call == expected)
        #expect(loaded.call.source.inode != nil, "the input's device and inode are recorded")
        #expect(loaded.transcript == transcript)
        #expect(throws: RuntimeError.callNotFound(id: "ffff", dataDirectory: root)) { try store.load("ffff") }
        let yaml = String(decoding: try store.read("call.yaml", in: root + "/calls/2026/11/02/0123456789abcdef")!, as: UTF8.self)
        #expect(yaml.contains("peak_db: -3.2"))
        #expect(yaml.contains("sample_rate: 8000"))
        #expect(yaml.contains("call_time: '2026-11-02T10:15:00+01:00'"))
    }

    @Test("no staging folder is left behind and a half-written call is not listed")
    func staging() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sor-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try Self.store(root)
        try FileManager.default.createDirectory(atPath: root + "/calls/2026/11/02/.abc.staging", withIntermediateDirectories: true)
        #expect(store.folders().isEmpty)
    }

    @Test("the store records which scorecards its calls were scored with: a first call starts the record, a call scored with others makes it mixed")
    func scoringRecord() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var config = Config()
        config.paths.data = scratch.root + "/data"
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: scratch.root))
        let store = try Self.store(workspace.data)
        let audio = scratch.root + "/input.wav"
        FileManager.default.createFile(atPath: audio, contents: Data("RIFF".utf8))
        func save(_ id: String) throws {
            let (record, transcript) = Self.sampleRecord(id: id)
            try store.save(record: record, transcript: transcript, audioFrom: audio, moveInputs: false)
        }

        let record = ScoringRecord(dataDirectory: workspace.data)
        #expect(record.dueReason(sha256: "A")?.contains("no record") == true)
        try save("0000000000000001")
        record.noteScored(sha256: "A", store: store)
        #expect(record.dueReason(sha256: "A") == nil, "the only call was scored with A")
        try save("0000000000000002")
        record.noteScored(sha256: "A", store: store)
        #expect(record.dueReason(sha256: "A") == nil)
        #expect(record.dueReason(sha256: "B")?.contains("other scorecards") == true)
        try save("0000000000000003")
        record.noteScored(sha256: "B", store: store)
        #expect(record.dueReason(sha256: "B") != nil, "one call with B, two with A")
        #expect(record.dueReason(sha256: "A") != nil)

        // A store that held calls before the record was kept stays unknown until a rescore.
        try FileManager.default.removeItem(atPath: record.path)
        record.noteScored(sha256: "A", store: store)
        #expect(record.dueReason(sha256: "A")?.contains("no record") == true)
    }
}

@Suite("Site builds")
struct SiteBuildTests {
    @Test("a rebuild reads and renders only the calls whose folders changed, sees a change made by another process, and drops an erased call")
    func incremental() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var config = Config()
        config.paths.data = scratch.root + "/data"
        config.paths.site = scratch.root + "/site"
        config.paths.templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("templates").path
        config.security.keyFile = scratch.root + "/keys/sor.key"
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: scratch.root))
        try Keyring.create(path: workspace.keyFile)
        let watcher = Runtime(workspace: workspace)
        let store = try watcher.store
        let audio = scratch.root + "/input.wav"
        FileManager.default.createFile(atPath: audio, contents: Data("RIFF".utf8))
        for id in ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"] {
            let (record, transcript) = StoreTests.sampleRecord(id: id)
            try store.save(record: record, transcript: transcript, audioFrom: audio, moveInputs: false)
        }
        #expect(try watcher.publisher().build().pages == 3, "the index and both call pages")
        #expect(try watcher.publisher().build().pages == 1, "nothing changed: only the index is written")

        // Another process (a CLI command with its own runtime) changes a call.
        let other = Runtime(workspace: workspace)
        let folder = try other.store.find("bbbbbbbbbbbbbbbb")
        var record = try other.store.record(in: folder)
        record.metadata.agent = "Beata Zmieniona"
        try other.store.write(FileFormats.yaml(record), as: "call.yaml", in: folder)
        #expect(try watcher.publisher().build().pages == 2, "the changed call's page and the index")
        let index = try String(contentsOfFile: workspace.site + "/calls.html", encoding: .utf8)
        #expect(index.contains("Beata Zmieniona"))
        #expect(index.contains("aaaaaaaaaaaaaaaa"))

        try store.delete(folder: try store.find("aaaaaaaaaaaaaaaa"))
        #expect(try watcher.publisher().build().pages == 1)
        #expect(try !String(contentsOfFile: workspace.site + "/calls.html", encoding: .utf8).contains("aaaaaaaaaaaaaaaa"))
        #expect(!FileManager.default.fileExists(atPath: workspace.site + "/calls/aaaaaaaaaaaaaaaa"))
    }
}
