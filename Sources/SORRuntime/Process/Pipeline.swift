import Crypto
import Foundation
import SORAudio
import SORCore
import SORSpeech

/// What became of one input file.
public enum ProcessOutcome: Sendable, Equatable {
    case processed(id: String)
    case duplicate(id: String)
    /// Refused as bad input and kept in `inbox/failed/` with its reason.
    case quarantined(file: String, reason: String)
    /// Left where it was because the speech engine failed; trying again later may work.
    case engineUnavailable(reason: String)
}

/// Takes recordings from wherever they are to a stored, transcribed, analysed and scored call.
public final class Pipeline: @unchecked Sendable {
    // Everything here is immutable or thread-safe, apart from `busyIDs`, which `busy` guards.
    public let runtime: Runtime
    public let store: CallStore
    /// Call ids being processed now: two workers given the same recording under two names must not both store it.
    private let busy = NSCondition()
    private var busyIDs: Set<String> = []

    public init(runtime: Runtime) throws {
        self.runtime = runtime
        store = try runtime.store
    }

    var workspace: Workspace { runtime.workspace }

    /// Appends to the audit log. It throws when the line cannot be written, and the caller then does not do what it
    /// records: nothing happens unaudited.
    func record(_ actor: String, _ action: String, call: String? = nil, outcome: String = "ok", detail: [String: String]? = nil) throws {
        try runtime.audit.append(actor: actor, action: action, call: call, outcome: outcome, detail: detail)
    }

    /// What the pipeline is about to do, for the audit log: recorded before it is done.
    enum Step {
        case process(id: String)
        case duplicate(id: String)
        case quarantine(keptAs: String, code: String, reason: String)
    }

    /// Processes one recording. Files inside the inbox are moved (into the call or into quarantine); files elsewhere
    /// are copied and left untouched.
    /// `originalPath` names the file in messages when `path` is a watcher's claim of it.
    /// `actor` is who brought the recording, for the audit log (an uploader's name overrides it).
    public func process(
        _ path: String, languageOverride: String? = nil, uploadedBy: String? = nil, originalPath: String? = nil,
        actor: String = "watcher"
    ) throws -> ProcessOutcome {
        let actor = uploadedBy.map { "user:" + $0 } ?? actor
        let name = ((originalPath ?? path) as NSString).lastPathComponent
        // Each step is recorded just before it is done (the call becomes visible, the file is moved): a crash may
        // repeat a line, never lose one, and a log that cannot be written stops the step.
        return try intake(path, languageOverride: languageOverride, uploadedBy: uploadedBy, originalPath: originalPath) { step in
            switch step {
            case .process(let id):
                try self.record(actor, "process", call: id, detail: ["file": name])
            case .duplicate(let id):
                try self.record(actor, "duplicate", call: id, outcome: "set-aside", detail: ["file": name])
            case .quarantine(let keptAs, let code, let reason):
                try self.record(actor, "quarantine", outcome: "refused", detail: [
                    "file": name, "kept_as": (keptAs as NSString).lastPathComponent, "code": code,
                    "reason": String(reason.split(separator: "\n").first ?? ""),
                ])
            }
        }
    }

