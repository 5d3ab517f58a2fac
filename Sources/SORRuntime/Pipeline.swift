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

/// Takes recordings from wherever they are to a stored, transcribed call.
public final class Pipeline: @unchecked Sendable {
    // The supervisor is thread-safe; everything else here is immutable.
    public let workspace: Workspace
    public let store: CallStore
    public let audit: AuditLog
    /// The scorecards in use; swapped by the watcher when the file changes.
    public let scorer: Scorer
    private let speech: any Transcriber
    private let analyzer: CallAnalyzer
    private let now: @Sendable () -> Date
    /// Call ids being processed now: two workers given the same recording under two names must not both store it.
    private let busy = NSCondition()
    private var busyIDs: Set<String> = []

    public init(
        workspace: Workspace, store: CallStore, speech: any Transcriber, scorer: Scorer? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.workspace = workspace
        self.store = store
        self.scorer = scorer ?? Scorer(workspace: workspace)
        self.audit = AuditLog(directory: workspace.audit, now: now)
        self.speech = speech
        analyzer = CallAnalyzer(workspace: workspace)
        self.now = now
    }

    /// Appends to the audit log; a failure to do so is reported on stderr and does not undo the work.
    func record(_ actor: String, _ action: String, call: String? = nil, outcome: String = "ok", detail: [String: String]? = nil) {
        do {
            try audit.append(actor: actor, action: action, call: call, outcome: outcome, detail: detail)
        } catch {
            FileHandle.standardError.write(Data("error: audit log: \(error.localizedDescription)\n".utf8))
        }
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
        let outcome = try processUnaudited(
            path, languageOverride: languageOverride, uploadedBy: uploadedBy, originalPath: originalPath
        ) { id in
            // Recorded just before the call becomes visible: a crash may repeat this line, never lose it.
            self.record(actor, "process", call: id, detail: ["file": name])
        }
        switch outcome {
        case .processed:
            break
        case .duplicate(let id):
            record(actor, "duplicate", call: id, outcome: "set-aside", detail: ["file": name])
        case .quarantined(let file, let reason):
            record(actor, "quarantine", outcome: "refused", detail: [
                "file": name, "kept_as": (file as NSString).lastPathComponent,
                "reason": String(reason.split(separator: "\n").first ?? ""),
            ])
        case .engineUnavailable:
            break
        }
        return outcome
    }

