import Foundation
import SORCore

/// The scoring in use by a long-running process, swapped when `scorecards.yaml` changes. Thread-safe.
public final class Scorer: @unchecked Sendable {
    private let lock = NSLock()
    private var service: ScoringService?
    private var problems: [Diagnostic] = []
    private var fileStamp: String?
    public let workspace: Workspace

    private let clock: WallClock

    /// Nothing is read until the scorecards are first needed: a command that scores nothing leaves
    /// `scorecards.yaml` and `data/scorecards/` alone.
    public init(workspace: Workspace, clock: WallClock = .system) {
        self.workspace = workspace
        self.clock = clock
    }

    /// The current scoring, nil when no valid scorecards exist at all.
    public var current: ScoringService? {
        loadOnce()
        lock.lock()
        defer { lock.unlock() }
        return service
    }

    /// Problems in `scorecards.yaml` (the last valid version is in use meanwhile).
    public var currentProblems: [Diagnostic] {
        loadOnce()
        lock.lock()
        defer { lock.unlock() }
        return problems
    }

    private func loadOnce() {
        lock.lock()
        let loaded = fileStamp != nil
        lock.unlock()
        if !loaded { _ = reload() }
    }

    /// Reloads when the file changed (size, mtime); returns whether the scorecards in use changed.
    public func reload() -> Bool {
        let path = workspace.resolve(workspace.config.paths.scorecards)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let stamp = "\((attributes?[.size] as? Int) ?? -1)-\(((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970) ?? 0)"
        lock.lock()
        if stamp == fileStamp {
            lock.unlock()
            return false
        }
        fileStamp = stamp
        let before = service?.scorecards.sha256
        lock.unlock()
        var loaded: LoadedScorecards?
        var problems: [Diagnostic]
        do {
            loaded = try ScorecardLoader.load(workspace: workspace)
            problems = loaded!.problems
        } catch RuntimeError.invalidScorecards(let diagnostics) {
            problems = diagnostics
        } catch {
            problems = [Diagnostic(file: path, line: 1, column: 1, message: error.localizedDescription)]
        }
        lock.lock()
        defer { lock.unlock() }
        if let loaded { service = ScoringService(scorecards: loaded, config: workspace.config.scoring, now: clock.now) }
        self.problems = problems
        return service?.scorecards.sha256 != before
    }
}
