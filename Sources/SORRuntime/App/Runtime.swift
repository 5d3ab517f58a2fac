import Foundation
import SORCore

/// The composition root: every long-lived object of a `sor` process, built once from the workspace. Commands and
/// the watcher receive it; nothing else constructs a store, vault, audit log, speech service, diarizer or scorer.
///
/// Construction reads nothing. The key file is read when the store is first needed (so `sor check` and
/// `sor serve` work without one), the scorecards when something is first scored, the models when a call is first
/// diarized, and the speech engine starts with the first transcription.
public final class Runtime: @unchecked Sendable {
    // Immutable after init, except the store, which is opened once under `lock`.
    public let workspace: Workspace
    public let clock: WallClock
    public let audit: AuditLog
    public let speech: any Transcriber
    public let diarization: DiarizationService
    public let analyzer: CallAnalyzer
    public let copies: WorkingCopies
    public let scorer: Scorer
    /// Calls whose pages are out of date; the publisher rebuilds the site when asked to.
    public let siteChanges = SiteChanges()
    /// What this process's site builds know of each call, so that a rebuild reads only the calls that changed.
    public let siteIndex = SiteIndex()
    /// Analysis → talk statistics → later stages → scoring → publishing, for every kind of change.
    public let deriver: CallDeriver
    private let lock = NSLock()
    private var opened: CallStore?

    /// `speech` replaces the configured engine (benchmarks without the speech step); `stages` are the derived
    /// stages run after the talk statistics (nil: sentiment, then the LLM judge when `sentiment.judge` enables it).
    public init(workspace: Workspace, clock: WallClock = .system, speech: (any Transcriber)? = nil, stages: [any CallStage]? = nil) {
        self.workspace = workspace
        self.clock = clock
        audit = AuditLog(directory: workspace.audit, keyDirectory: (workspace.keyFile as NSString).deletingLastPathComponent, now: { clock.now() })
        self.speech = speech ?? SpeechService(workspace: workspace)
        diarization = DiarizationService(workspace: workspace)
        copies = WorkingCopies(workspace: workspace)
        analyzer = CallAnalyzer(workspace: workspace, diarization: diarization)
        scorer = Scorer(workspace: workspace, clock: clock)
        deriver = CallDeriver(talk: workspace.config.diarization.talk, stages: stages ?? Self.stages(workspace.config), siteChanges: siteChanges, site: workspace.site)
    }

    /// The derived stages the configuration asks for, in order.
    static func stages(_ config: Config) -> [any CallStage] {
        var stages: [any CallStage] = [SentimentStage()]
        if config.sentiment.judge.enabled { stages.append(JudgeStage(config: config.sentiment.judge)) }
        return stages
    }

    /// The configuration the runtime was built from.
    public var config: Config { workspace.config }

    /// The call store over the configured key file, opened on first use; fails clearly when the key file is
    /// missing or unusable.
    public var store: CallStore {
        get throws {
            lock.lock()
            defer { lock.unlock() }
            if let opened { return opened }
            let store = CallStore(dataDirectory: workspace.data, vault: Vault(keyring: try Keyring.load(path: workspace.keyFile)))
            opened = store
            return store
        }
    }

    /// The store, after checking that the key file opens it (and starting a new store's key check).
    public func checkedStore() throws -> CallStore {
        let store = try store
        try store.vault.check(dataDirectory: workspace.data)
        return store
    }

    /// Writes the site from the store.
    public func publisher() throws -> SitePublisher {
        var publisher = SitePublisher(workspace: workspace, store: try store, index: siteIndex)
        publisher.scorer = scorer
        return publisher
    }

    /// Stops what the runtime started (the embedded speech engine).
    public func shutdown() { speech.stop() }
}
