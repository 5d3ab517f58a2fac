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
        for path in settle.settled(candidateFiles(), now: now, after: workspace.config.watch.settleSeconds) {
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

    private func candidateFiles() -> [String] {
        let fm = FileManager.default
        var files: [String] = []
        for folder in InboxLayout.dropFolders(workspace.inbox) {
            for name in InboxLayout.names(in: folder) where InboxLayout.isCandidate(name) {
                var isDirectory: ObjCBool = false
                let path = folder + "/" + name
                if fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
            }
        }
        return files
    }

    /// Renames the recording (and its sidecar, if one is there) into a claim folder. If another watcher got there
    /// first, the rename fails and the file is simply not ours.
    private func claim(_ path: String, now: Date) {
        let claim = processingDirectory + "/\(Timestamp.fileStamp(now))-\(UUID().uuidString.prefix(8))"
        let name = (path as NSString).lastPathComponent
        guard mkdir(claim, 0o755) == 0 else { return log("error: cannot create \(claim): \(String(cString: strerror(errno)))") }
        let uploader = InboxLayout.uploader(of: path, inbox: workspace.inbox)
        // Where it came from is written first, so a crash in the middle of claiming still knows.
        try? Data(path.utf8).write(to: URL(fileURLWithPath: claim + "/.original-path"))
        if let uploader { try? Data(uploader.utf8).write(to: URL(fileURLWithPath: claim + "/.uploaded-by")) }
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
        pipeline.record(uploader.map { "user:" + $0 } ?? "watcher", "claim", detail: [
            "file": name, "claim": (claim as NSString).lastPathComponent,
        ])
        queue.enqueue(claim)
    }
}
