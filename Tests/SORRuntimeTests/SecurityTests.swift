import Crypto
import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime

/// A scratch folder removed at the end of a test.
struct Scratch {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("sor-sec-\(UUID().uuidString)").path
    init() throws { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) }
    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

@Suite("Sealing at rest")
struct VaultTests {
    @Test("sealed data opens to the same bytes at every size around the chunk boundary", arguments: [0, 1, 1000, 1 << 20, (1 << 20) + 1, (5 << 19) + 7])
    func roundTrip(size: Int) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let vault = Vault(keyring: try Keyring.create(path: scratch.root + "/k"))
        let plain = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let sealed = try vault.seal(plain)
        #expect(try vault.open(sealed, file: "x") == plain)
        #expect(sealed.count == plain.count + 8 + 1 + vault.keyring.current.utf8.count + 4 + 8 + 16 * max(1, (size + (1 << 20) - 1) / (1 << 20)))
        if size >= 16 { #expect(sealed.range(of: plain.prefix(16)) == nil, "no plaintext in the sealed bytes") }
        // The streamed file path gives the same plaintext.
        try plain.write(to: URL(fileURLWithPath: scratch.root + "/in"))
        try vault.sealFile(scratch.root + "/in", to: scratch.root + "/in.sealed")
        try vault.openFile(scratch.root + "/in.sealed", to: scratch.root + "/out")
        #expect(FileManager.default.contents(atPath: scratch.root + "/out") == plain)
        #expect(try Vault.keyID(of: scratch.root + "/in.sealed") == vault.keyring.current)
    }

