import Crypto
import Foundation
import SORCore
import SORSite
import SORSpeech

/// Imports one source's recordings into `inbox/`, where the watcher takes them like any file: the monitor tree
/// walked, each recording joined with its CDR row, the rules and the sample applied, and each recording picked
/// copied in with its metadata sidecar.
///
/// Nothing is imported twice: what was imported is appended to `var/import/NAME.imported.jsonl` (the key, the
/// content's SHA-256, where it went), and a recording whose key or content is there is skipped. A copy is made
/// under a hidden partial name (`inbox/.NAME.sor-import.partial`, which the intake ignores), flushed, and only then
/// linked under its name, the sidecar first; an interrupted copy leaves a partial file that the next run replaces,
/// never a half recording in the inbox. A recording that cannot be read (vanished, unreadable) is counted as
/// failed with the reason, and the run goes on. What the last run found is kept in `var/import/NAME.status.json`
/// for `sor status`.
public struct Importer: Sendable {
    public let workspace: Workspace
    public let audit: AuditLog
    public let source: Config.Source
    let now: @Sendable () -> Date
    /// The ids of the calls in the store (for `after_import`: a recording leaves the exchange only once it is one).
    var storedCalls: @Sendable () throws -> Set<String>

    public init(runtime: Runtime, source: Config.Source) {
        workspace = runtime.workspace
        audit = runtime.audit
        self.source = source
        let clock = runtime.clock
        now = { clock.now() }
        storedCalls = { Set(try runtime.store.folders().keys) }
    }

    /// What became of one recording.
    public struct Decision: Sendable, Codable {
        public var path: String
        /// `import` (or `would import` in a dry run), `skip`, `failed`.
        public var action: String
        public var reason: String?
        /// A skip's kind, what the counts group by (`extension` for "extension 299 excluded").
        public var kind: String?
        public var target: String?
        public var warnings: [String] = []

        mutating func skip(_ skip: ImportSkip) {
            kind = skip.kind
            reason = skip.reason
        }
    }

    /// What one run did (`var/import/NAME.status.json` keeps the last one, with its failed recordings only).
    public struct Report: Sendable, Codable {
        public var source: String
        public var time: String
        public var dryRun: Bool
        /// Why the run could not be made at all (the tree unreachable, a host key refused); nil when it ran.
        public var error: String?
        public var imported = 0
        public var skipped: [String: Int] = [:]
        public var failed = 0
        /// Problems of the run as a whole (the CDR's unreadable lines, an unreadable tree).
        public var problems: [String] = []
        /// Recordings taken with less than their metadata: names off FreePBX's convention, no CDR row (the first 20).
        public var warnings: [String] = []
        public var warningCount = 0
        public var decisions: [Decision] = []
    }

    /// The last run's report of a source, as `sor status` and the quarantine page read it.
    public static func lastRun(of source: Config.Source, in workspace: Workspace) -> Report? {
        FileManager.default.contents(atPath: statusPath(source.name, in: workspace))
            .flatMap { try? JSONDecoder().decode(Report.self, from: $0) }
    }

    var stateFolder: String { workspace.work + "/import" }
    var importedPath: String { stateFolder + "/\(source.name).imported.jsonl" }
    var statusPath: String { Self.statusPath(source.name, in: workspace) }
    static func statusPath(_ source: String, in workspace: Workspace) -> String { workspace.work + "/import/\(source).status.json" }

    struct Imported: Codable {
        var key: String
        var sha256: String
        var file: String
        var at: String
        /// Where it was under the source's root.
        var path: String?
        /// A later line for the same key: what was done on the exchange once the call was stored (`deleted`, `moved`).
        var cleaned: String?
    }