    private func intake(
        _ path: String, languageOverride: String?, uploadedBy: String?, originalPath: String?, audit: (Step) throws -> Void
    ) throws -> ProcessOutcome {
        let source = URL(fileURLWithPath: path).standardizedFileURL.path
        let shown = originalPath ?? source
        let fromInbox = FileSystem.isInside(source, workspace.inbox)
        let name = (source as NSString).lastPathComponent
        let sidecar = InboxLayout.sidecar(for: source)

        let (sha256, bytes): (String, Int64)
        do {
            // In the inbox a link is refused, not followed: it could point at any file on the server, or at a device.
            (sha256, bytes) = try Self.hash(source, followLinks: !fromInbox, limit: Int64(workspace.config.audio.maxMegabytes * 1_048_576))
        } catch let error as InboxFileError {
            return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, audit: audit, code: error.code, message: error.localizedDescription, shown: shown)
        } catch {
            return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, audit: audit, code: "unreadable", message: "\(source): \(error.localizedDescription)", shown: shown)
        }
        let id = Self.callID(sha256: sha256)
        busy.lock()
        while busyIDs.contains(id) { busy.wait() }
        busyIDs.insert(id)
        busy.unlock()
        defer {
            busy.lock()
            busyIDs.remove(id)
            busy.broadcast()
            busy.unlock()
        }
        if store.contains(id) {
            if fromInbox && store.holds(source, inCall: id) {
                // A crash came after the call was stored and before its input was removed: finish the removal.
                unlink(source)
                if let sidecar { unlink(sidecar) }
                runtime.deriver.published(id)
                return .processed(id: id)
            }
            try audit(.duplicate(id: id))
            if fromInbox { try setAside(source, sidecar: sidecar, id: id) }
            return .duplicate(id: id)
        }

        var metadata = CallMetadata()
        if let sidecar {
            let data: Data
            do {
                data = try InboxFile.read(sidecar, limit: Self.sidecarLimit, followLinks: !fromInbox)
            } catch {
                let message = "the metadata file cannot be used: \(error.localizedDescription)"
                return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, audit: audit, code: "invalid-metadata", message: message, shown: shown)
            }
            guard let text = String(data: data, encoding: .utf8) else {
                let message = "\(sidecar): the metadata file cannot be read as UTF-8 text. Save it as UTF-8 "
                    + "(Excel: \"CSV UTF-8\"; editors: encoding UTF-8) and drop both files again."
                return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, audit: audit, code: "invalid-metadata", message: message, shown: shown)
            }
            let (parsed, diagnostics) = MetadataParser.parse(text, file: sidecar)
            guard let parsed else {
                let message = "the metadata file is invalid; fix it and drop both files again:\n"
                    + diagnostics.map(\.description).joined(separator: "\n")
                return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, audit: audit, code: "invalid-metadata", message: message, shown: shown)
            }
            metadata = parsed
        }
        // A recording uploaded from the site is its uploader's to add: their role must cover its team (the roles
        // file is read for each, as `sor users` changes it while the watcher runs).
        if let uploadedBy {
            let refusal: String?
            do {
                refusal = try Access(workspace: workspace).uploadRefusal(uploadedBy, team: metadata.team)
            } catch {
                refusal = "the roles file cannot be read (\(error.localizedDescription)); an admin must fix it, then upload again"
            }
            if let refusal {
                return try quarantine(
                    source, sidecar: sidecar, fromInbox: fromInbox, audit: audit, code: "not-permitted", message: "not permitted: " + refusal,
                    shown: shown,
                    advice: "Upload it as someone whose role covers the call's team (an admin, or the team's lead or evaluator), or move the file into the inbox.")
            }
        }

        let copy: WorkingCopy
        do {
            copy = try runtime.copies.make(from: source, label: id)
        } catch let error as AudioError {
            return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, audit: audit, code: error.code, message: error.localizedDescription, shown: shown)
        }
        defer { copy.remove() }
        let audio = copy.audio
        let converted = copy.path

        let requested = languageOverride ?? metadata.language ?? workspace.config.speech.language
        let started = runtime.clock.now()
        let result: CallAnalyzer.Result
        do {
            result = try runtime.analyzer.run(
                converted: converted,
                request: TranscriptionRequest(
                    audioPath: converted, language: requested == "auto" ? nil : requested,
                    prompt: workspace.config.speech.prompt),
                speech: runtime.speech, metadata: metadata)
        } catch let error as SpeechError {
            let message = "\(source): \(error.localizedDescription)"
            if Self.blamesInput(error) {
                return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, audit: audit, code: "engine-refused", message: message, shown: shown)
            }
            return .engineUnavailable(reason: Self.relocate(message, from: source, to: shown))
        }
        let transcript = result.transcript
        if let note = result.note {
            FileHandle.standardError.write(Data("warning: \(shown): stored without speakers: \(note)\n".utf8))
        }
        let finished = runtime.clock.now()

        let ext = (name as NSString).pathExtension.lowercased()
        let record = CallRecord(
            id: id, status: "transcribed",
            source: CallSource(fileName: name, sha256: sha256, bytes: bytes, receivedAt: Timestamp.iso(started), uploadedBy: uploadedBy),
            audioFile: "audio" + (ext.isEmpty ? "" : ".\(ext)"), audio: audio, metadata: metadata,
            processing: ProcessingInfo(
                engine: transcript.engine, language: transcript.language, startedAt: Timestamp.iso(started),
                finishedAt: Timestamp.iso(finished), transcriptionSeconds: (finished.timeIntervalSince(started) * 1000).rounded() / 1000))
        let extras = sidecar.map { [($0, "source-metadata." + ($0 as NSString).pathExtension)] } ?? []
        // Scored at once; without valid scorecards the call is stored unscored and `sor rescore` catches up.
        let scoring = runtime.scorer.current
        var document = CallDocument(call: record, transcript: transcript, analysis: result.analysis)
        let derived = runtime.deriver.derive(&document, after: .words, scoring: scoring)
        try store.save(
            record: record, transcript: transcript, evaluation: derived.evaluation, analysis: document.analysis, audioFrom: source,
            extras: extras, moveInputs: fromInbox, beforeCommit: { try audit(.process(id: id)) })
        if let evaluation = derived.evaluation {
            ScoringRecord(dataDirectory: workspace.data).noteScored(sha256: evaluation.scorecardsSha256, store: store)
        }
        runtime.deriver.published(id)
        return .processed(id: id)
    }

    /// Refuses a recording for a reason found outside the pipeline (the watcher giving up on the engine for it):
    /// kept in inbox/failed/ with the reason, and audited.
    public func refuse(_ path: String, code: String, message: String, originalPath: String?, actor: String) throws -> ProcessOutcome {
        let source = URL(fileURLWithPath: path).standardizedFileURL.path
        let name = ((originalPath ?? path) as NSString).lastPathComponent
        return try quarantine(
            source, sidecar: InboxLayout.sidecar(for: source), fromInbox: FileSystem.isInside(source, workspace.inbox),
            audit: { step in
                guard case .quarantine(let keptAs, let code, _) = step else { return }
                try self.record(actor, "quarantine", outcome: "refused", detail: ["file": name, "kept_as": (keptAs as NSString).lastPathComponent, "reason": code])
            },
            code: code, message: message, shown: originalPath ?? source)
    }

    /// Names files by where they were dropped rather than by the watcher's claim folder (sidecars included).
    static func relocate(_ message: String, from source: String, to shown: String) -> String {
        guard source != shown else { return message }
        let from = (source as NSString).deletingLastPathComponent + "/"
        let to = (shown as NSString).deletingLastPathComponent + "/"
        return message.replacingOccurrences(of: from, with: to)
    }

    /// A 400/413/415/422 answer means the engine could not use this recording; anything else is the engine's trouble.
    static func blamesInput(_ error: SpeechError) -> Bool {
        if case .rejected(_, let status, _) = error { return [400, 413, 415, 422].contains(status) }
        return false
    }

    /// The call id: the first 16 hex digits of the recording's SHA-256, so the same recording is always the same call.
    public static func callID(sha256: String) -> String { String(sha256.prefix(16)) }

    /// The largest sidecar read: metadata is a few lines.
    static let sidecarLimit = 64 << 10

    static func hash(_ path: String, followLinks: Bool, limit: Int64) throws -> (String, Int64) {
        let (handle, size) = try InboxFile.open(path, followLinks: followLinks)
        guard size <= limit else { throw InboxFileError.tooLarge(path: path, size: size, limit: Int(limit)) }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            bytes += Int64(chunk.count)
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return (digest, bytes)
    }


    /// Keeps a refused file with a readable reason beside it. Nothing is deleted: files outside the inbox are copied.
    private func quarantine(
        _ source: String, sidecar: String?, fromInbox: Bool, audit: (Step) throws -> Void, code: String, message rawMessage: String,
        shown: String, advice: String? = nil
    ) throws -> ProcessOutcome {
        let message = Self.relocate(rawMessage, from: source, to: shown)
        var note = QuarantineNote(
            file: (source as NSString).lastPathComponent, reason: code, time: runtime.clock.now(),
            facts: [("original location", shown)], message: message)
        if let advice { note.advice = advice }
        let target = try note.keep(source, in: workspace.failed, move: fromInbox) { keptAs in
            try audit(.quarantine(keptAs: keptAs, code: code, reason: message))
        }
        if let sidecar {
            let sidecarTarget = try FileSystem.reserve((target as NSString).deletingPathExtension + "." + (sidecar as NSString).pathExtension)
            if fromInbox { try FileSystem.replace(sidecarTarget, with: sidecar) } else { try FileSystem.copy(sidecar, over: sidecarTarget) }
        }
        // The site's page of refused inputs lists it with the next build.
        runtime.deriver.siteChanges.mark()
        return .quarantined(file: target, reason: message)
    }

    /// A recording already stored: moved out of the inbox to `inbox/duplicates/` with a note naming the call.
    private func setAside(_ source: String, sidecar: String?, id: String) throws {
        let target = try FileSystem.reserve(workspace.duplicates + "/" + (source as NSString).lastPathComponent)
        let note = "This recording is already stored as call \(id) (same content). It was not processed again.\n"
        try FileSystem.writeAtomically(Data(note.utf8), to: target + ".duplicate.txt")
        try FileSystem.replace(target, with: source)
        if let sidecar { try FileSystem.replace(try FileSystem.reserve(target + "." + (sidecar as NSString).pathExtension), with: sidecar) }
    }
}