    @Test("a flipped byte, a dropped chunk and a cut end are each detected")
    func tampering() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let vault = Vault(keyring: try Keyring.create(path: scratch.root + "/k"))
        let sealed = try vault.seal(Data(repeating: 7, count: (1 << 20) * 2 + 100))
        var flipped = sealed
        flipped[flipped.count - 50] ^= 1
        #expect(throws: VaultError.self) { try vault.open(flipped, file: "f") }
        let chunk = (1 << 20) + 16
        let header = sealed.count - 2 * chunk - 116
        var dropped = sealed
        dropped.removeSubrange(header..<(header + chunk))
        #expect(throws: VaultError.self) { try vault.open(dropped, file: "f") }
        // Cut exactly at a chunk boundary: the last remaining chunk was not sealed as final.
        #expect(throws: VaultError.self) { try vault.open(sealed.prefix(header + chunk), file: "f") }
        #expect(throws: VaultError.notSealed(file: "f")) { try vault.open(Data("RIFF....WAVE".utf8), file: "f") }
    }

    @Test("a different key file is a clear error that names the key, and the check file catches it before any write")
    func wrongKey() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let right = Vault(keyring: try Keyring.create(path: scratch.root + "/right"))
        let other = Vault(keyring: try Keyring.create(path: scratch.root + "/other"))
        let data = scratch.root + "/data"
        try right.check(dataDirectory: data)
        #expect(throws: VaultError.unknownKey(file: Vault.checkFile(in: data), keyID: right.keyring.current, keyFile: scratch.root + "/other")) {
            try other.check(dataDirectory: data)
        }
        // Same id, different bytes (a key file edited by hand): the tag fails on the first chunk.
        var text = try String(contentsOfFile: scratch.root + "/other", encoding: .utf8)
        text = text.replacingOccurrences(of: other.keyring.current, with: right.keyring.current)
        try text.write(toFile: scratch.root + "/forged", atomically: true, encoding: .utf8)
        chmod(scratch.root + "/forged", 0o600)
        let forged = Vault(keyring: try Keyring.load(path: scratch.root + "/forged"))
        #expect(throws: VaultError.cannotOpen(file: Vault.checkFile(in: data), keyID: right.keyring.current, keyFile: scratch.root + "/forged")) {
            try forged.check(dataDirectory: data)
        }
        #expect(throws: VaultError.noKeyFile(path: scratch.root + "/missing")) { try Keyring.load(path: scratch.root + "/missing") }
        #expect(throws: VaultError.keyFileExists(path: scratch.root + "/right")) { try Keyring.create(path: scratch.root + "/right") }
    }

    @Test("the key file is created with mode 0600")
    func keyFileMode() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Keyring.create(path: scratch.root + "/keys/sor.key")
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.root + "/keys/sor.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try Keyring.load(path: scratch.root + "/keys/sor.key").adding(newKeyAt: Date()).save()
        let after = try FileManager.default.attributesOfItem(atPath: scratch.root + "/keys/sor.key")[.posixPermissions] as? Int
        #expect(after == 0o600, "saving keeps the mode")
    }

    @Test("a key file that group or others may read, or that another user owns, is refused with the way to fix it")
    func keyFilePermissions() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.root + "/sor.key"
        try Keyring.create(path: path)
        for mode: mode_t in [0o640, 0o604, 0o660] {
            chmod(path, mode)
            #expect(throws: VaultError.badKeyFile(path: path, detail: "group or others may read it (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`")) {
                try Keyring.load(path: path)
            }
        }
        chmod(path, 0o600)
        #expect(throws: Never.self) { try Keyring.load(path: path) }
        chmod(path, 0o400)
        #expect(throws: Never.self, "read-only for its owner is fine") { try Keyring.load(path: path) }
        try #require(chown(path, 65534, 65534) == 0, "tests run as root")
        #expect(throws: VaultError.badKeyFile(path: path, detail: "it belongs to uid 65534, not to the user running sor (uid \(geteuid())); `chown \(geteuid()) \(path)` if it is yours")) {
            try Keyring.load(path: path)
        }
        let link = scratch.root + "/link.key"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        #expect(throws: VaultError.badKeyFile(path: link, detail: "it is not a plain file (a link or a device); put the key file itself there")) {
            try Keyring.load(path: link)
        }
    }

    @Test("a broken key file is reported by line and column, never by its content")
    func keyFileSyntax() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.root + "/sor.key"
        let secret = "c2VjcmV0LWtleS1tYXRlcmlhbC10aGF0LW11c3Qtbm90LWxlYWs="
        for text in ["version: 1\ncurrent: a\nkeys:\n  - id: a\n    key: \(secret): [\n", "version: 1\ncurrent: a\nkeys: \(secret)\n"] {
            FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
            do {
                _ = try Keyring.load(path: path)
                Issue.record("a broken key file was accepted")
            } catch {
                let message = error.localizedDescription
                #expect(message.contains("it is not a SOR key file"), "\(message)")
                #expect(!message.contains("c2VjcmV0"), "the key material stays out of the message: \(message)")
            }
        }
    }
}

@Suite("Audit log")
struct AuditLogTests {
    static func log(_ scratch: Scratch, lines: Int) throws -> AuditLog {
        let log = AuditLog(directory: scratch.root + "/data/audit", keyDirectory: scratch.root + "/keys")
        for index in 0..<lines {
            try log.append(actor: "user:anna", action: "edit", call: "c\(index % 3)", outcome: "applied", detail: ["n": String(index)])
        }
        return log
    }

