import Crypto
import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime

/// A cdr_csv line as Asterisk writes it: every field quoted.
private func cdrLine(
    src: String, dst: String, context: String = "from-trunk", channel: String = "PJSIP/trunk-00000001", dstChannel: String = "",
    app: String = "Dial", data: String = "", start: String, duration: Int, billsec: Int, disposition: String = "ANSWERED", uniqueID: String
) -> String {
    let fields = ["", src, dst, context, "\"Klient\" <\(src)>", channel, dstChannel, app, data, start, start, start, String(duration), String(billsec),
        disposition, "DOCUMENTATION", uniqueID, ""]
    return fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\n"
}

@Suite("Importing from FreePBX: names, CDR, rules")
struct ImportRulesTests {
    @Test("FreePBX names read from the right, unique ids EPOCH.SEQUENCE; odd names keep what can be read and say why")
    func names() {
        let queue = RecordingName("q-600-+48501234567-20261102-101500-1762074900.42.wav")
        #expect(queue.type == "q" && queue.destination == "600" && queue.source == "+48501234567")
        #expect(queue.stamp == "20261102-101500" && queue.uniqueID == "1762074900.42" && queue.warning == nil && queue.direction == "inbound")
        let out = RecordingName("out-0048221234567-201-20261102-093000-1762072200.7.WAV")
        #expect(out.type == "out" && out.destination == "0048221234567" && out.source == "201" && out.direction == "outbound")
        let dashed = RecordingName("external-ring-group-1-201-20261102-093000-1762072200.8.mp3")
        #expect(dashed.destination == "ring-group-1" && dashed.source == "201")
        var zone = Calendar(identifier: .gregorian)
        zone.timeZone = TimeZone(identifier: "Europe/Warsaw")!
        #expect(queue.time(in: zone.timeZone).map { zone.component(.hour, from: $0) } == 10)
        #expect(RecordingName("in-600-501-20261331-101500-1762074900.42.wav").time() == nil, "month 13 is no date")
        let conference = RecordingName("meetme-conf-8000-1762074900.3.wav")
        #expect(conference.warning != nil && conference.uniqueID == "1762074900.3" && conference.type == nil)
        let odd = RecordingName("nagranie z centrali.wav")
        #expect(odd.warning?.contains("does not follow") == true && odd.uniqueID == nil)
        let unknownType = RecordingName("zzz-600-501-20261102-101500-1762074900.42.wav")
        #expect(unknownType.stamp != nil && unknownType.type == nil && unknownType.warning?.contains("zzz") == true)
        #expect(extensionOf(channel: "PJSIP/201-0000002a") == "201" && extensionOf(channel: "Local/305@from-queue-0001;1") == "305")
        #expect(extensionOf(channel: "PJSIP/trunk-1") == nil)
    }