    /// What earlier runs imported: keys and content hashes.
    func imported() -> (keys: Set<String>, hashes: Set<String>) {
        var keys: Set<String> = []
        var hashes: Set<String> = []
        let text = (try? String(contentsOfFile: importedPath, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            guard let entry = try? JSONDecoder().decode(Imported.self, from: Data(line.utf8)) else { continue }
            keys.insert(entry.key)
            hashes.insert(entry.sha256)
        }
        return (keys, hashes)
    }

    /// Runs the import (or, `dryRun`, says what it would do and changes nothing). A run that fails as a whole (the
    /// tree unreachable, a host key refused) is recorded for `sor status` and in the audit before it throws.
    public func run(dryRun: Bool = false) throws -> Report {
        do {
            return try perform(dryRun: dryRun)
        } catch {
            guard !dryRun else { throw error }
            var failure = Report(source: source.name, time: Timestamp.iso(now()), dryRun: false)
            failure.error = error.localizedDescription
            try? writeStatus(failure)
            _ = try? audit.append(actor: "import:" + source.name, action: "import-run", outcome: "failed", detail: ["reason": error.localizedDescription])
            throw error
        }
    }

    private func perform(dryRun: Bool) throws -> Report {
        // One run of a source at a time (the watcher's schedule and `sor import --now` may meet).
        try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true)
        let lock = open(stateFolder + "/\(source.name).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard lock >= 0 else { throw RuntimeError.cannotWrite(path: stateFolder, detail: String(cString: strerror(errno))) }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }
        var report = Report(source: source.name, time: Timestamp.iso(now()), dryRun: dryRun)
        let tree = try SourceTree(source, workspace: workspace)
        var cdr: CDRIndex?
        if !source.cdr.isEmpty {
            do {
                cdr = try CDRIndex.read(try tree.cdr(into: stateFolder + "/\(source.name).Master.csv"))
                report.problems += cdr!.problems
            } catch {
                report.problems.append("\(source.cdr): \(error.localizedDescription); recordings are imported with what their names say")
            }
        }
        if !dryRun, source.afterImport != .keep { report.problems += cleanUp(tree) }
        let rules = ImportRuleSet(source: source)
        let candidates = try tree.recordings().map { ImportCandidate(path: $0, cdr: cdr) }
        let (keys, hashes) = imported()
        // The calls the rules take, new or imported before (those count toward the sample's shares).
        var taken: [ImportCandidate] = []
        var eligible: [ImportCandidate] = []
        var decisions: [String: Decision] = [:]
        for candidate in candidates {
            var decision = Decision(path: candidate.path, action: "skip")
            if let warning = candidate.name.warning { decision.warnings.append(warning) }
            if cdr != nil, candidate.cdr == nil { decision.warnings.append("no CDR row for \(candidate.name.uniqueID ?? candidate.name.file)") }
            let skip = rules.skip(candidate)
            if skip == nil { eligible.append(candidate) }
            if keys.contains(candidate.key) {
                decision.skip(ImportSkip("already imported"))
            } else if let skip {
                decision.skip(skip)
            } else {
                taken.append(candidate)
            }
            decisions[candidate.path] = decision
        }
        let picked = rules.sample(eligible, imported: keys)
        for candidate in taken {
            guard var decision = decisions[candidate.path] else { continue }
            if !picked.contains(candidate.key) {
                decision.skip(ImportSkip("not in the sample", "(\(YAMLReader.format(source.rules.samplePercent)) % per agent per \(source.rules.samplePer))"))
            } else if dryRun {
                decision.action = "would import"
            } else {
                do {
                    if let target = try copy(candidate, from: tree, metadata: rules.metadata(candidate), knownHashes: hashes) {
                        decision.action = "import"
                        decision.target = target
                    } else {
                        decision.skip(ImportSkip("already imported", "(same content)"))
                    }
                } catch {
                    decision.action = "failed"
                    decision.reason = error.localizedDescription
                    _ = try? audit.append(actor: "import:" + source.name, action: "import", outcome: "failed", detail: [
                        "file": candidate.path, "reason": error.localizedDescription,
                    ])
                }
            }
            decisions[candidate.path] = decision
        }
        for candidate in candidates {
            guard let decision = decisions[candidate.path] else { continue }
            switch decision.action {
            case "import", "would import": report.imported += 1
            case "failed": report.failed += 1
            default: report.skipped[decision.kind ?? "?", default: 0] += 1
            }
            report.decisions.append(decision)
            if decision.action != "skip" || decision.reason != "already imported" {
                report.warningCount += decision.warnings.count
                for warning in decision.warnings where report.warnings.count < 20 { report.warnings.append(warning) }
            }
        }
        if !dryRun {
            _ = try? audit.append(actor: "import:" + source.name, action: "import-run", outcome: report.failed == 0 ? "done" : "partly", detail: [
                "imported": String(report.imported), "failed": String(report.failed),
                "skipped": report.skipped.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                "problems": String(report.problems.count), "warnings": String(report.warningCount),
                "first_problem": report.problems.first ?? "-", "first_warning": report.warnings.first ?? "-",
            ])
            var summary = report
            summary.decisions = summary.decisions.filter { $0.action == "failed" }
            try writeStatus(summary)
        }
        return report
    }

    private func writeStatus(_ report: Report) throws {
        try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try FileSystem.writeAtomically(try encoder.encode(report), to: statusPath, mode: 0o640)
    }

    /// Copies the recording into the inbox with its sidecar; nil when its content was imported before (under
    /// another key). Throws when it cannot be read or written.
    func copy(_ candidate: ImportCandidate, from tree: SourceTree, metadata: [String: Any], knownHashes: Set<String>) throws -> String? {
        let fm = FileManager.default
        let inbox = workspace.inbox
        try fm.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let name = candidate.name.file
        let partial = "\(inbox)/.\(name).sor-import.partial"
        unlink(partial)
        let sha256 = try tree.fetch(candidate.path, to: partial)
        if knownHashes.contains(sha256) {
            unlink(partial)
            try record(Imported(key: candidate.key, sha256: sha256, file: "(same content as an earlier import)", at: Timestamp.iso(now())))
            return nil
        }
        // A name free for both the recording and its sidecar.
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        var target = ""
        var sidecar = ""
        for index in 1...1000 {
            let base = index == 1 ? stem : "\(stem) (\(index))"
            target = "\(inbox)/\(base).\(ext)"
            sidecar = "\(inbox)/\(base).json"
            if !fm.fileExists(atPath: target) && !fm.fileExists(atPath: sidecar) { break }
        }
        let json = try JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys, .prettyPrinted])
        try FileSystem.writeAtomically(json, to: sidecar, mode: 0o640)
        guard link(partial, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(sidecar)
            unlink(partial)
            throw RuntimeError.cannotWrite(path: target, detail: reason)
        }
        unlink(partial)
        try record(Imported(key: candidate.key, sha256: sha256, file: (target as NSString).lastPathComponent, at: Timestamp.iso(now()), path: candidate.path))
        try audit.append(actor: "import:" + source.name, action: "import", outcome: "imported", detail: [
            "file": candidate.path, "unique_id": candidate.name.uniqueID ?? "-", "sha256": sha256, "as": (target as NSString).lastPathComponent,
        ])
        return (target as NSString).lastPathComponent
    }

    /// `after_import`: the recordings imported before whose calls are now in the store are deleted from the
    /// exchange or moved under `move_to` (a recording still waiting in the inbox, refused, or a duplicate of another
    /// stays). Each is recorded in the state and the audit; what fails is reported and tried again next run.
    func cleanUp(_ tree: SourceTree) -> [String] {
        let text = (try? String(contentsOfFile: importedPath, encoding: .utf8)) ?? ""
        var pending: [String: Imported] = [:]
        for line in text.split(separator: "\n") {
            guard let entry = try? JSONDecoder().decode(Imported.self, from: Data(line.utf8)) else { continue }
            if entry.cleaned != nil { pending[entry.key] = nil } else if entry.path != nil { pending[entry.key] = entry }
        }
        guard !pending.isEmpty else { return [] }
        let stored: Set<String>
        do {
            stored = try storedCalls()
        } catch {
            return ["after_import \(source.afterImport.rawValue) waits: the store cannot be read (\(error.localizedDescription))"]
        }
        var problems: [String] = []
        for entry in pending.values.sorted(by: { $0.at < $1.at }) {
            guard let path = entry.path, stored.contains(Pipeline.callID(sha256: entry.sha256)) else { continue }
            do {
                switch source.afterImport {
                case .keep: continue
                case .delete: try tree.remove(path)
                case .move: try tree.move(path, under: source.moveTo)
                }
                var done = entry
                done.cleaned = source.afterImport == .delete ? "deleted" : "moved"
                done.at = Timestamp.iso(now())
                try record(done)
                try audit.append(actor: "import:" + source.name, action: "import-" + source.afterImport.rawValue, outcome: "done", detail: [
                    "file": path, "sha256": entry.sha256, "to": source.afterImport == .move ? source.moveTo + "/" + path : "-",
                ])
            } catch {
                problems.append("\(path): not \(source.afterImport == .delete ? "deleted" : "moved") on the exchange after its import: \(error.localizedDescription); tried again next run")
            }
        }
        return problems
    }

    /// Appends one import to the state, flushed before the next file is copied.
    func record(_ entry: Imported) throws {
        try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true)
        var line = try JSONEncoder().encode(entry)
        line.append(UInt8(ascii: "\n"))
        let fd = open(importedPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw RuntimeError.cannotWrite(path: importedPath, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard written == line.count, fsync(fd) == 0 else { throw RuntimeError.cannotWrite(path: importedPath, detail: String(cString: strerror(errno))) }
    }
}

/// What the sources' last runs could not import, for the quarantine page: each recording that failed to copy, and
/// a run that could not start, with what to do. The recordings stay on the exchange; the next run tries again.
public enum ImportFailures {
    public static func all(_ workspace: Workspace) -> [QuarantinedInput] {
        workspace.config.sources.flatMap { source -> [QuarantinedInput] in
            guard let run = Importer.lastRun(of: source, in: workspace) else { return [] }
            let facts = [("source", source.name)]
            if let error = run.error {
                return [QuarantinedInput(
                    keptAs: "", file: "\(source.name) (\(source.kind.rawValue))", reason: "import-failed", time: run.time, facts: facts,
                    message: error, advice: "Nothing was imported from this source in its last run. Fix what the message says; the next scheduled run (or sor import \(source.name) --now) tries again.")]
            }
            return run.decisions.filter { $0.action == "failed" }.map { decision in
                QuarantinedInput(
                    keptAs: "", file: decision.path, reason: "import-failed", time: run.time, facts: facts,
                    message: decision.reason ?? "it could not be copied",
                    advice: "The recording stays on the exchange and the next run tries it again; if it keeps failing, check it there (permissions, a file still being written).")
            }
        }
    }
}
