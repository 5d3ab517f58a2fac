import Foundation
import SORCore

/// Errors of the runtime layer: configuration, store and pipeline. Messages say what, where and how to fix it.
public enum RuntimeError: Error, Equatable, LocalizedError, Sendable {
    case invalidConfig([Diagnostic])
    case cannotRead(path: String, detail: String)
    case cannotWrite(path: String, detail: String)
    case callNotFound(id: String, dataDirectory: String)
    case invalidMetadata([Diagnostic])
    case corruptResult(path: String, detail: String)
    case commandFailed(command: String, detail: String)
    case invalidScorecards([Diagnostic])

    public var errorDescription: String? {
        switch self {
        case .invalidConfig(let diagnostics), .invalidMetadata(let diagnostics):
            diagnostics.map(\.description).joined(separator: "\n")
        case .cannotRead(let path, let detail):
            "cannot read \(path): \(detail)"
        case .cannotWrite(let path, let detail):
            "cannot write \(path): \(detail). Check free disk space and permissions."
        case .callNotFound(let id, let data):
            "no call with id \(id) in \(data). `sor calls list` shows the calls there are."
        case .corruptResult(let path, let detail):
            "\(path) cannot be read (\(detail)). Restore it from a backup, or remove the call's folder and process the recording again."
        case .commandFailed(let command, let detail):
            "\(command) failed: \(detail)"
        case .invalidScorecards(let diagnostics):
            "the scorecards cannot be used and no earlier valid version is kept:\n"
                + diagnostics.map(\.description).joined(separator: "\n")
        }
    }
}
