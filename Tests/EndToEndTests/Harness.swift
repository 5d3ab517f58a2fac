import Foundation
import Testing

/// Paths of the repository, the shared test data and the built `sor` binary.
enum Paths {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let shared = URL(fileURLWithPath: repository).deletingLastPathComponent().appendingPathComponent("shared/data").path
    static let demo = repository + "/demo"

    /// The `sor` built by `swift build` (debug) next to the test bundle.
    static let sor: String = {
        for candidate in [".build/debug/sor", ".build/release/sor"] where FileManager.default.isExecutableFile(atPath: repository + "/" + candidate) {
            return repository + "/" + candidate
        }
        return repository + "/.build/debug/sor"
    }()
}

/// The result of running a command.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion, capturing its output.
@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    // stderr goes to a file so that a chatty process never blocks on a full pipe while stdout is read.
    let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("sor-stderr-\(UUID().uuidString)").path
    FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    // Every descriptor this side opens is closed here: Foundation's Process keeps the handles it was given for as
    // long as it lives, and a Process whose child was reaped by `waitForExit` is never released by Foundation's
    // monitor, so a suite of thousands of runs ended holding over 1,200 pipes and deleted stderr files.
    let out = Pipe()
    let err = FileHandle(forWritingAtPath: errPath)
    process.standardOutput = out
    process.standardError = err
    do {
        try process.run()
    } catch {
        try? out.fileHandleForReading.close()
        try? out.fileHandleForWriting.close()
        try? err?.close()
        throw error
    }
    // The child holds its own copies now; with the write end closed here, reading ends when the child exits.
    try? out.fileHandleForWriting.close()
    try? err?.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    try? out.fileHandleForReading.close()
    let status = waitForExit(process)
    let errData = FileManager.default.contents(atPath: errPath) ?? Data()
    return Run(status: status, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// A throw-away SOR installation: its own sor.yaml, inbox, data and site, sharing the repository's templates and engine.
struct Workspace {
    let root: String

    /// `diarization` holds extra keys of the `diarization:` section, indented by two spaces.
    init(speech: String? = nil, extra: String = "", diarization: String = "") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sor-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/inbox", withIntermediateDirectories: true)
        let repo = Paths.repository
        let speechSection = speech ?? """
            speech:
              engine: embedded
              embedded:
                python: \(repo)/.venv/bin/python
                script: \(repo)/engine/sor_engine.py
                model_dir: \(repo)/models/whisper-base
            """
        let config = """
            version: 1
            paths:
              templates: \(repo)/templates
              scorecards: \(repo)/scorecards.yaml
            \(speechSection)
            diarization:
              models_dir: \(repo)/models/diarization
            \(diarization)
            \(extra)
            """
        try config.write(toFile: root + "/sor.yaml", atomically: true, encoding: .utf8)
        let key = try run(Paths.sor, ["key", "init"], in: root)
        #expect(key.status == 0, "sor key init: \(key.stderr)")
    }

    /// Every file under `data/`, relative to the workspace.
    func dataFiles() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root + "/data")
        var files: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/data/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append("data/" + relative)
            }
        }
        return files.sorted()
    }

    /// Runs `sor` in this workspace.
    @discardableResult
    func sor(_ arguments: String...) throws -> Run { try sor(arguments) }

    @discardableResult
    func sor(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        try run(Paths.sor, arguments, in: root, environment: environment)
    }

    /// `sor show ID --json`, decoded.
    func show(_ id: String) throws -> [String: Any] {
        let result = try sor("show", id, "--json")
        #expect(result.status == 0, "sor show \(id): \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

extension Dictionary where Key == String, Value == Any {
    subscript(path path: String) -> Any? {
        var current: Any? = self
        for key in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(key)]
        }
        return current
    }
}

/// Waits for a child to exit and returns its exit status (128 + signal when killed). Foundation's
/// `waitUntilExit()` was seen to hang here after the child had exited, so the kernel is asked directly.
@discardableResult
func waitForExit(_ process: Process, timeout: Double = 900) -> Int32 {
    let pid = process.processIdentifier
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while Date() < deadline {
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F) }
        if result == -1 {
            // Foundation's monitor reaped it first: its own record of the status is then complete.
            while process.isRunning && Date() < deadline { usleep(20_000) }
            return process.terminationStatus
        }
        usleep(20_000)
    }
    return -1
}

/// SIGTERM (or `signal`) and wait; SIGKILL after 20 s so a stuck child cannot hang the suite.
@discardableResult
func stop(_ process: Process, signal: Int32 = SIGTERM) -> Int32 {
    kill(process.processIdentifier, signal)
    let status = waitForExit(process, timeout: 20)
    if status != -1 { return status }
    kill(process.processIdentifier, SIGKILL)
    return waitForExit(process, timeout: 20)
}

/// Starts `sor watch` in a workspace, appending its output to `log`; `environment` adds to this process's.
func startWatcher(_ workspace: Workspace, log: String, environment: [String: String] = [:]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Paths.sor)
    process.arguments = ["watch"]
    process.currentDirectoryURL = URL(fileURLWithPath: workspace.root)
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
    let handle = FileHandle(forWritingAtPath: log)!
    defer { try? handle.close() }
    handle.seekToEndOfFile()
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    return process
}