    @Test("the CDR is read as CSV: quoted commas inside fields, several legs of one call, malformed lines located")
    func cdr() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.root + "/Master.csv"
        var text = cdrLine(src: "501", dst: "600", dstChannel: "Local/201@from-queue-1;1", app: "Queue", data: "600,t,,,300",
            start: "2026-11-02 10:15:00", duration: 130, billsec: 0, disposition: "NO ANSWER", uniqueID: "1762074900.42")
        text += cdrLine(src: "501", dst: "600", dstChannel: "PJSIP/201-0000002a", app: "Queue", data: "600,t,,,300",
            start: "2026-11-02 10:15:00", duration: 130, billsec: 118, uniqueID: "1762074900.42")
        text += "\"broken\",\"line\"\n"
        text += cdrLine(src: "Kowalski, Jan", dst: "201", start: "2026-11-02 11:00:00", duration: 10, billsec: 5, uniqueID: "1762078800.1")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let index = try CDRIndex.read(path)
        #expect(index.count == 3)
        #expect(index.problems == ["Master.csv:3: it has 2 fields; a cdr_csv line has 16 to 18"])
        let call = try #require(index.byUniqueID["1762074900.42"])
        #expect(call.answered && call.billsec == 118 && call.queue == "600", "the answered leg is the call's row")
        #expect(index.byUniqueID["1762078800.1"]?.source == "Kowalski, Jan", "a comma inside a quoted field stays in it")
        #expect(throws: RuntimeError.self) { try CDRIndex.read(scratch.root + "/missing.csv") }
    }

    func candidate(_ file: String, _ index: CDRIndex?) -> ImportCandidate { ImportCandidate(path: "2026/11/02/" + file, cdr: index) }

    @Test("each rule says why it leaves a call out; the first matching scorecard rule and the extension's agent fill the metadata")
    func rules() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var text = cdrLine(src: "+48501234567", dst: "600", dstChannel: "PJSIP/201-2", app: "Queue", data: "600", start: "2026-11-02 10:15:00",
            duration: 130, billsec: 118, uniqueID: "1.1")
        text += cdrLine(src: "+48501234567", dst: "600", start: "2026-11-02 10:20:00", duration: 30, billsec: 0, disposition: "NO ANSWER", uniqueID: "1.2")
        text += cdrLine(src: "201", dst: "0048221234567", context: "from-internal", channel: "PJSIP/201-3", start: "2026-11-02 21:30:00",
            duration: 15, billsec: 8, uniqueID: "1.3")
        try text.write(toFile: scratch.root + "/Master.csv", atomically: true, encoding: .utf8)
        let index = try CDRIndex.read(scratch.root + "/Master.csv")
        var source = Config.Source(name: "centrala", kind: .asteriskDir, path: "/tmp")
        source.rules.answeredOnly = true
        source.rules.minDuration = 10
        source.rules.hours = "08:00-20:00"
        source.rules.extensions.exclude = ["299"]
        source.rules.callerNumbers.exclude = ["^\\+48800"]
        source.rules.cards = [.init(queue: "600", card: "SALES"), .init(direction: "outbound", card: "COLLECTIONS")]
        source.rules.agents = ["201": .init(agent: "Anna Nowak", team: "Sprzedaż")]
        source.agentChannel = .left
        let rules = ImportRuleSet(source: source)
        let queued = candidate("q-600-+48501234567-20261102-101500-1.1.wav", index)
        #expect(queued.extensionNumber == "201" && queued.queue == "600" && queued.callerNumber == "+48501234567" && queued.talk == 118)
        #expect(rules.refusal(queued) == nil)
        let metadata = rules.metadata(queued)
        #expect(metadata["agent"] as? String == "Anna Nowak" && metadata["team"] as? String == "Sprzedaż")
        #expect(metadata["scorecard"] as? String == "SALES" && metadata["direction"] as? String == "inbound")
        #expect(metadata["client_number"] as? String == "+48501234567" && metadata["campaign"] as? String == "Kolejka 600")
        #expect((metadata["channels"] as? [String: String]) == ["left": "KONSULTANT", "right": "KLIENT"])
        #expect(rules.refusal(candidate("q-600-+48501234567-20261102-102000-1.2.wav", index)) == "not answered (NO ANSWER)")
        let late = candidate("out-0048221234567-201-20261102-213000-1.3.wav", index)
        #expect(rules.refusal(late) == "shorter than 10 s of talk (8 s)")
        source.rules.minDuration = 0
        #expect(ImportRuleSet(source: source).refusal(late) == "outside 08:00-20:00 (21:30)")
        #expect(ImportRuleSet(source: source).metadata(late)["scorecard"] as? String == "COLLECTIONS")
        source.rules.hours = ""
        source.rules.directions = ["inbound"]
        #expect(ImportRuleSet(source: source).refusal(late) == "direction outbound")
        source.rules.directions = []
        source.rules.extensions.exclude = ["201"]
        #expect(ImportRuleSet(source: source).refusal(late) == "extension 201 excluded")
        source.rules.extensions = .init()
        source.rules.queues.include = ["600"]
        #expect(ImportRuleSet(source: source).refusal(late) == "queue none not included")
        source.rules.queues = .init()
        source.rules.callerNumbers.exclude = ["^0048221"]
        #expect(ImportRuleSet(source: source).refusal(late)?.hasPrefix("caller number 0048221234567 excluded") == true)
        source.rules.callerNumbers = .init()
        source.rules.days = ["sat", "sun"]
        #expect(ImportRuleSet(source: source).refusal(late) == "on mon", "2026-11-02 is a Monday")
        // An extension without a mapping is named as such.
        #expect(ImportRuleSet(source: Config.Source(name: "x", kind: .asteriskDir, path: "/")).metadata(late)["agent"] as? String == "wew. 201")
    }

    @Test("the sample: the same calls on every run, the share per agent per period rounded up, earlier imports counted")
    func sample() {
        var source = Config.Source(name: "centrala", kind: .asteriskDir, path: "/tmp")
        source.rules.samplePercent = 20
        source.rules.samplePer = "week"
        let rules = ImportRuleSet(source: source)
        let calls = (0..<30).map { index in
            candidate("in-600-50\(index % 2)-202611\(String(format: "%02d", 2 + index % 5))-10\(String(format: "%02d", index))00-17620.\(index).wav", nil)
        }
        // Agents by extension: without a CDR an inbound call's agent is its destination only for `in`; here all are
        // one group per week ("?" agent), 30 calls → 6.
        let picked = rules.sample(calls, imported: [])
        #expect(picked.count == 6)
        #expect(rules.sample(calls.reversed(), imported: []) == picked, "the order of the files does not matter")
        let earlier = Set(calls.prefix(2).map(\.key))
        let again = rules.sample(calls, imported: earlier)
        #expect(again.count == 6 && earlier.isSubset(of: again), "calls imported before count toward the share")
        source.rules.samplePercent = 100
        #expect(ImportRuleSet(source: source).sample(calls, imported: []).count == 30)
    }

    @Test("sources in sor.yaml: every key read and dumped; wrong values located")
    func config() throws {
        let text = """
            sources:
              - name: centrala
                type: asterisk-dir
                path: /var/spool/asterisk/monitor
                cdr: /var/log/asterisk/cdr-csv/Master.csv
                schedule: "*/15 * * * *"
                agent_channel: left
                rules:
                  min_duration: 15
                  answered_only: true
                  directions: [inbound, outbound]
                  queues: {include: ["600", "601"]}
                  extensions: {exclude: ["299"]}
                  caller_numbers: {exclude: ["^\\\\+48800"]}
                  hours: "08:00-20:00"
                  days: [mon, tue, wed, thu, fri]
                  sample: {percent: 20, per: week}
                  scorecards: [{queue: "600", card: SALES}, {direction: outbound, card: COLLECTIONS}]
                  agents: {"201": {agent: Anna Nowak, team: Sprzedaż}, "202": {agent: Jan Kowalski}}
            """
        let (config, diagnostics) = ConfigParser.parse(text, file: "sor.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let source = try #require(config?.sources.first)
        #expect(source.schedule == "*/15 * * * *" && source.agentChannel == .left && source.cdr.hasSuffix("Master.csv"))
        #expect(source.rules.queues.include == ["600", "601"] && source.rules.callerNumbers.exclude == ["^\\+48800"])
        #expect(source.rules.samplePercent == 20 && source.rules.cards.count == 2 && source.rules.agents["202"]?.team == nil)
        let dumped = ConfigParser.dump(try #require(config))
        #expect(ConfigParser.parse(dumped, file: "dump").0 == config, "dump round-trips")
        let (bad, problems) = ConfigParser.parse("""
            sources:
              - name: "a b"
                type: asterisk-dir
                path: /x
              - name: ok
                type: ftp
                path: /x
                schedule: "every 5m"
                rules: {hours: "8-20", days: [monday], directions: [sideways], sample: {percent: 120, per: year}, caller_numbers: {exclude: ["("]}}
            """, file: "sor.yaml")
        #expect(bad == nil)
        let messages = problems.map(\.message).joined(separator: "\n")
        for expected in ["ASCII letters", "sources.ok.type", "cron expression", "HH:MM-HH:MM", "\"monday\"", "\"sideways\"", "sample.percent",
            "day, week or month", "not a regular expression"]
        {
            #expect(messages.contains(expected), "\(expected) in \(messages)")
        }
    }
}

@Suite("Importing from FreePBX: the import itself")
struct ImporterTests {
    /// A FreePBX tree with three recordings (bytes only: the import copies, the watcher decodes) and a CDR.
    func tree(_ scratch: Scratch) throws -> (Runtime, Config.Source) {
        let monitor = scratch.root + "/monitor/2026/11/02"
        try FileManager.default.createDirectory(atPath: monitor, withIntermediateDirectories: true)
        for (name, byte) in [("q-600-501-20261102-101500-1.1.wav", 1), ("q-600-502-20261102-102000-1.2.wav", 2), ("odd name.wav", 3)] {
            try Data(repeating: UInt8(byte), count: 3000).write(to: URL(fileURLWithPath: monitor + "/" + name))
        }
        var cdr = cdrLine(src: "501", dst: "600", dstChannel: "PJSIP/201-1", app: "Queue", data: "600", start: "2026-11-02 10:15:00", duration: 70,
            billsec: 60, uniqueID: "1.1")
        cdr += cdrLine(src: "502", dst: "600", start: "2026-11-02 10:20:00", duration: 20, billsec: 0, disposition: "BUSY", uniqueID: "1.2")
        try cdr.write(toFile: scratch.root + "/Master.csv", atomically: true, encoding: .utf8)
        var config = Config()
        var source = Config.Source(name: "centrala", kind: .asteriskDir, path: scratch.root + "/monitor")
        source.cdr = scratch.root + "/Master.csv"
        source.rules.answeredOnly = true
        source.rules.agents = ["201": .init(agent: "Anna Nowak", team: "Sprzedaż")]
        config.sources = [source]
        let workspace = Workspace(config: config, root: URL(fileURLWithPath: scratch.root))
        return (try Runtime(workspace: workspace), source)
    }

    @Test("a dry run changes nothing; a run imports what the rules take with a sidecar, once; the audit and the status say so")
    func run() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (runtime, source) = try tree(scratch)
        let importer = Importer(runtime: runtime, source: source)
        let dry = try importer.run(dryRun: true)
        #expect(dry.imported == 2 && dry.skipped == ["not answered": 1])
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: scratch.root + "/inbox")) ?? []).isEmpty)
        #expect(dry.decisions.first { $0.path.hasSuffix("odd name.wav") }?.warnings.first?.contains("does not follow") == true)

        let first = try importer.run()
        #expect(first.imported == 2 && first.failed == 0)
        let inbox = try FileManager.default.contentsOfDirectory(atPath: scratch.root + "/inbox").sorted()
        #expect(inbox == ["odd name.json", "odd name.wav", "q-600-501-20261102-101500-1.1.json", "q-600-501-20261102-101500-1.1.wav"])
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.root + "/inbox/q-600-501-20261102-101500-1.1.json")))
        #expect((sidecar as? [String: Any])?["agent"] as? String == "Anna Nowak")
        let parsed = MetadataParser.parse(try String(contentsOfFile: scratch.root + "/inbox/q-600-501-20261102-101500-1.1.json", encoding: .utf8), file: "x")
        #expect(parsed.0?.team == "Sprzedaż" && parsed.1.isEmpty, "the sidecar is one the watcher reads")

        // Taken by the watcher meanwhile; a second run imports nothing again.
        for name in inbox { try FileManager.default.removeItem(atPath: scratch.root + "/inbox/" + name) }
        let second = try importer.run()
        #expect(second.imported == 0 && second.skipped["already imported"] == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.root + "/inbox").isEmpty)
        let imports = runtime.audit.events().filter { $0.action == "import" }
        #expect(imports.count == 2 && imports.allSatisfy { $0.actor == "import:centrala" && $0.outcome == "imported" })
        let runs = runtime.audit.events().filter { $0.action == "import-run" }
        #expect(runs.count == 2 && runs[0].detail?["first_warning"]?.contains("odd name.wav") == true)
        let status = Commands.status(runtime: runtime).sources.first
        #expect(status?.name == "centrala" && status?.imported == 0 && status?.skipped?["already imported"] == 2)
    }

    @Test("an interrupted copy leaves no recording in the inbox; the next run replaces the partial file; a vanished file fails alone")
    func interrupted() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (runtime, source) = try tree(scratch)
        // What a copy killed half-way leaves: a hidden partial file the intake ignores.
        try FileManager.default.createDirectory(atPath: scratch.root + "/inbox", withIntermediateDirectories: true)
        let partial = scratch.root + "/inbox/.q-600-501-20261102-101500-1.1.wav.sor-import.partial"
        try Data(repeating: 1, count: 100).write(to: URL(fileURLWithPath: partial))
        #expect(!InboxLayout.isCandidate((partial as NSString).lastPathComponent))
        try FileManager.default.removeItem(atPath: scratch.root + "/monitor/2026/11/02/odd name.wav")
        var report = try Importer(runtime: runtime, source: source).run()
        #expect(report.imported == 1 && report.failed == 0, "the file that vanished before listing is simply not there")
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(FileManager.default.contents(atPath: scratch.root + "/inbox/q-600-501-20261102-101500-1.1.wav")?.count == 3000)
        // A file listed and gone before its copy fails with the reason; the others go on.
        let copy = Importer(runtime: runtime, source: source)
        let candidate = ImportCandidate(path: "2026/11/02/gone-1-2-20261102-101500-9.9.wav", cdr: nil)
        let tree = try SourceTree(source, workspace: runtime.workspace)
        #expect(throws: RuntimeError.self) { try copy.copy(candidate, from: tree, metadata: [:], knownHashes: []) }
        report = try copy.run()
        #expect(report.imported == 0 && report.failed == 0)
    }
}

