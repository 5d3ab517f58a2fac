import Foundation
import SORCore
import SORSite
import SORSpeech

/// The work behind each `sor` command, kept out of the executable so it can be tested and reused.
public enum Commands {
    /// `sor process`: processes each file in turn; returns one outcome per file. The engine is started once.
    public static func process(
        files: [String], runtime: Runtime, language: String?, buildSite: Bool,
        report: (String, ProcessOutcome) -> Void
    ) throws -> [ProcessOutcome] {
        let lock = try StoreLock(dataDirectory: runtime.workspace.data, purpose: "sor process")
        defer { withExtendedLifetime(lock) {} }
        _ = try runtime.checkedStore()
        runtime.copies.sweep()
        defer { runtime.shutdown() }
        let pipeline = try Pipeline(runtime: runtime)
        var outcomes: [ProcessOutcome] = []
        for file in files {
            let outcome: ProcessOutcome
            do {
                outcome = try pipeline.process(file, languageOverride: language, actor: AuditLog.commandLineActor)
            } catch {
                // A failure of sor's own storage stops this file, not the run; the input stays where it was.
                outcome = .engineUnavailable(reason: "\(file): \(error.localizedDescription)")
            }
            report(file, outcome)
            outcomes.append(outcome)
        }
        if buildSite { try runtime.publisher().build() }
        return outcomes
    }

    /// Which calls `sor calls list` shows.
    public struct CallFilter: Sendable {
        /// Call day (`YYYY-MM-DD`) from, and to, inclusive.
        public var from: String?
        public var to: String?
        public var agent: String?
        public var team: String?
        public var status: String?
        /// Words that must all occur in the transcript (case- and diacritics-insensitive).
        public var text: String?

        public init(from: String? = nil, to: String? = nil, agent: String? = nil, team: String? = nil, status: String? = nil, text: String? = nil) {
            self.from = from
            self.to = to
            self.agent = agent
            self.team = team
            self.status = status
            self.text = text
        }

        func matches(_ document: CallDocument) -> Bool {
            let call = document.call
            if let from, call.day < from { return false }
            if let to, call.day > to { return false }
            if let agent, !(call.metadata.agent ?? "").localizedCaseInsensitiveContains(agent) { return false }
            if let team, call.metadata.team?.lowercased() != team.lowercased() { return false }
            if let status, call.status != status { return false }
            if let text {
                let fold = { (value: String) in value.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }
                let haystack = fold(document.spokenTranscript?.text ?? "")
                if !text.split(separator: " ").allSatisfy({ haystack.contains(fold(String($0))) }) { return false }
            }
            return true
        }
    }

    /// `sor calls list`: one line per call.
    public static func listCalls(runtime: Runtime, filter: CallFilter = CallFilter()) throws -> (lines: [String], calls: [CallDocument], problems: [String]) {
        var (calls, problems) = try runtime.store.all()
        calls = calls.filter(filter.matches)
        let lines = calls.map { document -> String in
            let call = document.call
            let when = call.metadata.callTime ?? call.source.receivedAt
            let duration = String(format: "%7.1fs", call.audio.duration)
            return "\(call.id)  \(when.prefix(16))  \(duration)  \(call.status)  \(call.metadata.agent ?? "-")  \(call.source.fileName)"
        }
        return (lines, calls, problems)
    }

    /// What `sor status` reports: the watcher's own status file plus what is on disk now.
    public struct StatusReport: Codable, Sendable {
        public var watcherRunning: Bool
        public var watcher: WatchStatus?
        /// Recordings in the inbox not yet taken.
        public var inbox: [String]
        /// Recordings claimed and not finished (in flight, queued or waiting for the engine).
        public var claimed: [String]
        /// Refused recordings in `inbox/failed/`.
        public var failed: [String]
        /// Decoded audio left in `var/tmp/` by an interrupted run (plaintext: removed when `sor watch` or
        /// `sor process` starts).
        public var leftovers: [String]
        /// Each configured source's last import and next slot.
        public var sources: [SourceStatus] = []

        public struct SourceStatus: Codable, Sendable {
            public var name: String
            public var schedule: String
            public var lastRun: String?
            public var nextRun: String?
            public var imported: Int?
            public var skipped: [String: Int]?
            public var failed: Int?
            /// Why the last run failed as a whole, or its problems (the CDR's unreadable lines, files that failed).
            public var problems: [String] = []
        }

        public var text: String {
            var lines = [watcherRunning ? "watcher: running (pid \(watcher?.pid ?? 0), since \(watcher?.startedAt ?? "?"))" : "watcher: not running"]
            lines.append("inbox: \(inbox.count) waiting to be taken" + (inbox.isEmpty ? "" : ": " + inbox.joined(separator: ", ")))
            if let watcher {
                lines.append("queued: \(watcher.queued.count), in flight: \(watcher.inFlight.count), waiting for the engine: \(watcher.waitingForEngine.count)")
                for waiting in watcher.waitingForEngine { lines.append("  \(waiting.claim): next attempt \(waiting.nextAttempt): \(waiting.reason)") }
                lines.append("since start: \(watcher.processed) processed, \(watcher.duplicates) duplicates, \(watcher.quarantined) refused")
            }
            lines.append("claimed, not finished: \(claimed.count)")
            lines.append("failed (inbox/failed/): \(failed.count)" + (failed.isEmpty ? "" : ": " + failed.joined(separator: ", ")))
            for source in sources {
                var line = "source \(source.name) (\(source.schedule.isEmpty ? "by hand: sor import \(source.name) --now" : source.schedule)): "
                if let last = source.lastRun {
                    line += "last run \(last)"
                    if let imported = source.imported {
                        let skipped = (source.skipped ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                        line += ": \(imported) imported, \(source.failed ?? 0) failed, skipped: \(skipped.isEmpty ? "none" : skipped)"
                    }
                } else {
                    line += "never run"
                }
                if let next = source.nextRun { line += "; next run \(next)" }
                lines.append(line)
                for problem in source.problems.prefix(10) { lines.append("  \(problem)") }
            }
            if !leftovers.isEmpty {
                lines.append("plaintext left by an interrupted run: \(leftovers.count) decoded working copies in var/tmp/ (removed when sor watch or sor process next starts)")
            }
            return lines.joined(separator: "\n")
        }
    }

