import Foundation

/// `data/scorecards/rescored`: the SHA-256 of the scorecards every stored call was last scored with; `mixed` once
/// a call was scored with others; `unknown` (or missing) for a store that held calls before the record was kept.
/// The watcher reads it at start to decide whether the store must be rescored.
public struct ScoringRecord: Sendable {
    /// The record file.
    public let path: String

    public init(dataDirectory: String) {
        path = dataDirectory + "/scorecards/rescored"
    }

    var value: String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Why the stored calls need scoring again with the scorecards `sha256`, or nil when every one was scored with them.
    public func dueReason(sha256: String) -> String? {
        switch value {
        case sha256: nil
        case nil, "unknown": "no record of the scorecards the stored calls were scored with"
        default: "some stored calls were scored with other scorecards"
        }
    }

    /// Records that a new call was stored scored with `sha256`, so that the watcher rescores at its next start only
    /// when the store has become mixed (a call processed while `scorecards.yaml` differed from the rest).
    func noteScored(sha256: String, store: CallStore) {
        let recorded = value
        guard recorded != sha256, recorded != "mixed", recorded != "unknown" else { return }
        // Missing: the record starts with a store whose only call is this one; otherwise it is written as unknown,
        // so that the store is walked once, not after every call.
        let value = recorded != nil ? "mixed" : store.folders().count == 1 ? sha256 : "unknown"
        try? FileSystem.writeAtomically(Data((value + "\n").utf8), to: path)
    }

    /// Records that every stored call (if any) is scored with `sha256`.
    func markAllScored(sha256: String) throws {
        try FileSystem.writeAtomically(Data((sha256 + "\n").utf8), to: path)
    }
}
