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
        let open = try workspace.sor("show", ids[0])
        #expect(open.status != 0 && open.stderr.contains("run `chmod 600 \(keyFile)`"), "a restored key others may read is refused: \(open.stderr)")
        chmod(keyFile, 0o600)
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
        let workspace = try Workspace.watched()
        defer { workspace.remove() }
        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log)
        defer { stop(watcher) }
        try FileManager.default.copyItem(atPath: Self.jfk, toPath: workspace.root + "/inbox/rozmowa-17.wav")
        let call = try workspace.firstCall(log: log)
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

@Suite("Hardening", .serialized)
struct HardeningTests {
    /// The pid of a process that has exited.
    static func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        waitForExit(process)
        return process.processIdentifier
    }

    @Test("decoded audio left in var/tmp by a killed run is reported by sor status and removed at the next start; a running process's copy stays")
    func leftovers() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let tmp = workspace.root + "/var/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let dead = "0123456789abcdef.pid-\(try Self.deadPID()).a1b2c3d4.16k.wav"
        let older = "0123456789abcdef.a1b2c3d4.16k.wav"  // named by a sor that did not mark its copies
        let live = "diarize.pid-\(getpid()).a1b2c3d4.16k.wav"
        for name in [dead, dead + ".ch0.wav", older, live] {
            try Data("RIFF plaintext audio".utf8).write(to: URL(fileURLWithPath: tmp + "/" + name))
        }
        let status = try workspace.sor("status")
        #expect(status.stdout.contains("plaintext left by an interrupted run: 3 decoded working copies in var/tmp/"), "\(status.stdout)")
        // Any start of a writing command sweeps them, even one that then refuses its only file.
        FileManager.default.createFile(atPath: workspace.root + "/empty.wav", contents: Data())
        try workspace.sor("process", workspace.root + "/empty.wav")
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp)
        #expect(left == [live], "only the running process's copy stays: \(left)")
        #expect(!(try workspace.sor("status").stdout.contains("plaintext left")))
    }

    @Test("a sidecar (or an edit: the same parser) cannot give a call an impossible date, which retention would skip for ever")
    func impossibleDate() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try "call_time: '2026-13-45'\n".write(toFile: workspace.root + "/jfk.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: StoreSecurityTests.jfk, toPath: workspace.root + "/jfk.wav")
        let refused = try workspace.sor("process", "--language", "en", workspace.root + "/jfk.wav")
        #expect(refused.status != 0 && refused.stderr.contains("call_time must be a real date"), "\(refused.stderr)")
    }

    @Test("a recording larger than audio.max_megabytes is refused before it is read, and kept with the reason")
    func tooLarge() throws {
        let workspace = try Workspace(extra: "audio:\n  max_megabytes: 0.1\n")
        defer { workspace.remove() }
        try FileManager.default.copyItem(atPath: StoreSecurityTests.jfk, toPath: workspace.root + "/inbox/big.wav")
        let result = try workspace.sor("process", workspace.root + "/inbox/big.wav")
        #expect(result.status != 0 && result.stderr.contains("is larger than 102 KiB"), "\(result.stderr)")
        let note = (try? String(contentsOfFile: workspace.root + "/inbox/failed/big.wav.error.txt", encoding: .utf8)) ?? ""
        #expect(note.contains("reason: too-large"), "\(note)")
        #expect(FileManager.default.fileExists(atPath: workspace.root + "/inbox/failed/big.wav"))
    }

    @Test("the audit actor of a command is the real user, not whatever $USER or $SUDO_USER say")
    func actor() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let rescore = try workspace.sor(["rescore"], environment: ["USER": "mallory", "SUDO_USER": "mallory"])
        try #require(rescore.status == 0, "\(rescore.stderr)")
        let login = String(cString: getpwuid(getuid())!.pointee.pw_name)
        let audit = try workspace.sor("audit", "show").stdout
        #expect(audit.contains("cli:\(login)  rescore"), "\(audit)")
        #expect(!audit.contains("mallory"))
    }

    @Test("sor calls delete erases every plaintext copy: after it no file under the workspace holds the call's words, agent or file name")
    func erasedEverywhere() throws {
        let workspace = try Workspace.watched()
        defer { workspace.remove() }
        let inbox = workspace.root + "/inbox"
        // The watcher's log goes outside the workspace: a journal is the operator's, not SOR's, to erase.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sor-erase-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let watcher = try startWatcher(workspace, log: log)
        var stopped = false
        defer { if !stopped { stop(watcher) } }
        try FileManager.default.copyItem(atPath: StoreSecurityTests.jfk, toPath: inbox + "/kennedy-speech.wav")
        try "agent: Zenobia Kwiatkowska\nlanguage: en\n".write(toFile: inbox + "/kennedy-speech.yaml", atomically: true, encoding: .utf8)
        let call = try workspace.firstCall(log: log)
        let document = try workspace.show(call)
        let words = ((document["transcript"] as? [String: Any])?["text"] as? String ?? "")
            .split(separator: " ").map { $0.trimmingCharacters(in: .punctuationCharacters) }.filter { $0.count >= 6 }
        try #require(words.count >= 3, "the call has words to look for: \(words)")
        // A rejected edit that quotes the call's words, and a duplicate set aside.
        let segment = try #require((document["transcript"] as? [String: Any])?["segments"] as? [[String: Any]]).first!
        let text = (segment["text"] as? String ?? "").trimmingCharacters(in: .whitespaces)
        let edit: [String: Any] = ["schema": 1, "type": "transcript.text", "call": String(call.prefix(8)), "base_revision": 1, "segment": 0, "text": text]
        try FileManager.default.createDirectory(atPath: inbox + "/edits/anna", withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: edit).write(to: URL(fileURLWithPath: inbox + "/edits/anna/same.json"))
        try FileManager.default.copyItem(atPath: StoreSecurityTests.jfk, toPath: inbox + "/kennedy-again.wav")
        for _ in 0..<60 where !(FileManager.default.fileExists(atPath: inbox + "/failed/edits/anna/same.json.error.txt")
            && FileManager.default.fileExists(atPath: inbox + "/duplicates/kennedy-again.wav")) {
            Thread.sleep(forTimeInterval: 0.5)
        }
        try #require(FileManager.default.fileExists(atPath: inbox + "/duplicates/kennedy-again.wav"), "set aside as a duplicate")
        try #require(FileManager.default.fileExists(atPath: workspace.root + "/site/edit-status/anna/same.json"), "the rejection's status")
        let refusal = try workspace.sor("calls", "delete", call)
        #expect(refusal.status != 0 && refusal.stderr.contains("in use by sor watch"), "erasure waits for the watcher to stop: \(refusal.stderr)")
        stop(watcher)
        stopped = true
        let result = try workspace.sor("calls", "delete", call)
        try #require(result.status == 0, "\(result.stderr)")
        let found = try run("/usr/bin/grep", ["-rIl", "-i", "-e", "Zenobia"] + words.flatMap { ["-e", $0] } + [workspace.root]).stdout
        #expect(found.isEmpty, "files still holding the call's words or its agent: \(found)")
        // The audit log names the files it was told of (who brought which recording), by design; nothing else does.
        let named = try run("/usr/bin/grep", ["-rIl", "--exclude-dir=audit", "-e", "kennedy-speech", "-e", "kennedy-again", workspace.root]).stdout
        #expect(named.isEmpty, "files still naming the recording: \(named)")
        #expect(!FileManager.default.fileExists(atPath: inbox + "/duplicates/kennedy-again.wav"), "the duplicate recording is gone")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: workspace.root + "/var/tmp"))?.isEmpty ?? true)
        #expect(try workspace.sor("audit", "verify").status == 0)
    }

    @Test("a late sidecar from another place than its recording (the shared inbox for a user's upload) is kept for a person, not applied")
    func foreignSidecar() throws {
        let workspace = try Workspace.watched()
        defer { workspace.remove() }
        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log)
        defer { stop(watcher) }
        try FileManager.default.createDirectory(atPath: workspace.root + "/inbox/uploads/anna", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: StoreSecurityTests.jfk, toPath: workspace.root + "/inbox/uploads/anna/rozmowa-18.wav")
        let call = try workspace.firstCall(log: log)
        try "agent: Ktoś Obcy\n".write(toFile: workspace.root + "/inbox/rozmowa-18.yaml", atomically: true, encoding: .utf8)
        let note = workspace.root + "/inbox/failed/rozmowa-18.yaml.error.txt"
        for _ in 0..<60 where !FileManager.default.fileExists(atPath: note) { Thread.sleep(forTimeInterval: 0.5) }
        let text = (try? String(contentsOfFile: note, encoding: .utf8)) ?? ""
        #expect(text.contains("reason: foreign-metadata") && text.contains("inbox/uploads/anna/"), "\(text)\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(FileManager.default.fileExists(atPath: workspace.root + "/inbox/failed/rozmowa-18.yaml"), "kept for a person")
        let document = try workspace.show(call)
        #expect(document[path: "call.metadata.agent"] == nil && document[path: "call.revision"] as? Int == 1, "the call is unchanged")
    }

    @Test("files written to the site are mode 0640 and belong to site.group, not readable by every account")
    func siteModes() throws {
        let workspace = try Workspace(extra: "site:\n  group: nogroup\n")
        defer { workspace.remove() }
        let result = try workspace.sor("process", "--language", "en", StoreSecurityTests.jfk)
        try #require(result.status == 0, "\(result.stderr)")
        let nogroup = try #require(getgrnam("nogroup")).pointee.gr_gid
        let files = try run("/usr/bin/find", [workspace.root + "/site", "-type", "f"]).stdout.split(separator: "\n").map(String.init)
        #expect(files.contains { $0.hasSuffix("/index.html") } && files.contains { $0.hasSuffix("/audio.wav") }, "\(files)")
        for file in files {
            var info = stat()
            try #require(stat(file, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o640, "\(file): mode \(String(info.st_mode & 0o777, radix: 8))")
            #expect(info.st_gid == nogroup, "\(file): group \(info.st_gid)")
        }
        let wrong = try Workspace(extra: "site:\n  group: no-such-group-here\n")
        defer { wrong.remove() }
        let build = try wrong.sor("site", "build")
        #expect(build.status != 0 && build.stderr.contains("there is no group no-such-group-here"), "\(build.stderr)")
    }

    @Test("links, pipes and devices in the inbox are refused without being opened, oversized edit documents without being read; the watcher goes on")
    func hostileInbox() throws {
        let workspace = try Workspace.watched()
        defer { workspace.remove() }
        let inbox = workspace.root + "/inbox"
        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log)
        defer { stop(watcher) }
        try FileManager.default.createSymbolicLink(atPath: inbox + "/zero.wav", withDestinationPath: "/dev/zero")
        try FileManager.default.createSymbolicLink(atPath: inbox + "/passwd.wav", withDestinationPath: "/etc/passwd")
        try #require(mkfifo(inbox + "/pipe.wav", 0o644) == 0)
        let edits = inbox + "/edits/anna"
        try FileManager.default.createDirectory(atPath: edits, withIntermediateDirectories: true)
        try Data(repeating: 0x20, count: 2 << 20).write(to: URL(fileURLWithPath: edits + "/big.json"))
        try #require(mkfifo(edits + "/pipe.json", 0o644) == 0)
        try FileManager.default.copyItem(atPath: StoreSecurityTests.jfk, toPath: inbox + "/good.wav")
        var listed = ""
        for _ in 0..<240 where !listed.contains("good.wav") {
            Thread.sleep(forTimeInterval: 0.5)
            listed = try workspace.sor("calls", "list").stdout
        }
        #expect(listed.contains("good.wav"), "the recording behind them is processed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(listed.split(separator: "\n").count == 1, "nothing else became a call: \(listed)")
        let failed = inbox + "/failed"
        for (name, what) in [("zero.wav", "a symbolic link"), ("passwd.wav", "a symbolic link"), ("pipe.wav", "a named pipe (FIFO)")] {
            let note = (try? String(contentsOfFile: failed + "/\(name).error.txt", encoding: .utf8)) ?? ""
            #expect(note.contains("reason: not-a-file") && note.contains(what), "\(name): \(note)")
            #expect(InboxFileKind.exists(failed + "/" + name), "\(name) is kept as it was")
        }
        for _ in 0..<20 where !FileManager.default.fileExists(atPath: failed + "/edits/anna/pipe.json.error.txt") { Thread.sleep(forTimeInterval: 0.5) }
        let big = (try? String(contentsOfFile: failed + "/edits/anna/big.json.error.txt", encoding: .utf8)) ?? ""
        #expect(big.contains("larger than 1 MiB"), "\(big)")
        let pipe = (try? String(contentsOfFile: failed + "/edits/anna/pipe.json.error.txt", encoding: .utf8)) ?? ""
        #expect(pipe.contains("named pipe"), "\(pipe)")
        #expect(watcher.isRunning)
    }
}

/// Whether a name exists in the file system, links included (FileManager follows them).
enum InboxFileKind {
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}
