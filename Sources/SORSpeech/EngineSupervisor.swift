import Foundation

/// How to start the embedded engine (`engine/sor_engine.py` in the project's virtual environment).
public struct EmbeddedEngineLaunch: Sendable, Equatable {
    public var python: String
    public var script: String
    public var modelDir: String
    public var threads: Int
    public var computeType: String
    public var beamSize: Int
    /// Whether the engine filters silence out (Silero VAD) before decoding.
    public var vad: Bool
    public var startupTimeout: Double
    /// Folder for the port file and the engine's log; uploads are spooled in its `tmp/`, not in the system's.
    public var runDirectory: String
    /// The longest recording the engine accepts, in seconds (0: no limit).
    public var maxDuration: Double

    public init(
        python: String, script: String, modelDir: String, threads: Int, computeType: String, beamSize: Int,
        vad: Bool = false, startupTimeout: Double, runDirectory: String, maxDuration: Double = 0
    ) {
        self.vad = vad
        self.maxDuration = maxDuration
        self.python = python
        self.script = script
        self.modelDir = modelDir
        self.threads = threads
        self.computeType = computeType
        self.beamSize = beamSize
        self.startupTimeout = startupTimeout
        self.runDirectory = runDirectory
    }
}

/// Starts the embedded engine on a free loopback port, waits until it is healthy, restarts it if it dies, stops it.
public final class EngineSupervisor: @unchecked Sendable {
    // Mutable state is guarded by `lock`; the supervisor is shared by the pipeline's workers.
    private let lock = NSLock()
    private let launch: EmbeddedEngineLaunch
    private var process: Process?
    private var port: Int?

    public init(launch: EmbeddedEngineLaunch) {
        self.launch = launch
    }

    deinit { stop() }

    /// The engine's base URL, starting (or restarting) it when it is not running.
    public func ensureRunning() throws(SpeechError) -> String {
        lock.lock()
        defer { lock.unlock() }
        if let process, ChildProcess.isAlive(process.processIdentifier), let port { return Self.baseURL(port) }
        stopLocked()
        return try start()
    }

    /// Restarts the engine if the one at `failedURL` is still current and no longer answers its health check;
    /// returns the base URL to use. A worker whose colleague already restarted it just gets the new URL.
    public func restartIfUnhealthy(failedURL: String) throws(SpeechError) -> String {
        lock.lock()
        defer { lock.unlock() }
        if let port, Self.baseURL(port) != failedURL, let process, ChildProcess.isAlive(process.processIdentifier) {
            return Self.baseURL(port)
        }
        if let port, TranscriptionClient(endpoint: SpeechEndpoint(baseURL: Self.baseURL(port), model: "", timeout: 5)).isHealthy() {
            return Self.baseURL(port)
        }
        stopLocked()
        return try start()
    }

    /// Stops the engine with SIGTERM, then SIGKILL if it lingers.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopLocked()
    }

    private func stopLocked() {
        guard let process else { return }
        ChildProcess.stop(process.processIdentifier)
        self.process = nil
        self.port = nil
    }

    private static func baseURL(_ port: Int) -> String { "http://127.0.0.1:\(port)/v1" }

    private func start() throws(SpeechError) -> String {
        let fm = FileManager.default
        for (what, path) in [("Python", launch.python), ("engine script", launch.script)] where !fm.fileExists(atPath: path) {
            throw .engineFailedToStart(detail: "\(what) not found at \(path)")
        }
        guard fm.fileExists(atPath: launch.modelDir + "/model.bin") else {
            throw .engineFailedToStart(detail: "no Whisper model in \(launch.modelDir) (model.bin missing)")
        }
        try? fm.createDirectory(atPath: launch.runDirectory, withIntermediateDirectories: true)
        // A port file of our own: an engine of an earlier, killed sor may still be starting and write its port late.
        let portFile = launch.runDirectory + "/engine-\(getpid())-\(UUID().uuidString.prefix(8)).port"
        let logFile = launch.runDirectory + "/engine.log"
        if !fm.fileExists(atPath: logFile) { _ = fm.createFile(atPath: logFile, contents: nil) }
        let log = FileHandle(forWritingAtPath: logFile)
        log?.seekToEndOfFile()
        // The child gets its own copy of the log's descriptor; ours is closed once it runs. Foundation's Process keeps
        // the handles it was given for as long as it lives, so every restart of the engine leaked one before.
        defer { try? log?.close() }
        defer { try? fm.removeItem(atPath: portFile) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: launch.python)
        var arguments = [
            launch.script, "--model", launch.modelDir, "--host", "127.0.0.1", "--port", "0", "--port-file", portFile,
            "--compute-type", launch.computeType, "--beam-size", String(launch.beamSize),
            // The engine exits by itself if sor dies without stopping it.
            "--parent-pid", String(getpid()),
            "--tmp-dir", launch.runDirectory + "/tmp", "--max-duration", String(launch.maxDuration),
        ]
        if launch.threads > 0 { arguments += ["--threads", String(launch.threads)] }
        if launch.vad { arguments.append("--vad") }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        // Offline by design: the engine must never reach a model hub.
        environment["HF_HUB_OFFLINE"] = "1"
        environment["TRANSFORMERS_OFFLINE"] = "1"
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw .engineFailedToStart(detail: "cannot run \(launch.python): \(error.localizedDescription)")
        }
        let deadline = Date().addingTimeInterval(launch.startupTimeout)
        while Date() < deadline {
            if !ChildProcess.isAlive(process.processIdentifier) {
                throw .engineFailedToStart(detail: "it exited; see \(logFile):\n" + Self.tail(logFile))
            }
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                let client = TranscriptionClient(endpoint: SpeechEndpoint(baseURL: Self.baseURL(port), model: "", timeout: 5))
                if client.isHealthy() {
                    self.process = process
                    self.port = port
                    return Self.baseURL(port)
                }
            }
            usleep(100_000)
        }
        ChildProcess.stop(process.processIdentifier)
        throw .engineFailedToStart(detail: "no healthy answer within \(Int(launch.startupTimeout)) s; see \(logFile)")
    }

    private static func tail(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }
}