    private func processUnaudited(
        _ path: String, languageOverride: String?, uploadedBy: String?, originalPath: String?,
        beforeCommit: (String) -> Void
    ) throws -> ProcessOutcome {
        let source = URL(fileURLWithPath: path).standardizedFileURL.path
        let shown = originalPath ?? source
        let fromInbox = FileSystem.isInside(source, workspace.inbox)
        let name = (source as NSString).lastPathComponent
        let sidecar = MetadataParser.sidecar(for: source)

        let (sha256, bytes): (String, Int64)
        do {
            (sha256, bytes) = try Self.hash(source)
        } catch {
            return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, code: "unreadable", message: "\(source): \(error.localizedDescription)", shown: shown)
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
                return .processed(id: id)
            }
            if fromInbox { try setAside(source, sidecar: sidecar, id: id) }
            return .duplicate(id: id)
        }

        var metadata = CallMetadata()
        if let sidecar {
            guard let text = try? String(contentsOfFile: sidecar, encoding: .utf8) else {
                let message = "\(sidecar): the metadata file cannot be read as UTF-8 text. Save it as UTF-8 "
                    + "(Excel: \"CSV UTF-8\"; editors: encoding UTF-8) and drop both files again."
                return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, code: "invalid-metadata", message: message, shown: shown)
            }
            let (parsed, diagnostics) = MetadataParser.parse(text, file: sidecar)
            guard let parsed else {
                let message = "the metadata file is invalid; fix it and drop both files again:\n"
                    + diagnostics.map(\.description).joined(separator: "\n")
                return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, code: "invalid-metadata", message: message, shown: shown)
            }
            metadata = parsed
        }

        try FileManager.default.createDirectory(atPath: workspace.work + "/tmp", withIntermediateDirectories: true)
        let converted = workspace.work + "/tmp/\(id).\(UUID().uuidString.prefix(8)).16k.wav"
        defer { try? FileManager.default.removeItem(atPath: converted) }
        let audio: AudioInfo
        do {
            audio = try AudioConverter(rules: AudioRules(workspace.config.audio)).convert(source, to: converted)
        } catch {
            return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, code: error.code, message: error.localizedDescription, shown: shown)
        }

        let requested = languageOverride ?? metadata.language ?? workspace.config.speech.language
        let started = now()
        let result: CallAnalyzer.Result
        do {
            result = try analyzer.run(
                converted: converted,
                request: TranscriptionRequest(
                    audioPath: converted, language: requested == "auto" ? nil : requested,
                    prompt: workspace.config.speech.prompt),
                speech: speech, metadata: metadata)
        } catch let error as SpeechError {
            let message = "\(source): \(error.localizedDescription)"
            if Self.blamesInput(error) {
                return try quarantine(source, sidecar: sidecar, fromInbox: fromInbox, code: "engine-refused", message: message, shown: shown)
            }
            return .engineUnavailable(reason: Self.relocate(message, from: source, to: shown))
        }
        let transcript = result.transcript
        if let note = result.note {
            FileHandle.standardError.write(Data("warning: \(shown): stored without speakers: \(note)\n".utf8))
        }
        let finished = now()

        let ext = (name as NSString).pathExtension.lowercased()
        let record = CallRecord(
            id: id, status: "transcribed",
            source: CallSource(fileName: name, sha256: sha256, bytes: bytes, receivedAt: Self.iso(started), uploadedBy: uploadedBy),
            audioFile: "audio" + (ext.isEmpty ? "" : ".\(ext)"), audio: audio, metadata: metadata,
            processing: ProcessingInfo(
                engine: transcript.engine, language: transcript.language, startedAt: Self.iso(started),
                finishedAt: Self.iso(finished), transcriptionSeconds: (finished.timeIntervalSince(started) * 1000).rounded() / 1000))
        let extras = sidecar.map { [($0, "source-metadata." + ($0 as NSString).pathExtension)] } ?? []
        // Scored at once; without valid scorecards the call is stored unscored and `sor rescore` catches up.
        let evaluation = scorer.current?.evaluate(
            CallDocument(call: record, transcript: transcript, analysis: result.analysis), previous: nil)
        try store.save(
            record: record, transcript: transcript, evaluation: evaluation, analysis: result.analysis, audioFrom: source, extras: extras, moveInputs: fromInbox,
            beforeCommit: { beforeCommit(id) })
        if let evaluation { Rescore.noteScored(workspace: workspace, store: store, sha256: evaluation.scorecardsSha256) }
        return .processed(id: id)
    }

    /// Refuses a recording for a reason found outside the pipeline (the watcher giving up on the engine for it):
    /// kept in inbox/failed/ with the reason, and audited.
    public func refuse(_ path: String, code: String, message: String, originalPath: String?, actor: String) throws -> ProcessOutcome {
        let source = URL(fileURLWithPath: path).standardizedFileURL.path
        let outcome = try quarantine(
            source, sidecar: MetadataParser.sidecar(for: source), fromInbox: FileSystem.isInside(source, workspace.inbox),
            code: code, message: message, shown: originalPath ?? source)
        if case .quarantined(let file, _) = outcome {
            record(actor, "quarantine", outcome: "refused", detail: [
                "file": ((originalPath ?? path) as NSString).lastPathComponent, "kept_as": (file as NSString).lastPathComponent, "reason": code,
            ])
        }
        return outcome
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

    static func hash(_ path: String) throws -> (String, Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RuntimeError.cannotRead(path: path, detail: "no such file or permission denied")
        }
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

    /// A time as ISO 8601 in UTC, as every result file writes it (`2026-11-24T10:15:00Z`).
    public static func iso(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// Keeps a refused file with a readable reason beside it. Nothing is deleted: files outside the inbox are copied.
    private func quarantine(
        _ source: String, sidecar: String?, fromInbox: Bool, code: String, message rawMessage: String, shown: String
    ) throws -> ProcessOutcome {
        let message = Self.relocate(rawMessage, from: source, to: shown)
        let fm = FileManager.default
        try fm.createDirectory(atPath: workspace.failed, withIntermediateDirectories: true)
        let target = try FileSystem.reserve(workspace.failed + "/" + (source as NSString).lastPathComponent)
        let report = """
            file: \((source as NSString).lastPathComponent)
            reason: \(code)
            time: \(Self.iso(now()))
            original location: \(shown)

            \(message)

            The file is kept here unchanged. Once the problem is fixed, drop the corrected file into the inbox again.

            """
        // The reason is written before the file moves, so a crash never leaves a refused file without its reason.
        try FileSystem.writeAtomically(Data(report.utf8), to: target + ".error.txt")
        if fm.fileExists(atPath: source) {
            if fromInbox { try FileSystem.replace(target, with: source) } else { try FileSystem.copy(source, over: target) }
        }
        if let sidecar {
            let sidecarTarget = try FileSystem.reserve((target as NSString).deletingPathExtension + "." + (sidecar as NSString).pathExtension)
            if fromInbox { try FileSystem.replace(sidecarTarget, with: sidecar) } else { try FileSystem.copy(sidecar, over: sidecarTarget) }
        }
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

/// What the pipeline needs from speech recognition.
public protocol Transcriber: Sendable {
    func transcribe(_ request: TranscriptionRequest) throws(SpeechError) -> Transcript
    func stop()
}

/// Transcription as the pipeline sees it: the embedded engine (started on demand) or a remote endpoint.
public final class SpeechService: Transcriber, @unchecked Sendable {
    private let config: Config.Speech
    private let supervisor: EngineSupervisor?
    private let environment: [String: String]

    public init(workspace: Workspace, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = workspace.config.speech
        self.environment = environment
        if config.engine == .embedded {
            let embedded = config.embedded
            supervisor = EngineSupervisor(launch: EmbeddedEngineLaunch(
                python: workspace.resolve(embedded.python), script: workspace.resolve(embedded.script),
                modelDir: workspace.resolve(embedded.modelDir), threads: embedded.threads,
                computeType: embedded.computeType, beamSize: embedded.beamSize,
                startupTimeout: embedded.startupTimeout, runDirectory: workspace.work + "/engine"))
        } else {
            supervisor = nil
        }
    }

    /// The endpoint to use now, starting the embedded engine if needed.
    public func endpoint() throws(SpeechError) -> SpeechEndpoint {
        if let supervisor {
            return SpeechEndpoint(baseURL: try supervisor.ensureRunning(), model: config.model, timeout: config.timeout)
        }
        let key = environment[config.apiKeyEnv]
        return SpeechEndpoint(baseURL: config.url, model: config.model, apiKey: key, timeout: config.timeout)
    }

    public func transcribe(_ request: TranscriptionRequest) throws(SpeechError) -> Transcript {
        var transcript: Transcript
        let current = try endpoint()
        do {
            transcript = try TranscriptionClient(endpoint: current).transcribe(request)
        } catch {
            // The embedded engine is ours to mend: if it stopped answering, restart it and try once more.
            guard let supervisor, case .unreachable = error else { throw error }
            let url = try supervisor.restartIfUnhealthy(failedURL: current.baseURL)
            transcript = try TranscriptionClient(endpoint: SpeechEndpoint(baseURL: url, model: config.model, timeout: config.timeout))
                .transcribe(request)
        }
        if config.engine == .embedded {
            // The embedded engine's port changes with every start; name the engine and its model instead.
            let model = (config.embedded.modelDir as NSString).lastPathComponent
            transcript.engine = EngineInfo(endpoint: "embedded", model: "faster-whisper \(model) \(config.embedded.computeType)")
        }
        return transcript
    }

    public func stop() { supervisor?.stop() }
}
