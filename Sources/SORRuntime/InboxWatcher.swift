import Foundation
import SORCore

/// `sor watch`: takes complete recordings from the inbox, exactly once, and processes them with N workers.
///
/// - inotify wakes the loop early; a full rescan every `watch.rescan_interval` catches what inotify misses on
///   shared folders. A file is taken only when its size and mtime have been stable for `watch.settle_seconds`.
/// - Taking is a rename into `inbox/.processing/<claim>/` (with its sidecar), atomic on one file system, so two
///   watchers or a restart never process a file twice. Claims left by a crash are resumed at start.
/// - Speech-engine failures are retried with doubling delays, then the claim waits and is tried again later;
///   it is never quarantined for that.
public final class InboxWatcher: @unchecked Sendable {
    // Shared state is guarded by `condition`; workers and the scanning loop run on their own threads.
    private let workspace: Workspace
    private let pipeline: Pipeline
    private let edits: EditProcessor
    private let speech: SpeechService
    private let log: @Sendable (String) -> Void
    private let condition = NSCondition()
    private var queue: [String] = []
    private var inFlight: Set<String> = []
    private var waiting: [String: (due: Date, reason: String)] = [:]
    private var stopping = false
    private var siteDirty = false
    private var counters = (processed: 0, duplicates: 0, quarantined: 0)
    private var seen: [String: (size: Int64, modified: Date, since: Date)] = [:]
    private var seenEdits: [String: (size: Int64, modified: Date, since: Date)] = [:]
    /// Sidecars whose recording is not in the inbox: when first seen alone.
    private var loneSidecars: [String: Date] = [:]
    /// Stored calls by original file name (built on first need, then kept up to date), for late sidecars.
    private var storedNames: [String: [(id: String, received: Date)]]?
    private var lastExpiry = Date.distantPast
    /// Waiting rounds per claim (since when), and the last time the engine transcribed anything: a recording the
    /// engine keeps failing on while it works for others is given up on after `watch.give_up_rounds`.
    private var failureRounds: [String: (rounds: Int, since: Date)] = [:]
    private var lastSuccess: Date?
    private var checkedRescore = false
    private let startedAt = Date()
    private var wakeFD: [Int32] = [-1, -1]

    static let audioExtensions: Set<String> = ["wav", "mp3", "flac", "ogg", "oga", "opus", "aiff", "aif", "w64", "rf64", "au"]
    static let sidecarExtensions: Set<String> = ["yaml", "yml", "json"]
    static let partialSuffixes = [".part", ".tmp", "~", ".crdownload", ".partial", ".download"]
    /// Folders inside the inbox that hold SOR's own bookkeeping, not new recordings.
    static let reservedFolders: Set<String> = ["failed", "duplicates", "edits"]

    public init(workspace: Workspace, log: @escaping @Sendable (String) -> Void) throws {
        self.workspace = workspace
        let store = try workspace.store()
        self.speech = SpeechService(workspace: workspace)
        let scorer = Scorer(workspace: workspace)
        self.pipeline = Pipeline(workspace: workspace, store: store, speech: speech, scorer: scorer)
        self.edits = EditProcessor(workspace: workspace, store: store, scorer: scorer)
        self.log = log
    }

    var processingDirectory: String { workspace.inbox + "/.processing" }
    var statusPath: String { workspace.work + "/watch-status.json" }

