import Foundation
import Testing

/// A FreePBX monitor tree of real recordings (two demo calls under FreePBX names) with a cdr_csv `Master.csv`,
/// imported by `sor import` and by a one-minute schedule inside `sor watch`, processed by the real engine.
@Suite("Import from FreePBX, end to end")
struct ImportEndToEndTests {
    static func field(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    @Test("sor import --dry-run says what and why; a scheduled run in sor watch imports the call the rules take, with its metadata; nothing twice")
    func scheduled() throws {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("sor-pbx-\(UUID().uuidString)").path
        let day = tree + "/monitor/2026/11/02"
        try FileManager.default.createDirectory(atPath: day, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tree) }
        // The sales call came through queue 600 and was answered by extension 201; the service call rang out unanswered.
        let sold = "q-600-+48501234567-20261102-101500-1762074900.42.wav"
        let missed = "q-600-+48600111222-20261102-103000-1762075800.43.wav"
        try FileManager.default.copyItem(atPath: Paths.demo + "/calls/sales-pass.wav", toPath: day + "/" + sold)
        try FileManager.default.copyItem(atPath: Paths.demo + "/calls/service-fail.wav", toPath: day + "/" + missed)
        let rows = [
            ["", "+48501234567", "600", "from-trunk", "\"Kowalski, Jan\" <+48501234567>", "PJSIP/trunk-00000001", "PJSIP/201-0000002a", "Queue",
                "600,t,,,300", "2026-11-02 10:15:00", "2026-11-02 10:15:04", "2026-11-02 10:17:00", "120", "116", "ANSWERED", "DOCUMENTATION",
                "1762074900.42", ""],
            ["", "+48600111222", "600", "from-trunk", "<+48600111222>", "PJSIP/trunk-00000002", "", "Queue", "600,t,,,300",
                "2026-11-02 10:30:00", "", "2026-11-02 10:31:00", "60", "0", "NO ANSWER", "DOCUMENTATION", "1762075800.43", ""],
            ["only", "three", "fields"],
        ]
        try rows.map { $0.map(Self.field).joined(separator: ",") }.joined(separator: "\n").appending("\n")
            .write(toFile: tree + "/Master.csv", atomically: true, encoding: .utf8)
        let workspace = try Workspace(extra: """
            watch:
              rescan_interval: 1
              settle_seconds: 0.5
            sources:
              - name: centrala
                type: asterisk-dir
                path: \(tree)/monitor
                cdr: \(tree)/Master.csv
                schedule: "* * * * *"
                rules:
                  answered_only: true
                  min_duration: 10
                  scorecards: [{queue: "600", card: SALES}]
                  agents: {"201": {agent: Anna Nowak, team: Sprzedaż}}
            """)
        defer { workspace.remove() }

        let dry = try workspace.sor("import", "centrala", "--dry-run")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("\(sold)\twould import"), "\(dry.stdout)")
        #expect(dry.stdout.contains("\(missed)\tskip (not answered (NO ANSWER))"), "\(dry.stdout)")
        #expect(dry.stdout.contains("problem: Master.csv:3: it has 3 fields"), "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: workspace.root + "/inbox/" + sold))

        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log)
        defer { stop(watcher) }
        // The schedule's first slot is the next whole minute; then the call is processed and published.
        let deadline = Date().addingTimeInterval(240)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            // Published: the call's page is on the site (a rebuild after the import run itself comes first).
            if let id = text.components(separatedBy: "processed \(sold) → call ").dropFirst().first?.prefix(16),
                FileManager.default.fileExists(atPath: workspace.root + "/site/calls/\(id)/index.html")
            {
                break
            }
            Thread.sleep(forTimeInterval: 1)
        }
        #expect(text.contains("import centrala: 1 imported, 1 skipped, 0 failed"), "\(text)")
        #expect(text.contains("processed \(sold)"), "\(text)")
        let id = try #require(text.components(separatedBy: "processed \(sold) → call ").last?.prefix(16)).description
        let call = try workspace.show(id)
        #expect(call[path: "call.metadata.agent"] as? String == "Anna Nowak")
        #expect(call[path: "call.metadata.team"] as? String == "Sprzedaż")
        #expect(call[path: "call.metadata.scorecard"] as? String == "SALES")
        #expect(call[path: "call.metadata.direction"] as? String == "inbound")
        #expect(call[path: "call.metadata.client_number"] as? String == "+48501234567")
        #expect(((call["evaluation"] as? [String: Any])?["cards"] as? [[String: Any]])?.first?["card"] as? String == "SALES")
        #expect(FileManager.default.fileExists(atPath: workspace.root + "/site/calls/\(id)/index.html"))

        // By hand now: nothing new, nothing twice; the status and the audit tell what happened.
        let again = try workspace.sor("import", "centrala", "--now")
        #expect(again.status == 0 && again.stdout.contains("imported 0, skipped 2 (already imported 1, not answered 1)"), "\(again.stdout)")
        let status = try workspace.sor("status")
        #expect(status.stdout.contains("source centrala (* * * * *): last run"), "\(status.stdout)")
        #expect(status.stdout.contains("Master.csv:3: it has 3 fields"), "\(status.stdout)")
        let audit = try workspace.sor("audit", "show", "--user", "import:centrala")
        #expect(audit.stdout.contains("import:centrala  import  imported"), "\(audit.stdout)")
    }

    /// An OpenSSH server (Debian's sshd, as the user running the tests) on a free loopback port, serving SFTP with
    /// a test key pair; stopped by `stop()`.
    final class SFTPServer {
        let folder: String
        let port: Int
        let process: Process
        let user: String
        var knownHosts: String { folder + "/known_hosts" }
        var clientKey: String { folder + "/client_key" }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("sor-sshd-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            chmod(folder, 0o700)
            for key in ["host_key", "client_key"] {
                let made = try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", folder + "/" + key])
                #expect(made.status == 0, "ssh-keygen: \(made.stderr)")
            }
            try FileManager.default.copyItem(atPath: folder + "/client_key.pub", toPath: folder + "/authorized_keys")
            user = String(cString: getpwuid(getuid())!.pointee.pw_name)
            port = Self.freePort()
            let config = """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(folder)/host_key
                AuthorizedKeysFile \(folder)/authorized_keys
                PidFile \(folder)/sshd.pid
                StrictModes no
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                AllowUsers \(user)
                Subsystem sftp internal-sftp
                LogLevel ERROR
                """
            try config.write(toFile: folder + "/sshd_config", atomically: true, encoding: .utf8)
            if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/sshd")
            process.arguments = ["-D", "-e", "-f", folder + "/sshd_config"]
            _ = FileManager.default.createFile(atPath: folder + "/sshd.log", contents: nil)
            let log = FileHandle(forWritingAtPath: folder + "/sshd.log")
            process.standardError = log
            process.standardOutput = log
            try process.run()
            let hostKey = try String(contentsOfFile: folder + "/host_key.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            try "[127.0.0.1]:\(port) \(hostKey)\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
            // Ready when it accepts connections.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && !Self.accepts(port) { usleep(100_000) }
        }

        static func freePort() -> Int { loopbackFreePort() }

        static func accepts(_ port: Int) -> Bool { loopbackAccepts(port) }

        func shutdown() {
            guard process.isRunning else { return }
            stop(process)
        }
    }

    @Test("over SFTP from a real OpenSSH server: the rules' calls with their metadata, nothing twice, a killed transfer loses and duplicates nothing, moved on the exchange once stored, a wrong host key or a stopped server is said")
    func sftp() throws {
        let server = try SFTPServer()
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: server.folder)
        }
        let tree = server.folder + "/monitor/2026/11/02"
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        let kept = "out-0048221234567-201-20261102-093000-1762072200.7.wav"
        let skipped = "out-0048221234567-299-20261102-094000-1762072800.8.wav"
        let large = "out-0048601000000-201-20261102-100000-1762074000.9.wav"
        try FileManager.default.copyItem(atPath: Paths.demo + "/calls/collections-critical.wav", toPath: tree + "/" + kept)
        try FileManager.default.copyItem(atPath: Paths.demo + "/calls/retention-pass.wav", toPath: tree + "/" + skipped)
        // A large file (bytes only: the import copies, it does not decode) so that a transfer can be killed mid-way.
        var big = Data(count: 48 << 20)
        big.withUnsafeMutableBytes { for index in stride(from: 0, to: $0.count, by: 4096) { $0[index] = UInt8(truncatingIfNeeded: index / 4096) } }
        try big.write(to: URL(fileURLWithPath: tree + "/" + large))
        let source = { (knownHosts: String, port: Int) in """
            sources:
              - name: centrala
                type: asterisk-sftp
                host: 127.0.0.1
                port: \(port)
                user: \(server.user)
                key_file: \(server.clientKey)
                known_hosts: \(knownHosts)
                path: \(server.folder)/monitor
                after_import: move
                move_to: \(server.folder)/done
                rules:
                  extensions: {exclude: ["299"]}
                  scorecards: [{direction: outbound, card: COLLECTIONS}]
                  agents: {"201": {agent: Marek Zieliński, team: Windykacja}}
            """ }
        let workspace = try Workspace(extra: source(server.knownHosts, server.port))
        defer { workspace.remove() }
        let inbox = workspace.root + "/inbox"

        // Killed while the large file is being fetched: nothing of it is in the inbox under its name.
        let killed = Process()
        killed.executableURL = URL(fileURLWithPath: Paths.sor)
        killed.arguments = ["import", "centrala", "--now"]
        killed.currentDirectoryURL = URL(fileURLWithPath: workspace.root)
        killed.standardOutput = FileHandle.nullDevice
        killed.standardError = FileHandle.nullDevice
        try killed.run()
        let partial = inbox + "/.\(large).sor-import.partial"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int) ?? 0) == 0 { usleep(5_000) }
        stop(killed, signal: SIGKILL)
        #expect(!FileManager.default.fileExists(atPath: inbox + "/" + large), "a killed transfer leaves no recording under its name")

        let first = try workspace.sor("import", "centrala", "--now")
        #expect(first.status == 0, "\(first.stderr + first.stdout)")
        #expect(first.stdout.contains("\(skipped)\tskip (extension 299 excluded)"), "\(first.stdout)")
        let names = try FileManager.default.contentsOfDirectory(atPath: inbox).filter { !$0.hasPrefix(".") }.sorted()
        #expect(names == [large.replacingOccurrences(of: ".wav", with: ".json"), large, kept.replacingOccurrences(of: ".wav", with: ".json"), kept].sorted(), "\(names)")
        #expect(FileManager.default.contents(atPath: inbox + "/" + large) == big, "the large file arrives whole")
        #expect(FileManager.default.contents(atPath: inbox + "/" + kept) == FileManager.default.contents(atPath: tree + "/" + kept))
        #expect(!FileManager.default.fileExists(atPath: partial))
        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: inbox + "/" + kept.replacingOccurrences(of: ".wav", with: ".json")))) as? [String: Any]
        #expect(metadata?["agent"] as? String == "Marek Zieliński" && metadata?["scorecard"] as? String == "COLLECTIONS")
        #expect(metadata?["direction"] as? String == "outbound" && metadata?["client_number"] as? String == "0048221234567")
        // Once SOR holds the call (processed here by the real engine), the next run moves its recording out of the
        // monitor tree on the exchange; the large file, never stored, stays.
        let processed = try workspace.sor("process", "--no-site", inbox + "/" + kept)
        #expect(processed.status == 0, "\(processed.stderr)")
        let second = try workspace.sor("import", "centrala", "--now")
        #expect(second.stdout.contains("imported 0, skipped 2 (already imported 1, extension 1)"), "\(second.stdout)")
        #expect(!FileManager.default.fileExists(atPath: tree + "/" + kept))
        #expect(FileManager.default.fileExists(atPath: server.folder + "/done/2026/11/02/" + kept))
        #expect(FileManager.default.fileExists(atPath: tree + "/" + large))
        let state = try String(contentsOfFile: workspace.root + "/var/import/centrala.imported.jsonl", encoding: .utf8)
        #expect(state.split(separator: "\n").count == 3, "\(state)")
        let moved = try workspace.sor("audit", "show", "--user", "import:centrala")
        #expect(moved.stdout.contains("import-move  done"), "\(moved.stdout)")

        // A wrong host key, then a stopped server: refused with what to do, in the command's error and in sor status.
        let otherKey = try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", server.folder + "/other_key"])
        #expect(otherKey.status == 0)
        let wrong = try String(contentsOfFile: server.folder + "/other_key.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        try "[127.0.0.1]:\(server.port) \(wrong)\n".write(toFile: server.folder + "/wrong_known_hosts", atomically: true, encoding: .utf8)
        let mistrusted = try Workspace(extra: source(server.folder + "/wrong_known_hosts", server.port))
        defer { mistrusted.remove() }
        let refused = try mistrusted.sor("import", "centrala", "--now")
        #expect(refused.status != 0 && refused.stderr.contains("host key"), "\(refused.stderr)")
        server.shutdown()
        let unreachable = try workspace.sor("import", "centrala", "--now")
        #expect(unreachable.status != 0 && unreachable.stderr.contains("cannot be reached"), "\(unreachable.stderr)")
        let status = try workspace.sor("status")
        #expect(status.stdout.contains("failed: ") && status.stdout.contains("cannot be reached"), "\(status.stdout)")
        let audit = try mistrusted.sor("audit", "show", "--user", "import:centrala")
        #expect(audit.stdout.contains("import-run  failed"), "\(audit.stdout)")
    }
}
