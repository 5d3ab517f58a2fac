import Foundation
import SORCore

/// Processes the recording in a claim folder, and decides what an engine failure means: retried at once with
/// doubling delays, then left to wait (`watch.engine_wait_interval`), and refused (`engine-failed`) only after
/// `watch.give_up_rounds` waiting rounds during which the engine transcribed other recordings, i.e. when the
/// trouble is this recording (too long for the timeout, or one that crashes the engine).
final class ClaimProcessor: @unchecked Sendable {
    // `failureRounds` and `lastSuccess` are shared by the workers, under `lock`.
    private let pipeline: Pipeline
    private let names: CallNameIndex
    private let isStopping: @Sendable () -> Bool
    private let log: @Sendable (String) -> Void
    private let lock = NSLock()
    /// Waiting rounds per claim (since when), and the last time the engine transcribed anything.
    private var failureRounds: [String: (rounds: Int, since: Date)] = [:]
    private var lastSuccess: Date?

    init(pipeline: Pipeline, names: CallNameIndex, isStopping: @escaping @Sendable () -> Bool, log: @escaping @Sendable (String) -> Void) {
        self.pipeline = pipeline
        self.names = names
        self.isStopping = isStopping
        self.log = log
    }

    private var runtime: Runtime { pipeline.runtime }
    private var watch: Config.Watch { runtime.config.watch }

    /// Processes the claim; nil when there was nothing (left) to process.
    func process(_ claim: String) -> ProcessOutcome? {
        let fm = FileManager.default
        let contents: [String]
        do {
            contents = try fm.contentsOfDirectory(atPath: claim)
        } catch {
            // A shared folder's hiccup is not an empty claim: leave it for the next attempt.
            return .engineUnavailable(reason: "\(claim) cannot be listed: \(error.localizedDescription)")
        }
        guard let name = contents.filter({ InboxLayout.isCandidate($0) }).first else {
            return keepLeftovers(contents, of: claim)
        }
        let uploader = try? String(contentsOfFile: claim + "/.uploaded-by", encoding: .utf8)
        let original = try? String(contentsOfFile: claim + "/.original-path", encoding: .utf8)
        var delay = watch.retryDelay
        var attempt = 0
        while true {
            var outcome: ProcessOutcome
            do {
                outcome = try pipeline.process(claim + "/" + name, uploadedBy: uploader, originalPath: original)
            } catch {
                // sor's own side failed (disk full, permissions): not the engine's fault, not the file's; wait.
                let reason = "\(name): sor could not store the call: \(error.localizedDescription)"
                log("error: \(reason); it stays claimed and is tried again in \(Int(watch.engineWaitInterval)) s")
                return .engineUnavailable(reason: reason)
            }
            if case .processed = outcome {
                lock.lock()
                lastSuccess = runtime.clock.now()
                failureRounds[claim] = nil
                lock.unlock()
            }
            if case .engineUnavailable(let reason) = outcome, attempt >= watch.engineRetries || isStopping(),
                let refused = giveUpIfEngineFailsOnlyHere(claim: claim, name: name, reason: reason, original: original, uploader: uploader)
            {
                outcome = refused
            }
            if let uploader { report(outcome, of: name, to: uploader) }
            switch outcome {
            case .processed(let id):
                log("processed \(name) → call \(id)")
                names.remember(id, fileName: name, uploader: uploader, at: runtime.clock.now())
            case .duplicate(let id):
                log("duplicate \(name): already stored as call \(id); set aside in inbox/duplicates/")
            case .quarantined(let target, let reason):
                log("refused \(name): \(reason.split(separator: "\n").first ?? "") (kept in \(target))")
            case .engineUnavailable(let reason):
                if attempt < watch.engineRetries && !isStopping() {
                    attempt += 1
                    log("engine failed for \(name) (attempt \(attempt)), retrying in \(Int(delay)) s: \(reason)")
                    Thread.sleep(forTimeInterval: delay)
                    delay *= 2
                    continue
                }
                log("waiting for the engine: \(name) stays claimed and is tried again in \(Int(watch.engineWaitInterval)) s: \(reason)")
                return outcome
            }
            try? fm.removeItem(atPath: claim)
            return outcome
        }
    }

    /// Tells the upload page what became of an uploaded recording.
    private func report(_ outcome: ProcessOutcome, of name: String, to uploader: String) {
        let workspace = runtime.workspace, now = runtime.clock.now()
        switch outcome {
        case .processed(let id): UploadStatus.write(workspace, user: uploader, file: name, state: "processed", call: id, now: now)
        case .duplicate(let id): UploadStatus.write(workspace, user: uploader, file: name, state: "duplicate", call: id, now: now)
        case .quarantined(_, let reason):
            UploadStatus.write(workspace, user: uploader, file: name, state: "refused", reason: String(reason.split(separator: "\n").first ?? ""), now: now)
        case .engineUnavailable(let reason): UploadStatus.write(workspace, user: uploader, file: name, state: "waiting", reason: reason, now: now)
        }
    }

    /// No recording left: an earlier run was interrupted after handling it. Anything else still here (a sidecar)
    /// is kept in inbox/failed/ with a note rather than deleted.
    private func keepLeftovers(_ contents: [String], of claim: String) -> ProcessOutcome? {
        for leftover in contents where !leftover.hasPrefix(".") {
            let note = QuarantineNote(
                file: leftover, reason: "interrupted", time: runtime.clock.now(), facts: [("claim", (claim as NSString).lastPathComponent)],
                message: "\(leftover) was left in a claim folder by an interrupted run whose recording was already handled.",
                advice: "If it is the metadata of a stored call, apply it with a call.metadata edit document; otherwise it can be removed.")
            do {
                try note.keep(claim + "/" + leftover, in: runtime.workspace.failed)
                log("kept \(leftover), left over from an interrupted run, in inbox/failed/")
            } catch {
                log("error: \(leftover) stays in \(claim): \(error.localizedDescription)")
                return nil
            }
        }
        try? FileManager.default.removeItem(atPath: claim)
        return nil
    }

    /// Counts a waiting round for the claim; after `watch.give_up_rounds` of them, if the engine has transcribed
    /// other recordings meanwhile, refuses this one (`engine-failed`) instead of waiting for ever.
    private func giveUpIfEngineFailsOnlyHere(claim: String, name: String, reason: String, original: String?, uploader: String?) -> ProcessOutcome? {
        lock.lock()
        var record = failureRounds[claim] ?? (0, runtime.clock.now())
        record.rounds += 1
        failureRounds[claim] = record
        let engineWorks = lastSuccess.map { $0 > record.since } ?? false
        lock.unlock()
        let limit = watch.giveUpRounds
        guard limit > 0, record.rounds >= limit, engineWorks else { return nil }
        let message = """
            the speech engine failed on this recording in \(record.rounds) rounds of attempts while it transcribed other \
            recordings, so the trouble is with this one. Last error: \(reason)
            A recording longer than the engine can finish within speech.timeout (\(Int(runtime.config.speech.timeout)) s) \
            fails this way: raise the timeout, or split the recording, and drop it again.
            """
        do {
            let outcome = try pipeline.refuse(
                claim + "/" + name, code: "engine-failed", message: message, originalPath: original,
                actor: uploader.map { "user:" + $0 } ?? "watcher")
            lock.lock()
            failureRounds[claim] = nil
            lock.unlock()
            return outcome
        } catch {
            log("error: cannot set \(name) aside: \(error.localizedDescription)")
            return nil
        }
    }
}