    static func lines(_ log: AuditLog) throws -> (path: String, lines: [String]) {
        let path = log.files().last!
        return (path, try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init))
    }

    @Test("an untouched log verifies, and every line carries the hash of the one before")
    func intact() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try Self.log(scratch, lines: 5)
        let (lines, problems) = log.verify()
        #expect(lines == 5)
        #expect(problems.isEmpty)
        let events = log.events()
        #expect(events.map(\.seq) == [1, 2, 3, 4, 5])
        for (previous, event) in zip(events, events.dropFirst()) { #expect(event.prev == previous.hash) }
    }

    @Test("changing one character of one line is detected at that line")
    func altered() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try Self.log(scratch, lines: 5)
        var (path, lines) = try Self.lines(log)
        lines[2] = lines[2].replacingOccurrences(of: "user:anna", with: "user:anne")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let problems = log.verify().problems
        #expect(problems.contains { $0.line == 3 && $0.message.contains("altered") }, "\(problems)")
    }

    @Test("a removed line, two swapped lines and a cut-off end are each detected")
    func removedReorderedTruncated() throws {
        for damage in ["remove", "swap", "truncate"] {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let log = try Self.log(scratch, lines: 6)
            var (path, lines) = try Self.lines(log)
            switch damage {
            case "remove": lines.remove(at: 3)
            case "swap": lines.swapAt(1, 2)
            default: lines.removeLast(2)
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            #expect(!log.verify().problems.isEmpty, "\(damage) was not detected")
        }
    }

    static func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The log's lines rewritten with a valid hash chain, as someone who can write data/ (but has no audit key)
    /// would: each line's hash recomputed, `prev` relinked, the MAC kept or dropped.
    static func recomputed(_ lines: [String], keepMAC: Bool) throws -> [String] {
        var previous = String(repeating: "0", count: 64)
        return try lines.map { line in
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let mac = object["mac"] as? String
            object["hash"] = nil
            object["mac"] = nil
            object["prev"] = previous
            let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            let hash = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
            previous = hash
            return String(decoding: body.dropLast(), as: UTF8.self) + ",\"hash\":\"\(hash)\"" + (keepMAC ? ",\"mac\":\"\(mac ?? "")\"" : "") + "}"
        }
    }

    @Test("every kind of tampering by someone who can write data/ is reported, each for what it is", arguments: [
        "altered", "removed", "reordered", "cut", "cut+HEAD", "recomputed", "recomputed-without-MAC", "garbage", "appended",
    ])
    func tampering(kind: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try Self.log(scratch, lines: 6)
        var (path, lines) = try Self.lines(log)
        let head = log.directory + "/HEAD"
        switch kind {
        case "altered": lines[2] = lines[2].replacingOccurrences(of: "user:anna", with: "user:anne")
        case "removed": lines.remove(at: 3)
        case "reordered": lines.swapAt(1, 2)
        case "cut": lines.removeLast(2)
        case "cut+HEAD":
            lines.removeLast(2)
            let last = try JSONDecoder().decode(AuditEvent.self, from: Data(lines.last!.utf8))
            try "\(last.seq) \(last.hash!)\n".write(toFile: head, atomically: true, encoding: .utf8)
        case "recomputed", "recomputed-without-MAC":
            lines[2] = lines[2].replacingOccurrences(of: "user:anna", with: "user:anne")
            lines = try Self.recomputed(lines, keepMAC: kind == "recomputed")
            let last = try JSONDecoder().decode(AuditEvent.self, from: Data(lines.last!.utf8))
            try "\(last.seq) \(last.hash!)\n".write(toFile: head, atomically: true, encoding: .utf8)
        case "garbage": lines.insert("rm -rf / # not a record", at: 4)
        default:  // appended: a forged line at the end, chained and hashed right, without the key
            var forged = try Self.recomputed(lines + [lines.last!.replacingOccurrences(of: "\"seq\":6", with: "\"seq\":7")], keepMAC: true)
            lines.append(forged.removeLast())
        }
        try Self.write(lines, to: path)
        let problems = log.verify().problems.map(\.description)
        let expected = switch kind {
        case "altered": "altered: its content does not match its hash (seq 3)"
        case "removed": "the chain is broken before seq 5"
        case "reordered": "the chain is broken before seq 3"
        case "cut": "HEAD records seq 6: lines were cut off the end"
        case "cut+HEAD": "records seq 6: lines were cut off the end"
        case "recomputed": "not authenticated: the MAC of seq 3 is wrong"
        case "recomputed-without-MAC": "the last line (seq 6) is not the one anchor"
        case "garbage": "garbage: not an audit record"
        default: "not authenticated: the MAC of seq 7 is wrong"
        }
        #expect(problems.contains { $0.contains(expected) }, "\(kind): \(problems)")
        if kind == "cut+HEAD" {
            #expect(problems.allSatisfy { !$0.hasPrefix("HEAD") }, "HEAD was rewritten to match")
            #expect(problems.contains { $0.contains("anchor") }, "the anchor outside data/ still knows: \(problems)")
        }
    }

    @Test("HEAD behind the log, and a missing or unreadable HEAD or anchor, are errors")
    func marks() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try Self.log(scratch, lines: 3)
        let head = log.directory + "/HEAD"
        let first = try #require(log.events().first)
        try "\(first.seq) \(first.hash!)\n".write(toFile: head, atomically: true, encoding: .utf8)
        #expect(log.verify().problems.isEmpty, "behind by authentic lines only: what a crash before HEAD was written leaves")
        let key = scratch.root + "/keys/audit.key"
        try FileManager.default.moveItem(atPath: key, toPath: key + ".away")
        #expect(log.verify().problems.contains { $0.description.contains("HEAD records seq 1 but the log goes on to seq 3") }, "without the key to prove them, reported")
        try FileManager.default.moveItem(atPath: key + ".away", toPath: key)
        try "garbage\n".write(toFile: head, atomically: true, encoding: .utf8)
        #expect(log.verify().problems.contains { $0.description.hasPrefix("HEAD:1: unreadable") })
        try FileManager.default.removeItem(atPath: head)
        #expect(log.verify().problems.contains { $0.description == "HEAD:0: missing" })
        try log.append(actor: "watcher", action: "process")
        try FileManager.default.removeItem(atPath: scratch.root + "/keys/audit.anchor")
        #expect(log.verify().problems.contains { $0.description.contains("anchor") && $0.description.hasSuffix("missing") })
        #expect(throws: Never.self, "an append goes on from the last authentic line") { try log.append(actor: "watcher", action: "process") }
        #expect(log.verify().problems.isEmpty, "\(log.verify().problems)")
    }

    @Test("a garbage last line does not stop auditing: the next line chains from the anchor, and verify shows the garbage")
    func garbageTail() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try Self.log(scratch, lines: 3)
        var (path, lines) = try Self.lines(log)
        lines.append("{\"not\": \"a record\"}")
        try Self.write(lines, to: path)
        let event = try log.append(actor: "watcher", action: "process", call: "x")
        #expect(event.seq == 4)
        let problems = log.verify().problems.map(\.description)
        #expect(problems.count == 1 && problems[0].hasSuffix(":4: garbage: not an audit record"), "\(problems)")
    }

    @Test("a log that cannot be written, or whose key is gone, makes the append throw, so the action is not done")
    func appendFails() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try Self.log(scratch, lines: 2)
        let keyPath = scratch.root + "/keys/audit.key"
        let key = try Data(contentsOf: URL(fileURLWithPath: keyPath))
        try FileManager.default.removeItem(atPath: keyPath)
        #expect(throws: RuntimeError.self, "a deleted key is not replaced by a new one") { try log.append(actor: "watcher", action: "process") }
        try key.write(to: URL(fileURLWithPath: keyPath))
        chmod(keyPath, 0o600)
        #expect(throws: Never.self) { try log.append(actor: "watcher", action: "process") }
        // Tests run as root, which file modes do not stop: a folder where this month's file goes fails for anyone.
        let (path, _) = try Self.lines(log)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        #expect(throws: (any Error).self) { try log.append(actor: "watcher", action: "process") }
    }

    @Test("a pipeline step the audit log cannot record is not done: the recording stays where it was")
    func pipelineStops() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var config = Config()
        config.paths.inbox = scratch.root + "/inbox"
        config.paths.data = scratch.root + "/data"
        config.security.keyFile = scratch.root + "/keys/sor.key"
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: scratch.root))
        try Keyring.create(path: workspace.keyFile)
        let runtime = Runtime(workspace: workspace)
        try runtime.audit.append(actor: "cli:test", action: "key-init")
        let month = try #require(runtime.audit.files().last)
        try FileManager.default.removeItem(atPath: month)
        try FileManager.default.createDirectory(atPath: month, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: workspace.inbox, withIntermediateDirectories: true)
        let input = workspace.inbox + "/empty.wav"
        FileManager.default.createFile(atPath: input, contents: Data())
        #expect(throws: (any Error).self) { try Pipeline(runtime: runtime).process(input) }
        #expect(FileManager.default.fileExists(atPath: input), "not quarantined unaudited")
        #expect(!FileManager.default.fileExists(atPath: workspace.failed + "/empty.wav"))
    }

    @Test("a line torn by a crash is cut off and the chain goes on")
    func tornTail() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try Self.log(scratch, lines: 3)
        let path = log.files().last!
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"seq\":4,\"time\":\"2026".utf8))
        try handle.close()
        try log.append(actor: "watcher", action: "process", call: "x")
        let (lines, problems) = log.verify()
        #expect(lines == 4)
        #expect(problems.isEmpty, "\(problems)")
    }
}

