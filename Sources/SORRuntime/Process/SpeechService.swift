import Foundation
import SORCore
import SORSpeech

/// What the pipeline needs from speech recognition.
public protocol Transcriber: Sendable {
    func transcribe(_ request: TranscriptionRequest) throws(SpeechError) -> Transcript
    /// Makes the engine ready (the embedded one loads its model), so a first transcription is not slowed by it.
    func start() throws(SpeechError)
    func stop()
}

extension Transcriber {
    public func start() throws(SpeechError) {}
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
                computeType: embedded.computeType, beamSize: embedded.beamSize, vad: embedded.vad,
                startupTimeout: embedded.startupTimeout, runDirectory: workspace.work + "/engine",
                maxDuration: workspace.config.audio.maxDuration))
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

    public func start() throws(SpeechError) { _ = try endpoint() }

    public func stop() { supervisor?.stop() }
}