/// Files under `data/` that look like plaintext: audio headers (RIFF, ID3, MPEG frames, FLAC, Ogg) or JSON/YAML
/// results. Every call file must be sealed; the audit log (data/audit/) is plain JSON lines by design and is
/// checked separately for transcript text.
func plaintextFiles(in workspace: Workspace, words: [String] = []) throws -> [String] {
    var found: [String] = []
    for relative in workspace.dataFiles() where !relative.hasSuffix("/.lock") {
        let data = FileManager.default.contents(atPath: workspace.root + "/" + relative) ?? Data()
        let head = [UInt8](data.prefix(4))
        let audio = head.starts(with: Array("RIFF".utf8)) || head.starts(with: Array("ID3".utf8)) || head.starts(with: Array("fLaC".utf8))
            || head.starts(with: Array("OggS".utf8)) || (head.count >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
        let text = String(decoding: data, as: UTF8.self)
        let isAudit = relative.hasPrefix("data/audit/")
        let results = !isAudit && (text.contains("\"segments\"") || text.contains("sha256:") || text.contains("schema_version"))
        let spoken = words.first { text.localizedCaseInsensitiveContains($0) }
        if audio || results || spoken != nil {
            found.append(relative + (spoken.map { " (contains \"\($0)\")" } ?? ""))
        }
    }
    return found
}

extension Workspace {
    /// A workspace whose watcher scans every second and takes a file once it has been still for half a second.
    static func watched() throws -> Workspace {
        try Workspace(extra: "watch:\n  rescan_interval: 1\n  settle_seconds: 0.5\n")
    }

    /// The id of the first call stored, waiting up to two minutes for the watcher (whose log is `log`).
    func firstCall(log: String) throws -> String {
        var id: String?
        for _ in 0..<240 where id == nil {
            Thread.sleep(forTimeInterval: 0.5)
            id = try sor("calls", "list").stdout.split(separator: " ").first.map(String.init)
        }
        return try #require(id, "processed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }
}

/// Descriptors a process holds open, with what each refers to (`/proc/PID/fd`): "self" for this process.
func openDescriptors(_ pid: String = "self") -> [String] {
    let folder = "/proc/\(pid)/fd"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.map { (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0)) ?? $0 }.sorted()
}

/// Resident memory of a process in KiB (`VmRSS` in `/proc/PID/status`), 0 when it is gone.
func residentKiB(_ pid: Int32) -> Int {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

/// The demo calls (stereo, mono and 8 kHz mono), processed once per test run by `sor process` with diarization and
/// roles decided from the words alone (no channel map), and shared by the tests that read them: transcribing the
/// twelve recordings takes minutes, and each test asks something different of the same results.
struct ProcessedDemoCalls: Sendable {
    static let names = ["sales-pass", "service-fail", "retention-pass", "collections-critical"]
    static let variants = ["stereo", "mono", "mono-8k"]
    /// Made on first use; the workspace is removed when the test process exits.
    static let shared = Result { try ProcessedDemoCalls() }

    let workspace: Workspace
    /// Call id by "variant/name".
    let ids: [String: String]

    private init() throws {
        workspace = try Workspace(diarization: "  channel_map: []\n  company_names: [\"Telkom Plus\"]")
        Self.root = workspace.root
        atexit { if let root = ProcessedDemoCalls.root { try? FileManager.default.removeItem(atPath: root) } }
        var files: [String] = []
        var keys: [String] = []
        for variant in Self.variants {
            for name in Self.names {
                files.append("\(Paths.demo)/\(variant)/\(name).wav")
                keys.append("\(variant)/\(name)")
            }
        }
        let result = try workspace.sor(["process"] + files)
        let ids = result.stdout.split(separator: "\n").map(String.init)
        guard result.status == 0, ids.count == files.count else {
            throw Failure(message: "sor process of the demo calls exited \(result.status) with \(ids.count) of \(files.count) calls: \(result.stderr)")
        }
        self.ids = Dictionary(uniqueKeysWithValues: zip(keys, ids))
    }

    nonisolated(unsafe) private static var root: String?

    struct Failure: Error, CustomStringConvertible { var message: String; var description: String { message } }
}

/// Starts the OpenAI-compatible engine stand-in (`scripts/bench-engine-stub.py`) on a random loopback port; returns
/// it and the port. With `failAboveBytes` it answers 500 for larger uploads.
func startEngineStub(failAboveBytes: Int = 0) throws -> (process: Process, port: Int) {
    // A port the kernel just gave out can be taken again before the stub binds it: start it, wait until it
    // listens, and take another port if it exited.
    for _ in 0..<5 {
        let port = loopbackFreePort()
        let stub = Process()
        stub.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        stub.arguments = [Paths.repository + "/scripts/bench-engine-stub.py", "--port", String(port)]
            + (failAboveBytes > 0 ? ["--fail-above-bytes", String(failAboveBytes)] : [])
        try stub.run()
        var listening = false
        for _ in 0..<200 {
            if !stub.isRunning { break }
            if loopbackAccepts(port) {
                listening = true
                break
            }
            Thread.sleep(forTimeInterval: 0.025)
        }
        if listening { return (stub, port) }
        if stub.isRunning { stub.terminate() }
    }
    throw ProcessedDemoCalls.Failure(message: "the engine stub (scripts/bench-engine-stub.py) did not start on a free loopback port")
}

/// A loopback TCP port nothing listens on now (the kernel's choice for port 0).
func loopbackFreePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts connections on the loopback port.
func loopbackAccepts(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