@Suite("Edit documents")
struct EditTests {
    /// A workspace holding one stored call (the store tests' sample) and its edit processor.
    static func setUp(_ scratch: Scratch) throws -> (EditProcessor, Workspace, String) {
        var config = Config()
        config.paths.inbox = scratch.root + "/inbox"
        config.paths.data = scratch.root + "/data"
        config.paths.site = scratch.root + "/site"
        config.security.keyFile = scratch.root + "/keys/sor.key"
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: scratch.root))
        try ScorecardParserTests.valid.write(toFile: scratch.root + "/scorecards.yaml", atomically: true, encoding: .utf8)
        try Keyring.create(path: workspace.keyFile)
        let runtime = Runtime(workspace: workspace)
        let store = try runtime.store
        var (record, transcript) = StoreTests.sampleRecord()
        transcript.segments.append(Segment(id: 1, start: 1.5, end: 3.0, text: " W czym mogę pomóc?", words: [
            Word(text: " W", start: 1.5, end: 1.6), Word(text: " czym", start: 1.6, end: 2.0),
            Word(text: " mogę", start: 2.0, end: 2.4), Word(text: " pomóc?", start: 2.4, end: 3.0),
        ]))
        record.id = "00112233aabbccdd"
        try FileManager.default.createDirectory(atPath: scratch.root + "/in", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: scratch.root + "/in/a.wav", contents: Data("RIFF".utf8))
        try store.save(record: record, transcript: transcript, audioFrom: scratch.root + "/in/a.wav", moveInputs: false)
        return (try EditProcessor(runtime: runtime), workspace, record.id)
    }

    static func drop(_ json: String, user: String = "anna", name: String = "e1.json", in workspace: Workspace) throws -> String {
        let path = workspace.inbox + "/edits/\(user)/\(name)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a transcript edit changes the segment, bumps the revision, keeps before/after in history and is audited")
    func applied() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try Self.setUp(scratch)
        let path = try Self.drop(#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 1, "segment": 1, "text": "W czym mogę panu pomóc?"}"#, in: workspace)
        #expect(processor.apply(path, user: "anna") == .applied(call: id, revision: 2))
        let document = try processor.store.load(id)
        #expect(document.call.revision == 2)
        #expect(document.call.updatedBy == "anna")
        #expect(document.transcript?.segments[1].text == " W czym mogę panu pomóc?")
        #expect(document.transcript?.segments[1].words.map(\.text) == [" W", " czym", " mogę", " panu", " pomóc?"])
        #expect(document.transcript?.segments[1].words.last?.end == 3.0, "the new words share the old span")
        #expect(document.transcript?.text == "Dzień dobry. W czym mogę panu pomóc?")
        #expect(document.history.count == 1)
        #expect(document.history[0].before?["text"] == "W czym mogę pomóc?")
        #expect(document.history[0].after?["text"] == "W czym mogę panu pomóc?")
        #expect(!FileManager.default.fileExists(atPath: path), "an applied document leaves the inbox")
        let event = try #require(processor.audit.events().last)
        #expect(event.actor == "user:anna" && event.action == "edit" && event.outcome == "applied" && event.call == id)
        let status = try String(contentsOfFile: workspace.site + "/edit-status/anna/e1.json", encoding: .utf8)
        #expect(status.contains("\"state\":\"applied\""))
    }

    @Test("stale, invalid and misdirected documents are rejected with a reason and kept", arguments: [
        (#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 0, "segment": 1, "text": "x"}"#, "stale"),
        (#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 1, "segment": 9, "text": "x"}"#, "segment 9 does not exist"),
        (#"{"schema": 2, "type": "transcript.text", "call": "00112233", "base_revision": 1}"#, "schema"),
        (#"{"schema": 1, "type": "speaker.swap", "call": "00112233", "base_revision": 1}"#, "unknown type"),
        (#"{"schema": 1, "type": "transcript.text", "call": "ffff", "base_revision": 1, "segment": 1, "text": "x"}"#, "no call ffff"),
        (#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 1, "segment": 1, "txt": "x"}"#, "unknown key \"txt\""),
        (#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 1, "segment": 1, "text": "   "}"#, "non-empty"),
        (#"{"schema": 1, "type": "call.metadata", "call": "00112233", "base_revision": 1, "metadata": {"direction": "sideways"}}"#, "inbound or outbound"),
        (#"{"schema": 1, "type": "transcript.text", "call": "#, "not valid JSON"),
    ])
    func rejected(document: String, expected: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try Self.setUp(scratch)
        let path = try Self.drop(document, in: workspace)
        guard case .rejected(let reason) = processor.apply(path, user: "anna") else {
            Issue.record("accepted: \(document)")
            return
        }
        #expect(reason.contains(expected), "\(reason)")
        #expect(try processor.store.load(id).call.revision == 1, "nothing changed")
        #expect(FileManager.default.fileExists(atPath: workspace.failed + "/edits/anna/e1.json"), "the document is kept")
        let report = try String(contentsOfFile: workspace.failed + "/edits/anna/e1.json.error.txt", encoding: .utf8)
        #expect(report.contains(reason))
        let status = try String(contentsOfFile: workspace.site + "/edit-status/anna/e1.json", encoding: .utf8)
        #expect(status.contains("rejected"))
        #expect(processor.audit.events().last?.outcome == "rejected")
    }

    @Test("a rejection in the audit log does not echo the call's words; the page and the sealed history get the whole reason")
    func rejectionWithoutWords() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try Self.setUp(scratch)
        let path = try Self.drop(#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 1, "segment": 1, "text": "W czym mogę pomóc?"}"#, in: workspace)
        guard case .rejected(let reason) = processor.apply(path, user: "anna") else {
            Issue.record("accepted")
            return
        }
        #expect(reason.contains("W czym mogę pomóc?"), "the page shows what was unchanged: \(reason)")
        let event = try #require(processor.audit.events().last)
        #expect(event.outcome == "rejected" && event.call == id)
        #expect(event.detail?["reason"] == #"the text of segment 1 is already "…"; nothing to change"#)
        let log = try AuditLogTests.lines(processor.audit).lines.joined()
        #expect(!log.contains("czym") && !log.contains("pomóc"), "no transcript text in the audit log")
        #expect(try processor.store.load(id).history.contains { $0.reason == reason })
    }

    @Test("comments are capped in length and in number per user and call; a call keeps at most 20 of one user's rejected documents")
    func caps() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try Self.setUp(scratch)
        let long = String(repeating: "ą", count: 2001)
        let tooLong = try Self.drop(#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 1, "segment": 1, "text": "x", "comment": "\#(long)"}"#, in: workspace)
        #expect(processor.apply(tooLong, user: "anna") == .rejected(reason: "the comment is longer than 2000 characters; shorten it"))
        #expect(try !processor.store.load(id).history.contains { $0.comment == long }, "the long comment is not kept in the history either")
        // 25 rejected documents from one user: the call's history keeps 20 of them; another user's still count apart.
        for index in 0..<25 {
            let path = try Self.drop(#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 0, "segment": 1, "text": "x\#(index)"}"#, name: "s\(index).json", in: workspace)
            #expect(processor.apply(path, user: "bot") != .applied(call: id, revision: 2))
        }
        let other = try Self.drop(#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 0, "segment": 1, "text": "y"}"#, user: "ewa", in: workspace)
        _ = processor.apply(other, user: "ewa")
        let history = try processor.store.load(id).history
        #expect(history.filter { $0.user == "bot" && $0.state == "rejected" }.count == 20)
        #expect(history.filter { $0.user == "ewa" && $0.state == "rejected" }.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.failed + "/edits/bot").filter { $0.hasSuffix(".json") }.count == 25, "every document is still kept")
        // Comments: at most 100 per user per call.
        var revision = 1
        for index in 0..<100 {
            let path = try Self.drop(#"{"schema": 1, "type": "call.metadata", "call": "00112233", "base_revision": \#(revision), "metadata": {"agent": "Agent \#(index)"}, "comment": "c\#(index)"}"#, name: "m\(index).json", in: workspace)
            try #require(processor.apply(path, user: "anna") == .applied(call: id, revision: revision + 1))
            revision += 1
        }
        let more = try Self.drop(#"{"schema": 1, "type": "call.metadata", "call": "00112233", "base_revision": \#(revision), "metadata": {"agent": "Agent X"}, "comment": "one more"}"#, name: "m-more.json", in: workspace)
        guard case .rejected(let reason) = processor.apply(more, user: "anna") else {
            Issue.record("the 101st comment was accepted")
            return
        }
        #expect(reason.contains("has left 100 comments on this call already"))
        let plain = try Self.drop(#"{"schema": 1, "type": "call.metadata", "call": "00112233", "base_revision": \#(revision), "metadata": {"agent": "Agent Y"}}"#, name: "m-plain.json", in: workspace)
        #expect(processor.apply(plain, user: "anna") == .applied(call: id, revision: revision + 1), "edits without a comment go on")
    }

    @Test("a metadata edit with a new call time refiles the call under its new day")
    func metadata() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try Self.setUp(scratch)
        let path = try Self.drop(#"{"schema": 1, "type": "call.metadata", "call": "00112233aabbccdd", "base_revision": 1, "metadata": {"agent": "Ewa Zielińska", "call_time": "2026-10-01T08:00:00+02:00"}}"#, in: workspace)
        #expect(processor.apply(path, user: "kierownik") == .applied(call: id, revision: 2))
        let document = try processor.store.load(id)
        #expect(document.call.metadata.agent == "Ewa Zielińska")
        #expect(document.call.metadata.team == nil)
        #expect(try processor.store.find(id).hasSuffix("/calls/2026/10/01/\(id)"))
        #expect(document.history.first?.before?["agent"] == "Anna")
    }

    @Test("an edit interrupted after its journal was written is finished, not rejected as stale, when seen again")
    func interrupted() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try Self.setUp(scratch)
        let json = #"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 1, "segment": 0, "text": "Dzień dobry państwu."}"#
        let path = try Self.drop(json, in: workspace)
        // Apply, then put the call back to revision 1 as if the commit (call.yaml) had never happened.
        let folder = try processor.store.find(id)
        let before = try processor.store.read("call.yaml", in: folder)!
        let keep = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(processor.apply(path, user: "anna") == .applied(call: id, revision: 2))
        try processor.store.write(before, as: "call.yaml", in: folder)
        try keep.write(to: URL(fileURLWithPath: path))
        #expect(processor.apply(path, user: "anna") == .applied(call: id, revision: 2))
        let document = try processor.store.load(id)
        #expect(document.call.revision == 2)
        #expect(document.history.filter { $0.state == "applied" }.count == 1)
        #expect(document.history[0].before?["text"] == "Dzień dobry.", "the journal's before, not the half-applied text")
        // And once committed, the same document again is recognised as done.
        try keep.write(to: URL(fileURLWithPath: path))
        #expect(processor.apply(path, user: "anna") == .applied(call: id, revision: 2))
    }

    @Test("an evaluator's answers override the automatic ones, keep both, recompute the score, and survive a transcript edit")
    func manualEvaluation() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (processor, workspace, id) = try Self.setUp(scratch)
        // The sample call has no scorecard in its metadata: the default card, SERVICE, applies.
        let path = try Self.drop(#"{"schema": 1, "type": "evaluation.manual", "call": "00112233", "base_revision": 1, "card": "SERVICE", "answers": {"ton": "4", "bez_zakazanych": "no"}, "comments": {"bez_zakazanych": "Powiedział „nie wiem” w 2:10"}, "comment": "Do omówienia na coachingu"}"#, user: "kierownik", in: workspace)
        #expect(processor.apply(path, user: "kierownik") == .applied(call: id, revision: 2))
        let document = try processor.store.load(id)
        let card = try #require(document.evaluation?.card("SERVICE"))
        let criteria = Dictionary(uniqueKeysWithValues: card.sections.flatMap(\.criteria).map { ($0.id, $0) })
        #expect(criteria["bez_zakazanych"]?.auto?.answer == .yes, "the automatic answer is kept")
        #expect(criteria["bez_zakazanych"]?.manual?.answer == .no && criteria["bez_zakazanych"]?.manual?.evaluator == "kierownik")
        #expect(criteria["bez_zakazanych"]?.final == .no, "the manual answer counts")
        #expect(criteria["ton"]?.final == Answer("4"))
        #expect(card.criticalFailures == ["bez_zakazanych"] && card.total == 0 && !card.passed)
        #expect(card.evaluator == "kierownik" && card.comment == "Do omówienia na coachingu")
        #expect(document.history.last?.type == "evaluation.manual" && document.history.last?.before?["bez_zakazanych"] == "yes")

        // Taking the manual answer back ("auto") restores the automatic one; a transcript edit rescores and keeps "ton".
        let back = try Self.drop(#"{"schema": 1, "type": "evaluation.manual", "call": "00112233", "base_revision": 2, "card": "SERVICE", "answers": {"bez_zakazanych": "auto"}}"#, user: "kierownik", name: "e2.json", in: workspace)
        #expect(processor.apply(back, user: "kierownik") == .applied(call: id, revision: 3))
        let edit = try Self.drop(#"{"schema": 1, "type": "transcript.text", "call": "00112233", "base_revision": 3, "segment": 1, "text": "Niestety nie wiem."}"#, name: "e3.json", in: workspace)
        #expect(processor.apply(edit, user: "anna") == .applied(call: id, revision: 4))
        let after = try #require(try processor.store.load(id).evaluation?.card("SERVICE"))
        let updated = Dictionary(uniqueKeysWithValues: after.sections.flatMap(\.criteria).map { ($0.id, $0) })
        #expect(updated["bez_zakazanych"]?.manual == nil && updated["bez_zakazanych"]?.auto?.answer == .no, "rescored from the edited text")
        #expect(updated["bez_zakazanych"]?.auto?.evidence.first?.quote == "Niestety")
        #expect(updated["ton"]?.manual?.answer == Answer("4"), "the evaluator's other answer is kept")

        // Invalid answers are rejected with the allowed values.
        let wrong = try Self.drop(#"{"schema": 1, "type": "evaluation.manual", "call": "00112233", "base_revision": 4, "card": "SERVICE", "answers": {"ton": "9"}}"#, name: "e4.json", in: workspace)
        guard case .rejected(let reason) = processor.apply(wrong, user: "kierownik") else { return #expect(Bool(false)) }
        #expect(reason.contains("ton: \"9\" is not an answer; allowed: 0…5"), "\(reason)")
    }
}
