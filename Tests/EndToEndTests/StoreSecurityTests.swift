import Foundation
import Testing

/// Sealing at rest, key rotation, the audit log, erasure, retention and late sidecars, through the `sor` binary
/// with the real engine. Serialized: each run starts a Whisper engine on a two-core machine.
@Suite("The store: sealed, audited, erasable", .serialized)
struct StoreSecurityTests {
    static let jfk = Paths.shared + "/jfk-en/jfk.wav"
    static let harvard = Paths.shared + "/osr-harvard-8k-en"

    /// A workspace with JFK (with a sidecar naming the agent) and a Harvard clip processed.
    /// JFK's call time: 60 days before now, whatever today is, so retention always has one call to expire.
    static var oldCallTime: String {
        ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60 * 86_400))
    }

    func populated() throws -> (Workspace, [String]) {
        let workspace = try Workspace()
        let inbox = workspace.root + "/inbox"
        try FileManager.default.copyItem(atPath: Self.jfk, toPath: inbox + "/jfk.wav")
        try "agent: Zenobia Kwiatkowska\ncall_time: '\(Self.oldCallTime)'\n".write(toFile: inbox + "/jfk.yaml", atomically: true, encoding: .utf8)
        let harvard = try FileManager.default.contentsOfDirectory(atPath: Self.harvard).filter { $0.hasSuffix(".wav") }.sorted().first!
        let result = try workspace.sor("process", "--language", "en", inbox + "/jfk.wav", Self.harvard + "/" + harvard)
        #expect(result.status == 0, "\(result.stderr)")
        return (workspace, result.stdout.split(separator: "\n").map(String.init))
    }

    @Test("no plaintext recording, transcript or metadata under data/; sor show and the site read through the key")
    func sealed() throws {
        let (workspace, ids) = try populated()
        defer { workspace.remove() }
        try #require(ids.count == 2)
        var words: [String] = ["Zenobia", "Kwiatkowska"]
        for id in ids {
            let text = try workspace.show(id)[path: "transcript.text"] as? String ?? ""
            words += text.split(whereSeparator: { !$0.isLetter }).map(String.init).filter { $0.count >= 7 }
        }
        #expect(words.count > 4, "the transcripts gave words to look for")
        let leaks = try plaintextFiles(in: workspace, words: words)
        #expect(leaks.isEmpty, "plaintext under data/: \(leaks)")
        #expect(workspace.dataFiles().filter { $0.contains("/calls/") }.allSatisfy { $0.hasSuffix(".sealed") })
        // The scan itself finds plaintext when there is some.
        try FileManager.default.copyItem(atPath: Self.jfk, toPath: workspace.root + "/data/calls/leak.wav")
        try "segments: \(words[2])".write(toFile: workspace.root + "/data/calls/leak.txt", atomically: true, encoding: .utf8)
        #expect(try plaintextFiles(in: workspace, words: words).count == 2)
        // The site is the served, readable copy: built through the key.
        let page = try String(contentsOfFile: workspace.root + "/site/calls/\(ids[0])/index.html", encoding: .utf8)
        #expect(page.contains("Zenobia Kwiatkowska"))
        let audio = FileManager.default.contents(atPath: workspace.root + "/site/calls/\(ids[0])/audio.wav") ?? Data()
        #expect(audio == FileManager.default.contents(atPath: Self.jfk), "the site's recording opens to the original bytes")
    }

    @Test("a missing or different key is a clear error and touches nothing")
    func wrongKey() throws {
        let (workspace, ids) = try populated()
        defer { workspace.remove() }
        let keyFile = workspace.root + "/keys/sor.key"
        let saved = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        try FileManager.default.removeItem(atPath: keyFile)
        let missing = try workspace.sor("show", ids[0])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no key file at \(keyFile)") && missing.stderr.contains("sor key init"), "\(missing.stderr)")
        // A fresh key cannot be made over a sealed store.
        let refused = try workspace.sor("key", "init")
        #expect(refused.status != 0 && refused.stderr.contains("already sealed with key"), "\(refused.stderr)")

        // Another installation's key: every command that reads refuses, naming the key it needs.
        let other = try Workspace()
        defer { other.remove() }
        try FileManager.default.copyItem(atPath: other.root + "/keys/sor.key", toPath: keyFile)
        let show = try workspace.sor("show", ids[0])
        #expect(show.status != 0 && show.stderr.contains("is sealed with key") && show.stderr.contains("does not hold"), "\(show.stderr)")
        let before = workspace.dataFiles()
        try FileManager.default.copyItem(atPath: Self.jfk, toPath: workspace.root + "/inbox/again.wav")
        let watch = try workspace.sor("watch")
        #expect(watch.status != 0 && watch.stderr.contains("is sealed with key"), "sor watch refuses to start: \(watch.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.root + "/inbox/again.wav"), "the inbox is untouched")
        #expect(workspace.dataFiles() == before, "data/ is untouched")
        // The right key back: all is well.
        try FileManager.default.removeItem(atPath: keyFile)
        try saved.write(to: URL(fileURLWithPath: keyFile))
        #expect(try workspace.sor("show", ids[0]).status == 0)
    }

    /// The key id each sealed file under data/ names (from its header).
    func keyIDs(_ workspace: Workspace) -> [String: String] {
        var result: [String: String] = [:]
        for relative in workspace.dataFiles() where relative.hasSuffix(".sealed") {
            let bytes = [UInt8](FileManager.default.contents(atPath: workspace.root + "/" + relative)!.prefix(64))
            result[relative] = String(decoding: bytes[9..<(9 + Int(bytes[8]))], as: UTF8.self)
        }
        return result
    }

    @Test("key rotation stopped half-way, and killed, resumes and leaves every file readable under the new key only")
    func rotation() throws {
        let (workspace, ids) = try populated()
        defer { workspace.remove() }
        let original = Set(keyIDs(workspace).values)
        #expect(original.count == 1)
        let total = keyIDs(workspace).count

        let half = try workspace.sor("key", "rotate", "--max-files", String(total / 2))
        #expect(half.status == 0 && half.stdout.contains("Run `sor key rotate` again"), "\(half.stdout)\(half.stderr)")
        let mixed = keyIDs(workspace)
        #expect(Set(mixed.values).count == 2, "half the files use the new key")
        for id in ids { #expect(try workspace.sor("show", id).status == 0, "readable mid-rotation") }

        // Killed at a random moment of the resumed run: still readable, and a third run finishes.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.sor)
        process.arguments = ["key", "rotate", "--max-files", "1"]
        process.currentDirectoryURL = URL(fileURLWithPath: workspace.root)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(useconds_t.random(in: 0...30_000))
        stop(process, signal: SIGKILL)
        for id in ids { #expect(try workspace.sor("show", id).status == 0, "readable after a kill") }

        let done = try workspace.sor("key", "rotate")
        #expect(done.status == 0 && done.stdout.contains("resuming") && done.stdout.contains("done:"), "\(done.stdout)\(done.stderr)")
        let after = keyIDs(workspace)
        #expect(after.count == total)
        #expect(Set(after.values).count == 1 && Set(after.values).isDisjoint(with: original), "every file under the new key")
        let keyFile = try String(contentsOfFile: workspace.root + "/keys/sor.key", encoding: .utf8)
        #expect(!keyFile.contains(original.first!), "the old key is retired")
        for id in ids { #expect(try workspace.sor("show", id).status == 0) }
        #expect(try workspace.sor("site", "build").status == 0)
        let audit = try workspace.sor("audit", "show").stdout
        #expect(audit.contains("key-rotate  started") && audit.contains("key-rotate  completed"))
    }

    @Test("the audit log records who did what; tampering with one line is detected by sor audit verify")
    func audit() throws {
        let (workspace, ids) = try populated()
        defer { workspace.remove() }
        let ok = try workspace.sor("audit", "verify")
        #expect(ok.status == 0 && ok.stdout.contains("chain intact"), "\(ok.stderr)")
        let login = ProcessInfo.processInfo.environment["USER"] ?? "root"
        let forCall = try workspace.sor("audit", "show", "--call", ids[0]).stdout
        #expect(forCall.contains("process  ok  \(ids[0])") && forCall.contains("file=jfk.wav"), "\(forCall)")
        #expect(try workspace.sor("audit", "show", "--user", login).stdout.contains("key-init"))

        let log = try #require(workspace.dataFiles().first { $0.hasPrefix("data/audit/") && $0.hasSuffix(".jsonl") })
        let path = workspace.root + "/" + log
        let original = try String(contentsOfFile: path, encoding: .utf8)
        try original.replacingOccurrences(of: "file\":\"jfk.wav", with: "file\":\"jfK.wav").write(toFile: path, atomically: true, encoding: .utf8)
        let tampered = try workspace.sor("audit", "verify")
        #expect(tampered.status != 0)
        #expect(tampered.stderr.contains("altered"), "\(tampered.stderr)")
        // Removing a line instead breaks the chain.
        var lines = original.split(separator: "\n")
        lines.remove(at: 1)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let removed = try workspace.sor("audit", "verify")
        #expect(removed.status != 0 && removed.stderr.contains("chain is broken"), "\(removed.stderr)")
    }

    @Test("sor calls delete erases the recording, results and pages, and leaves a tombstone in the audit")
    func delete() throws {
        let (workspace, ids) = try populated()
        defer { workspace.remove() }
        let sha = try workspace.show(ids[0])[path: "call.source.sha256"] as? String ?? "?"
        let result = try workspace.sor("calls", "delete", "--reason", "RODO art. 17, wniosek 12/2026", ids[0])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try workspace.sor("show", ids[0]).status != 0)
        #expect(!workspace.dataFiles().contains { $0.contains(ids[0]) }, "nothing of the call is left under data/")
        #expect(!FileManager.default.fileExists(atPath: workspace.root + "/site/calls/\(ids[0])"), "its pages are gone")
        let tombstone = try workspace.sor("audit", "show", "--call", ids[0]).stdout
        #expect(tombstone.contains("delete  erased  \(ids[0])") && tombstone.contains("sha256=\(sha)") && tombstone.contains("wniosek 12/2026"))
        #expect(try workspace.sor("calls", "list").stdout.split(separator: "\n").count == 1)
        #expect(try workspace.sor("audit", "verify").status == 0)
    }

    @Test("retention: calls older than the configured days are erased (or archived, still sealed); newer ones stay")
    func retention() throws {
        for action in ["delete", "archive"] {
            let (workspace, ids) = try populated()
            defer { workspace.remove() }
            // JFK's call time is 60 days ago; the Harvard clip's is now, so one call is old enough and one is not.
            let calls = try JSONSerialization.jsonObject(with: Data(workspace.sor("calls", "list", "--json").stdout.utf8)) as? [[String: Any]] ?? []
            let old = try #require(calls.first { ($0["metadata"] as? [String: Any])?["call_time"] != nil }?["id"] as? String)
            let config = try String(contentsOfFile: workspace.root + "/sor.yaml", encoding: .utf8)
            try (config + "\nretention:\n  days: 30\n  action: \(action)\n").write(toFile: workspace.root + "/sor.yaml", atomically: true, encoding: .utf8)
            let result = try workspace.sor("calls", "expire")
            #expect(result.status == 0, "\(result.stderr)")
            let listed = try workspace.sor("calls", "list").stdout
            #expect(result.stdout.contains(old))
            #expect(!listed.contains(old))
            #expect(listed.contains(ids.first { $0 != old }!), "the newer call stays: not old enough yet")
            if action == "archive" {
                let archived = try run("/usr/bin/find", [workspace.root + "/archive", "-type", "f"]).stdout
                #expect(archived.contains(old) && archived.split(separator: "\n").allSatisfy { $0.hasSuffix(".sealed") })
            }
            #expect(try workspace.sor("audit", "show", "--call", old).stdout.contains(action == "delete" ? "delete  expired" : "archive  expired"))
        }
    }

    @Test("a sidecar that arrives after its recording is applied to the stored call as a metadata edit")
    func lateSidecar() throws {
        let workspace = try Workspace(extra: """
            watch:
              rescan_interval: 1
              settle_seconds: 0.5
            """)
        defer { workspace.remove() }
        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log)
        defer { stop(watcher) }
        try FileManager.default.copyItem(atPath: Self.jfk, toPath: workspace.root + "/inbox/rozmowa-17.wav")
        var id: String?
        for _ in 0..<240 where id == nil {
            Thread.sleep(forTimeInterval: 0.5)
            id = try workspace.sor("calls", "list").stdout.split(separator: " ").first.map(String.init)
        }
        let call = try #require(id, "processed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        try "agent: Bożena Lis\nteam: Windykacja\n".write(toFile: workspace.root + "/inbox/rozmowa-17.yaml", atomically: true, encoding: .utf8)
        var agent: String?
        for _ in 0..<60 where agent == nil {
            Thread.sleep(forTimeInterval: 0.5)
            agent = try workspace.show(call)[path: "call.metadata.agent"] as? String
        }
        #expect(agent == "Bożena Lis", "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let document = try workspace.show(call)
        #expect(document[path: "call.metadata.team"] as? String == "Windykacja")
        #expect(document[path: "call.revision"] as? Int == 2)
        let history = document["history"] as? [[String: Any]] ?? []
        #expect(history.first?["type"] as? String == "call.metadata" && history.first?["user"] as? String == "sor")
        #expect(!FileManager.default.fileExists(atPath: workspace.root + "/inbox/rozmowa-17.yaml"))
    }
}