    public static func status(runtime: Runtime) -> StatusReport {
        let workspace = runtime.workspace
        let fm = FileManager.default
        let watcher = fm.contents(atPath: workspace.work + "/watch-status.json").flatMap { try? FileFormats.jsonDecoder().decode(WatchStatus.self, from: $0) }
        let running = watcher?.pid.map { kill(pid_t($0), 0) == 0 } ?? false
        let inbox = ((try? fm.contentsOfDirectory(atPath: workspace.inbox)) ?? []).filter(InboxLayout.isCandidate).sorted()
        let claimed = ((try? fm.contentsOfDirectory(atPath: workspace.inbox + "/.processing")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        let failed = ((try? fm.contentsOfDirectory(atPath: workspace.failed)) ?? []).filter { !$0.hasSuffix(".error.txt") && !$0.hasPrefix(".") }.sorted()
        let leftovers = runtime.copies.leftovers().map { ($0 as NSString).lastPathComponent }
        var report = StatusReport(watcherRunning: running, watcher: watcher, inbox: inbox, claimed: claimed, failed: failed, leftovers: leftovers)
        report.sources = workspace.config.sources.map { source in
            var status = StatusReport.SourceStatus(name: source.name, schedule: source.schedule)
            if let run = Importer.lastRun(of: source, in: workspace) {
                status.lastRun = run.time
                if let error = run.error {
                    status.problems.append("failed: " + error)
                } else {
                    status.imported = run.imported
                    status.failed = run.failed
                    status.skipped = run.skipped
                }
                status.problems += run.problems
                if run.warningCount > 0 { status.problems.append("\(run.warningCount) recordings taken with a warning, e.g. " + (run.warnings.first ?? "")) }
                for decision in run.decisions where decision.action == "failed" {
                    status.problems.append("\(decision.path): \(decision.reason ?? "failed")")
                }
            }
            if !source.schedule.isEmpty, case .cron(let cron)? = try? Schedule(parsing: source.schedule) {
                status.nextRun = cron.next(after: runtime.clock.now(), calendar: .current).map(Timestamp.local)
            }
            return status
        }
        return report
    }

    /// `sor check`: every problem in the configuration and the templates, compiler-style.
    public static func check(configPath: String?) -> [String] {
        let fm = FileManager.default
        let path = configPath ?? ProcessInfo.processInfo.environment["SOR_CONFIG"] ?? "sor.yaml"
        var problems: [String] = []
        let workspace: Workspace
        if fm.fileExists(atPath: path) {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let (config, diagnostics) = ConfigParser.parse(text, file: path)
            problems += diagnostics.map(\.description)
            guard let config else { return problems }
            let url = URL(fileURLWithPath: path).standardizedFileURL
            workspace = Workspace(config: config, root: url.deletingLastPathComponent(), configFile: url)
        } else if configPath != nil {
            return ["\(path): error: no such file"]
        } else {
            workspace = Workspace(config: Config(), root: URL(fileURLWithPath: fm.currentDirectoryPath))
        }
        if workspace.config.diarization.enabled {
            do {
                _ = try Runtime(workspace: workspace).diarization.diarizer()
            } catch {
                problems.append("\(path): warning: diarization: \(error.localizedDescription) Until then calls are stored without speakers.")
            }
        }
        let scorecardsPath = workspace.resolve(workspace.config.paths.scorecards)
        if let text = try? String(contentsOfFile: scorecardsPath, encoding: .utf8) {
            let (set, diagnostics) = ScorecardParser.parse(text, file: scorecardsPath)
            problems += diagnostics.map(\.description)
            if let set {
                let known = Set(set.cards.map(\.id))
                let cards = workspace.config.scoring.defaultCards + workspace.config.scoring.rules.flatMap(\.cards)
                for card in cards where !known.contains(card) {
                    problems.append("\(path): error: scoring refers to card \(card), which \(scorecardsPath) does not define (cards: \(known.sorted().joined(separator: ", ")))")
                }
            }
        } else {
            problems.append("\(scorecardsPath): error: the scorecards file is missing or unreadable")
        }
        for name in SiteRenderer.requiredTemplates where !fm.fileExists(atPath: "\(workspace.templates)/\(name).mustache") {
            problems.append("\(workspace.templates)/\(name).mustache: error: template missing")
        }
        if workspace.config.speech.engine == .embedded {
            let embedded = workspace.config.speech.embedded
            for (what, file) in [("python", embedded.python), ("script", embedded.script), ("model_dir", embedded.modelDir + "/model.bin")]
            where !fm.fileExists(atPath: workspace.resolve(file)) {
                problems.append("\(path): warning: speech.embedded.\(what): \(workspace.resolve(file)) not found; run `make setup`")
            }
        }
        return problems
    }
}
