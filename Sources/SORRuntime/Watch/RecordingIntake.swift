import Foundation
import SORCore

/// Finds complete recordings in the inbox (and `uploads/<user>/`) and claims each once it has settled: a rename
/// into `inbox/.processing/<claim>/` with its sidecar, atomic on one file system, so two watchers or a restart
/// never process a file twice. A full scan every `watch.rescan_interval` catches what inotify misses on shared
/// folders; inotify events and files still settling make it run sooner.
final class RecordingIntake: WatchJob {
    let name = "recordings"
    let cadence: Cadence
    private let pipeline: Pipeline
    private let queue: ClaimQueue
    private let log: (String) -> Void
    private var settle = SettleTracker()

    init(pipeline: Pipeline, queue: ClaimQueue, log: @escaping (String) -> Void) {
        self.pipeline = pipeline
        self.queue = queue
        self.log = log
        cadence = .scheduled(.every(pipeline.runtime.config.watch.rescanInterval))
    }

    private var workspace: Workspace { pipeline.runtime.workspace }
    var processingDirectory: String { workspace.inbox + "/.processing" }

    /// Some file is still being watched settle.
    var hasUnsettled: Bool { !settle.isEmpty }

    func wantsEarlyRun(events: Bool) -> Bool { events || hasUnsettled }

    func run(now: Date) {
        for path in settle.settled(candidateFiles(now: now), now: now, after: workspace.config.watch.settleSeconds) {
            claim(path, now: now)
        }
    }

    /// Claims left by an earlier run (a crash, a kill -9), taken up first.
    func resumeClaims() {
        for claim in InboxLayout.names(in: processingDirectory) where !claim.hasPrefix(".") {
            queue.enqueue(processingDirectory + "/" + claim)
            log("resuming \(claim) left by an earlier run")
        }
    }

    /// Plain files with a recording's name. A link, pipe or device under such a name is refused at once: it is
    /// never opened (a link to `/dev/zero` would hang a worker for ever).
    private func candidateFiles(now: Date) -> [String] {
        var files: [String] = []
        for folder in InboxLayout.dropFolders(workspace.inbox) {
            for name in InboxLayout.names(in: folder) where InboxLayout.isCandidate(name) {
                let path = folder + "/" + name
                switch InboxFile.kind(path) {
                case .regular: files.append(path)
                case .other(let what): refuse(path, what: what, now: now)
                case .directory, .missing: break
                }
            }
        }
        return files
    }

    private func refuse(_ path: String, what: String, now: Date) {
        let name = (path as NSString).lastPathComponent
        let note = QuarantineNote(
            file: name, reason: "not-a-file", time: now, facts: [("original location", path)],
            message: InboxFileError.notAFile(path: path, what: what).localizedDescription)
        do {
            let kept = try note.keep(path, in: workspace.failed) { kept in
                try pipeline.record(InboxLayout.uploader(of: path, inbox: workspace.inbox).map { "user:" + $0 } ?? "watcher", "quarantine", outcome: "refused", detail: [
                    "file": name, "kept_as": (kept as NSString).lastPathComponent, "reason": "not-a-file",
                ])
            }
            log("refused \(name): it is \(what), not a file (kept in \(kept))")
        } catch {
            log("error: \(name) is \(what), not a file, and cannot be moved to inbox/failed/: \(error.localizedDescription)")
        }
    }

    /// Renames the recording (and its sidecar, if one is there) into a claim folder. If another watcher got there
    /// first, the rename fails and the file is simply not ours.
    private func claim(_ path: String, now: Date) {
        let claim = processingDirectory + "/\(Timestamp.fileStamp(now))-\(UUID().uuidString.prefix(8))"
        let name = (path as NSString).lastPathComponent
        guard mkdir(claim, 0o755) == 0 else { return log("error: cannot create \(claim): \(String(cString: strerror(errno)))") }
        let uploader = InboxLayout.uploader(of: path, inbox: workspace.inbox)
        do {
            // Audited before it is taken: a log that cannot be written leaves the file in the inbox.
            try pipeline.record(uploader.map { "user:" + $0 } ?? "watcher", "claim", detail: [
                "file": name, "claim": (claim as NSString).lastPathComponent,
            ])
        } catch {
            try? FileManager.default.removeItem(atPath: claim)
            return log("error: \(name) stays in the inbox: the audit log cannot be written (\(error.localizedDescription))")
        }
        // Where it came from is written first, so a crash in the middle of claiming still knows.
        try? Data(path.utf8).write(to: URL(fileURLWithPath: claim + "/.original-path"))
        if let uploader { try? Data(uploader.utf8).write(to: URL(fileURLWithPath: claim + "/.uploaded-by")) }
        let sidecar = InboxLayout.sidecar(for: path)
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
        if let uploader { UploadStatus.write(workspace, user: uploader, file: name, state: "queued", now: now) }
        log("claimed \(name)")
        queue.enqueue(claim)
    }
}