    /// Runs until `stop()` (SIGINT/SIGTERM): in-flight work finishes, claims not started stay for the next start.
    public func run() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: processingDirectory, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: workspace.work, withIntermediateDirectories: true)
        // One watcher per inbox: claims in .processing/ belong to the watcher that holds this lock.
        let lockFD = open(processingDirectory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            throw RuntimeError.commandFailed(
                command: "sor watch",
                detail: "another sor watch is already watching \(workspace.inbox) (it holds \(processingDirectory)/.lock); stop it first")
        }
        defer { close(lockFD) }
        let storeLock = try StoreLock(dataDirectory: workspace.data, purpose: "sor watch")
        defer { withExtendedLifetime(storeLock) {} }
        // A wrong or missing key stops here, before anything is taken or written.
        try pipeline.store.vault.check(dataDirectory: workspace.data)
        pipeline.store.sweepStaging()
        pipe(&wakeFD)
        defer {
            close(wakeFD[0])
            close(wakeFD[1])
        }
        try? fm.createDirectory(atPath: workspace.inbox + "/edits", withIntermediateDirectories: true)
        let inotify = InotifyWatch(directories: [workspace.inbox, workspace.inbox + "/edits"])
        // Claims left by an earlier run (a crash, a kill -9) are taken up first.
        for claim in ((try? fm.contentsOfDirectory(atPath: processingDirectory)) ?? []).sorted() where !claim.hasPrefix(".") {
            enqueue(processingDirectory + "/" + claim)
            log("resuming \(claim) left by an earlier run")
        }
        let workers = (0..<workspace.config.watch.jobs).map { index in
            let thread = Thread { [self] in work() }
            thread.name = "sor-worker-\(index)"
            thread.start()
            return thread
        }
        _ = workers
        var lastScan = Date.distantPast
        while !isStopping {
            let now = Date()
            let rescanDue = now.timeIntervalSince(lastScan) >= workspace.config.watch.rescanInterval
            if rescanDue || inotify.hasEvents || hasUnsettled {
                scan(now: now)
                lastScan = rescanDue ? now : lastScan
            }
            requeueWaiting(now: now)
            applyEdits(now: now)
            rescoreIfScorecardsChanged()
            expireIfDue(now: now)
            rebuildSiteIfIdle()
            writeStatus()
            inotify.addSubdirectories(of: workspace.inbox + "/uploads")
            inotify.addSubdirectories(of: workspace.inbox + "/edits")
            let timeout = hasUnsettled ? 0.25 : min(workspace.config.watch.rescanInterval, 1.0)
            inotify.wait(timeout: timeout, alsoWakeOn: wakeFD[0])
        }
        condition.lock()
        while !inFlight.isEmpty { condition.wait() }
        condition.broadcast()
        condition.unlock()
        rebuildSiteIfIdle()
        speech.stop()
        writeStatus(final: true)
        log("stopped")
    }

    /// Asks the watcher to stop; safe to call from a signal handler's queue.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        var byte: UInt8 = 1
        _ = write(wakeFD[1], &byte, 1)
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private var hasUnsettled: Bool { !seen.isEmpty }

    // MARK: Scanning and claiming

    /// Finds complete recordings in the inbox (and `uploads/<user>/`) and claims those that have settled.
    private func scan(now: Date) {
        var present: Set<String> = []
        for path in candidateFiles() {
            present.insert(path)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = attributes[.size] as? Int64, let modified = attributes[.modificationDate] as? Date
            else { continue }
            if let previous = seen[path], previous.size == size, previous.modified == modified {
                if now.timeIntervalSince(previous.since) >= workspace.config.watch.settleSeconds {
                    seen[path] = nil
                    claim(path)
                }
            } else {
                seen[path] = (size, modified, now)
            }
        }
        for path in seen.keys where !present.contains(path) { seen[path] = nil }
        checkLoneSidecars(now: now)
    }

    // MARK: Edits, late sidecars, retention

    /// Applies settled edit documents from `inbox/edits/<user>/`, in name order.
    private func applyEdits(now: Date) {
        let waiting = edits.pending()
        let present = Set(waiting.map(\.path))
        for path in seenEdits.keys where !present.contains(path) { seenEdits[path] = nil }
        for (path, user) in waiting {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = attributes[.size] as? Int64, let modified = attributes[.modificationDate] as? Date
            else { continue }
            if let previous = seenEdits[path], previous.size == size, previous.modified == modified,
                now.timeIntervalSince(previous.since) >= min(workspace.config.watch.settleSeconds, 1)
            {
                seenEdits[path] = nil
                let name = (path as NSString).lastPathComponent
                switch edits.apply(path, user: user) {
                case .applied(let call, let revision):
                    log("edit \(user)/\(name) applied to call \(call) (revision \(revision))")
                    markSiteDirty()
                case .rejected(let reason):
                    log("edit \(user)/\(name) rejected: \(reason)")
                    markSiteDirty()
                }
            } else if seenEdits[path] == nil || seenEdits[path]!.size != size || seenEdits[path]!.modified != modified {
                seenEdits[path] = (size, modified, now)
            }
        }
    }

    private func markSiteDirty() {
        condition.lock()
        siteDirty = true
        condition.unlock()
    }

    /// A sidecar whose recording is not in the inbox either waits for it (sidecar first) or, once settled, belongs
    /// to a recording already stored (sidecar late): it then becomes a metadata edit of that call. One that matches
    /// no call within a day is kept in inbox/failed/ with the reason.
    private func checkLoneSidecars(now: Date) {
        let fm = FileManager.default
        var lone: Set<String> = []
        for folder in [workspace.inbox] + (((try? fm.contentsOfDirectory(atPath: workspace.inbox + "/uploads")) ?? []).map { workspace.inbox + "/uploads/" + $0 }) {
            let names = (try? fm.contentsOfDirectory(atPath: folder)) ?? []
            let bases = Set(names.map { ($0 as NSString).deletingPathExtension })
            for name in names where Self.sidecarExtensions.contains((name as NSString).pathExtension.lowercased()) && !name.hasPrefix(".") {
                let base = (name as NSString).deletingPathExtension
                // Its recording is here (complete or still being written as NAME.wav.part): it travels with it.
                let partial = names.contains { other in other.hasPrefix(base + ".") && Self.partialSuffixes.contains { other.hasSuffix($0) } }
                let audio = names.contains { other in other != name && (other as NSString).deletingPathExtension == base && Self.isCandidate(other) }
                if audio || partial || !bases.contains(base) { continue }
                lone.insert(folder + "/" + name)
            }
        }
        for path in loneSidecars.keys where !lone.contains(path) { loneSidecars[path] = nil }
        for path in lone.sorted() {
            guard let since = loneSidecars[path] else {
                loneSidecars[path] = now
                continue
            }
            // Give a recording copied after its sidecar time to arrive.
            guard now.timeIntervalSince(since) >= max(workspace.config.watch.settleSeconds * 3, 5) else { continue }
            let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let matches = (storedCallsNamed(base) ?? []).filter { abs($0.received.timeIntervalSince(now)) < 86_400 }
            if matches.count == 1 {
                loneSidecars[path] = nil
                applyLateSidecar(path, call: matches[0].id)
            } else if matches.count > 1 || now.timeIntervalSince(since) > 86_400 {
                loneSidecars[path] = nil
                let reason = matches.count > 1
                    ? "several calls stored in the last day came from a recording named \(base).*, so it is not clear which one this metadata belongs to; apply it with an edit document naming the call"
                    : "no recording named \(base).* arrived within a day of this metadata file; drop the recording together with it"
                keepFailed(path, reason: reason)
            }
        }
    }

    /// Calls whose original file (without extension) was `base`.
    private func storedCallsNamed(_ base: String) -> [(id: String, received: Date)]? {
        condition.lock()
        defer { condition.unlock() }
        if storedNames == nil {
            // call.yaml only: transcripts and evaluations are not needed to match a file name.
            var index: [String: [(String, Date)]] = [:]
            for folder in pipeline.store.folders().values {
                guard let record = try? pipeline.store.record(in: folder) else { continue }
                let name = (record.source.fileName as NSString).deletingPathExtension
                index[name, default: []].append((record.id, Commands.date(record.source.receivedAt) ?? .distantPast))
            }
            storedNames = index
        }
        return storedNames?[base]
    }

    private func remember(_ id: String, fileName: String) {
        guard storedNames != nil else { return }
        storedNames![(fileName as NSString).deletingPathExtension, default: []].append((id, Date()))
    }

    /// Turns a late sidecar into a `call.metadata` edit document of the sidecar's uploader (or `sor`).
    private func applyLateSidecar(_ path: String, call: String) {
        let name = (path as NSString).lastPathComponent
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return keepFailed(path, reason: "the metadata file cannot be read as UTF-8 text")
        }
        let (parsed, diagnostics) = MetadataParser.parse(text, file: path)
        guard let metadata = parsed, let fields = try? JSONSerialization.jsonObject(with: FileFormats.json(metadata)) as? [String: Any], !fields.isEmpty,
            let document = try? pipeline.store.load(call)
        else {
            let reason = diagnostics.isEmpty ? "the metadata file holds no fields" : diagnostics.map(\.description).joined(separator: "\n")
            return keepFailed(path, reason: "the metadata file arrived after its recording (call \(call)) but is invalid:\n" + reason)
        }
        let user = Self.uploader(of: path, inbox: workspace.inbox) ?? "sor"
        let edit: [String: Any] = [
            "schema": EditProcessor.schemaVersion, "type": "call.metadata", "call": call, "base_revision": document.call.revision,
            "metadata": fields, "comment": "metadata file \(name) arrived after its recording",
        ]
        do {
            let target = workspace.inbox + "/edits/\(user)/late-sidecar-\(call)-\(UUID().uuidString.prefix(8)).json"
            try FileSystem.writeAtomically(try JSONSerialization.data(withJSONObject: edit, options: [.sortedKeys]), to: target)
            unlink(path)
            log("metadata \(name) arrived after its recording: applying it to call \(call)")
        } catch {
            log("error: cannot queue the late metadata \(name): \(error.localizedDescription)")
        }
    }

    private func keepFailed(_ path: String, reason: String) {
        let name = (path as NSString).lastPathComponent
        do {
            let target = try FileSystem.reserve(workspace.failed + "/" + name)
            let report = "file: \(name)\ntime: \(Pipeline.iso(Date()))\noriginal location: \(path)\n\n\(reason)\n"
            try FileSystem.writeAtomically(Data(report.utf8), to: target + ".error.txt")
            try FileSystem.replace(target, with: path)
            log("refused \(name): \(reason.split(separator: "\n").first ?? "")")
        } catch {
            log("error: \(name): \(error.localizedDescription)")
        }
    }

    /// After `scorecards.yaml` changes: every call is scored again (the last valid cards stay in use while the file
    /// is invalid, and the problems are logged once per change).
    private func rescoreIfScorecardsChanged() {
        let scorer = pipeline.scorer
        let problemsBefore = scorer.currentProblems
        // Whether the stored calls were scored with other cards is read once, at start; afterwards only a change of
        // the file (checked by size and mtime) starts a rescore.
        let due = checkedRescore ? nil : scorer.current.flatMap { Rescore.dueReason(workspace: workspace, sha256: $0.scorecards.sha256) }
        checkedRescore = true
        let changed = scorer.reload()
        guard changed || due != nil else {
            let problems = scorer.currentProblems
            if !problems.isEmpty && problems != problemsBefore {
                log("error: scorecards.yaml is invalid; the last valid version stays in use until it is fixed:\n"
                    + problems.map(\.description).joined(separator: "\n"))
            }
            return
        }
        guard let scoring = scorer.current else { return }
        do {
            if pipeline.store.folders().isEmpty {
                try Rescore.markAllScored(workspace: workspace, sha256: scoring.scorecards.sha256)
                return
            }
            let report = try Rescore.run(workspace: workspace, store: pipeline.store, scoring: scoring, actor: "watcher")
            let why = (changed ? nil : due) ?? "scorecards.yaml changed"
            log("\(why): \(report.calls) calls rescored, \(report.rescored) changed, \(report.flips.count) pass/fail flips; report \(report.path ?? "-")")
            markSiteDirty()
        } catch {
            log("error: rescoring after the scorecards changed: \(error.localizedDescription)")
        }
    }

    /// Applies the retention policy once an hour.
    private func expireIfDue(now: Date) {
        guard workspace.config.retention.days > 0, now.timeIntervalSince(lastExpiry) >= 3600 else { return }
        lastExpiry = now
        do {
            let expired = try Commands.expire(workspace: workspace, actor: "watcher", now: now)
            if !expired.isEmpty {
                log("retention: \(expired.count) calls older than \(workspace.config.retention.days) days \(workspace.config.retention.action == .delete ? "erased" : "archived")")
                condition.lock()
                storedNames = nil
                condition.unlock()
                markSiteDirty()
            }
        } catch {
            log("error: retention: \(error.localizedDescription)")
        }
    }

    private func candidateFiles() -> [String] {
        let fm = FileManager.default
        var folders = [workspace.inbox]
        let uploads = workspace.inbox + "/uploads"
        for user in ((try? fm.contentsOfDirectory(atPath: uploads)) ?? []).sorted() where !user.hasPrefix(".") {
            folders.append(uploads + "/" + user)
        }
        var files: [String] = []
        for folder in folders {
            for name in ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).sorted() {
                guard Self.isCandidate(name) else { continue }
                var isDirectory: ObjCBool = false
                let path = folder + "/" + name
                if fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
            }
        }
        return files
    }

    /// Audio that is not hidden and not a partial download; sidecars travel with their audio and are not candidates.
    static func isCandidate(_ name: String) -> Bool {
        if name.hasPrefix(".") || reservedFolders.contains(name) { return false }
        if partialSuffixes.contains(where: { name.hasSuffix($0) }) { return false }
        return audioExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// Renames the recording (and its sidecar, if one is there) into a claim folder. If another watcher got there
    /// first, the rename fails and the file is simply not ours.
    private func claim(_ path: String) {
        let stamp = Pipeline.iso(Date()).replacingOccurrences(of: ":", with: "")
        let claim = processingDirectory + "/\(stamp)-\(UUID().uuidString.prefix(8))"
        let name = (path as NSString).lastPathComponent
        guard mkdir(claim, 0o755) == 0 else { return log("error: cannot create \(claim): \(String(cString: strerror(errno)))") }
        // Where it came from is written first, so a crash in the middle of claiming still knows.
        try? Data(path.utf8).write(to: URL(fileURLWithPath: claim + "/.original-path"))
        if let user = Self.uploader(of: path, inbox: workspace.inbox) {
            try? Data(user.utf8).write(to: URL(fileURLWithPath: claim + "/.uploaded-by"))
        }
        let sidecar = MetadataParser.sidecar(for: path)
        if let sidecar {
            _ = rename(sidecar, claim + "/" + (sidecar as NSString).lastPathComponent)
        }
        guard rename(path, claim + "/" + name) == 0 else {
            // Another watcher took it, or it cannot be moved (permissions): put the sidecar back.
            let reason = String(cString: strerror(errno))
            if let sidecar { _ = rename(claim + "/" + (sidecar as NSString).lastPathComponent, sidecar) }
            try? FileManager.default.removeItem(atPath: claim)
            if FileManager.default.fileExists(atPath: path) { log("error: cannot take \(name) (\(reason)); check the inbox's permissions") }
            return
        }
        log("claimed \(name)")
        pipeline.record(Self.uploader(of: path, inbox: workspace.inbox).map { "user:" + $0 } ?? "watcher", "claim", detail: [
            "file": name, "claim": (claim as NSString).lastPathComponent,
        ])
        enqueue(claim)
    }

    /// The user whose upload folder (`inbox/uploads/<user>/`) a file came from.
    static func uploader(of path: String, inbox: String) -> String? {
        let parts = path.dropFirst(inbox.count).split(separator: "/")
        return parts.count == 3 && parts[0] == "uploads" ? String(parts[1]) : nil
    }

    private func enqueue(_ claim: String) {
        condition.lock()
        queue.append(claim)
        condition.signal()
        condition.unlock()
    }

    private func requeueWaiting(now: Date) {
        condition.lock()
        let due = waiting.filter { $0.value.due <= now }.map(\.key)
        for claim in due {
            waiting[claim] = nil
            queue.append(claim)
        }
        if !due.isEmpty { condition.broadcast() }
        condition.unlock()
    }

    // MARK: Workers

    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                return
            }
            let claim = queue.removeFirst()
            inFlight.insert(claim)
            condition.unlock()

            let outcome = processClaim(claim)

            condition.lock()
            inFlight.remove(claim)
            switch outcome {
            case .processed: counters.processed += 1; siteDirty = true
            case .duplicate: counters.duplicates += 1
            case .quarantined: counters.quarantined += 1
            case .engineUnavailable(let reason):
                waiting[claim] = (Date().addingTimeInterval(workspace.config.watch.engineWaitInterval), reason)
            case nil: break
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Processes the recording in a claim folder, retrying engine failures with doubling delays.
    private func processClaim(_ claim: String) -> ProcessOutcome? {
        let fm = FileManager.default
        let contents: [String]
        do {
            contents = try fm.contentsOfDirectory(atPath: claim)
        } catch {
            // A shared folder's hiccup is not an empty claim: leave it for the next attempt.
            return .engineUnavailable(reason: "\(claim) cannot be listed: \(error.localizedDescription)")
        }
        guard let name = contents.filter({ Self.isCandidate($0) }).first else {
            // No recording left: an earlier run was interrupted after handling it. Anything else still here (a
            // sidecar) is kept in inbox/failed/ rather than deleted.
            for leftover in contents where !leftover.hasPrefix(".") {
                do {
                    try FileSystem.replace(try FileSystem.reserve(workspace.failed + "/" + leftover), with: claim + "/" + leftover)
                    log("kept \(leftover), left over from an interrupted run, in inbox/failed/")
                } catch {
                    log("error: \(leftover) stays in \(claim): \(error.localizedDescription)")
                    return nil
                }
            }
            try? fm.removeItem(atPath: claim)
            return nil
        }
        let uploader = try? String(contentsOfFile: claim + "/.uploaded-by", encoding: .utf8)
        let original = try? String(contentsOfFile: claim + "/.original-path", encoding: .utf8)
        var delay = workspace.config.watch.retryDelay
        var attempt = 0
        while true {
            var outcome: ProcessOutcome
            do {
                outcome = try pipeline.process(claim + "/" + name, uploadedBy: uploader, originalPath: original)
            } catch {
                // sor's own side failed (disk full, permissions): not the engine's fault, not the file's; wait.
                let reason = "\(name): sor could not store the call: \(error.localizedDescription)"
                log("error: \(reason); it stays claimed and is tried again in \(Int(workspace.config.watch.engineWaitInterval)) s")
                return .engineUnavailable(reason: reason)
            }
            if case .processed = outcome {
                condition.lock()
                lastSuccess = Date()
                failureRounds[claim] = nil
                condition.unlock()
            }
            if case .engineUnavailable(let reason) = outcome, attempt >= workspace.config.watch.engineRetries || isStopping,
                let refused = giveUpIfEngineFailsOnlyHere(claim: claim, name: name, reason: reason, original: original, uploader: uploader)
            {
                outcome = refused
            }
            switch outcome {
            case .processed(let id):
                log("processed \(name) → call \(id)")
                condition.lock()
                remember(id, fileName: name)
                condition.unlock()
            case .duplicate(let id):
                log("duplicate \(name): already stored as call \(id); set aside in inbox/duplicates/")
            case .quarantined(let target, let reason):
                log("refused \(name): \(reason.split(separator: "\n").first ?? "") (kept in \(target))")
            case .engineUnavailable(let reason):
                if attempt < workspace.config.watch.engineRetries && !isStopping {
                    attempt += 1
                    log("engine failed for \(name) (attempt \(attempt)), retrying in \(Int(delay)) s: \(reason)")
                    Thread.sleep(forTimeInterval: delay)
                    delay *= 2
                    continue
                }
                log("waiting for the engine: \(name) stays claimed and is tried again in \(Int(workspace.config.watch.engineWaitInterval)) s: \(reason)")
                return outcome
            }
            try? fm.removeItem(atPath: claim)
            return outcome
        }
    }

    /// Counts a waiting round for the claim; after `watch.give_up_rounds` of them, if the engine has transcribed
    /// other recordings meanwhile, refuses this one (`engine-failed`) instead of waiting for ever.
    private func giveUpIfEngineFailsOnlyHere(claim: String, name: String, reason: String, original: String?, uploader: String?) -> ProcessOutcome? {
        condition.lock()
        var record = failureRounds[claim] ?? (0, Date())
        record.rounds += 1
        failureRounds[claim] = record
        let engineWorks = lastSuccess.map { $0 > record.since } ?? false
        condition.unlock()
        let limit = workspace.config.watch.giveUpRounds
        guard limit > 0, record.rounds >= limit, engineWorks else { return nil }
        let message = """
            the speech engine failed on this recording in \(record.rounds) rounds of attempts while it transcribed other \
            recordings, so the trouble is with this one. Last error: \(reason)
            A recording longer than the engine can finish within speech.timeout (\(Int(workspace.config.speech.timeout)) s) \
            fails this way: raise the timeout, or split the recording, and drop it again.
            """
        do {
            let outcome = try pipeline.refuse(
                claim + "/" + name, code: "engine-failed", message: message, originalPath: original,
                actor: uploader.map { "user:" + $0 } ?? "watcher")
            condition.lock()
            failureRounds[claim] = nil
            condition.unlock()
            return outcome
        } catch {
            log("error: cannot set \(name) aside: \(error.localizedDescription)")
            return nil
        }
    }

    // MARK: Site and status

    private func rebuildSiteIfIdle() {
        condition.lock()
        let due = siteDirty && queue.isEmpty && inFlight.isEmpty
        if due { siteDirty = false }
        condition.unlock()
        guard due else { return }
        do {
            try SiteBuilder(workspace: workspace).build()
            log("site rebuilt")
        } catch {
            log("error: the site could not be rebuilt: \(error.localizedDescription)")
        }
    }

    private func writeStatus(final: Bool = false) {
        condition.lock()
        let status = WatchStatus(
            pid: final ? nil : Int(getpid()), startedAt: Pipeline.iso(startedAt), updatedAt: Pipeline.iso(Date()),
            queued: queue.map { ($0 as NSString).lastPathComponent }.sorted(),
            inFlight: inFlight.map { ($0 as NSString).lastPathComponent }.sorted(),
            waitingForEngine: waiting.map { WatchStatus.Waiting(claim: ($0.key as NSString).lastPathComponent, nextAttempt: Pipeline.iso($0.value.due), reason: $0.value.reason) }
                .sorted { $0.claim < $1.claim },
            processed: counters.processed, duplicates: counters.duplicates, quarantined: counters.quarantined)
        condition.unlock()
        if let data = try? FileFormats.json(status), FileManager.default.contents(atPath: statusPath) != data {
            try? FileSystem.writeAtomically(data, to: statusPath)
        }
    }
}

/// What `sor watch` is doing, written to `var/watch-status.json` for `sor status`.
public struct WatchStatus: Codable, Sendable, Equatable {
    public struct Waiting: Codable, Sendable, Equatable {
        public var claim: String
        public var nextAttempt: String
        public var reason: String
    }

    /// The watcher's process id while it runs; nil once it has stopped.
    public var pid: Int?
    public var startedAt: String
    public var updatedAt: String
    public var queued: [String]
    public var inFlight: [String]
    public var waitingForEngine: [Waiting]
    public var processed: Int
    public var duplicates: Int
    public var quarantined: Int
}