@Suite("Importing from FreePBX: what the status and the site say")
struct ImportReportingTests {
    @Test("a run that cannot start, and a recording that fails, reach the quarantine page's list; warnings are counted in the status")
    func failures() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var config = Config()
        var source = Config.Source(name: "centrala", kind: .asteriskDir, path: scratch.root + "/not-mounted")
        config.sources = [source]
        var runtime = try Runtime(workspace: Workspace(config: config, root: URL(fileURLWithPath: scratch.root)))
        #expect(throws: RuntimeError.self) { try Importer(runtime: runtime, source: source).run() }
        var listed = ImportFailures.all(runtime.workspace)
        #expect(listed.count == 1 && listed[0].reason == "import-failed" && listed[0].message.contains("not there (mounted?)"))
        #expect(runtime.audit.events().last?.action == "import-run" && runtime.audit.events().last?.outcome == "failed")

        // The tree is mounted now: an odd name is taken with a warning, and the failure is gone from the list.
        try FileManager.default.createDirectory(atPath: scratch.root + "/monitor", withIntermediateDirectories: true)
        try Data(repeating: 1, count: 100).write(to: URL(fileURLWithPath: scratch.root + "/monitor/nagranie.wav"))
        source.path = scratch.root + "/monitor"
        config.sources = [source]
        runtime = try Runtime(workspace: Workspace(config: config, root: URL(fileURLWithPath: scratch.root)))
        let report = try Importer(runtime: runtime, source: source).run()
        #expect(report.imported == 1 && report.warningCount == 1 && report.warnings[0].contains("does not follow"))
        listed = ImportFailures.all(runtime.workspace)
        #expect(listed.isEmpty)
        let status = try #require(Commands.status(runtime: runtime).sources.first)
        #expect(status.problems.contains { $0.hasPrefix("1 recordings taken with a warning") })
        #expect(status.nextRun == nil && status.schedule.isEmpty)
    }

    @Test("a password file must be the owner's alone")
    func passwordFile() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var source = Config.Source(name: "centrala", kind: .asteriskSFTP, path: "/var/spool/asterisk/monitor")
        source.host = "127.0.0.1"
        source.user = "sor"
        source.passwordFile = scratch.root + "/password"
        source.knownHosts = scratch.root + "/known_hosts"
        try "[127.0.0.1]:22 ssh-ed25519 AAAA\n".write(toFile: source.knownHosts, atomically: true, encoding: .utf8)
        try "secret\n".write(toFile: source.passwordFile, atomically: true, encoding: .utf8)
        chmod(source.passwordFile, 0o644)
        let workspace = Workspace(config: Config(), root: URL(fileURLWithPath: scratch.root))
        #expect { try SourceTree(source, workspace: workspace) } throws: { ($0 as? RuntimeError)?.localizedDescription.contains("chmod 600") == true }
        chmod(source.passwordFile, 0o600)
        let tree = try SourceTree(source, workspace: workspace)
        guard case .sftp(let client, _) = tree.location else { Issue.record("an SFTP tree"); return }
        #expect(client.password == "secret")
    }
}

@Suite("Importing from FreePBX: after the import")
struct AfterImportTests {
    @Test("a recording leaves the exchange (deleted, or moved under move_to) only once its call is in the store, once")
    func cleanUp() throws {
        for action in [Config.Source.AfterImport.delete, .move] {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let day = scratch.root + "/monitor/2026/11/02"
            try FileManager.default.createDirectory(atPath: day, withIntermediateDirectories: true)
            let names = ["in-201-501-20261102-101500-1.1.wav", "in-201-502-20261102-102000-1.2.wav"]
            for (index, name) in names.enumerated() { try Data(repeating: UInt8(index + 1), count: 500).write(to: URL(fileURLWithPath: day + "/" + name)) }
            var config = Config()
            var source = Config.Source(name: "centrala", kind: .asteriskDir, path: scratch.root + "/monitor")
            source.afterImport = action
            source.moveTo = "done"
            config.sources = [source]
            let runtime = try Runtime(workspace: Workspace(config: config, root: URL(fileURLWithPath: scratch.root)))
            var importer = Importer(runtime: runtime, source: source)
            // Nothing is stored yet: the first run imports both and removes nothing.
            importer.storedCalls = { [] }
            #expect(try importer.run().imported == 2)
            #expect(names.allSatisfy { FileManager.default.fileExists(atPath: day + "/" + $0) })
            // The first one's call is stored now (its id is its content's hash), the second is not (refused, say).
            let first = Pipeline.callID(sha256: SHA256Hex.of(Data(repeating: 1, count: 500)))
            importer.storedCalls = { [first] }
            let second = try importer.run()
            #expect(second.problems.isEmpty && second.skipped["already imported"] == 1)
            #expect(!FileManager.default.fileExists(atPath: day + "/" + names[0]))
            #expect(FileManager.default.fileExists(atPath: day + "/" + names[1]))
            if action == .move {
                #expect(FileManager.default.contents(atPath: scratch.root + "/done/2026/11/02/" + names[0]) == Data(repeating: 1, count: 500))
            }
            let done = runtime.audit.events().filter { $0.action == "import-" + action.rawValue }
            #expect(done.count == 1 && done[0].detail?["file"] == "2026/11/02/" + names[0])
            // Done once: a third run has nothing more to do for it.
            _ = try importer.run()
            #expect(runtime.audit.events().filter { $0.action == "import-" + action.rawValue }.count == 1)
        }
    }
}

/// The hex SHA-256 the pipeline names calls by.
enum SHA256Hex {
    static func of(_ data: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: data)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
