import Foundation

/// What went wrong talking to a speech engine. `isRetryable` separates engine trouble from bad input.
public enum SpeechError: Error, Equatable, LocalizedError, Sendable {
    case unreachable(url: String, detail: String)
    case timedOut(url: String, seconds: Double)
    case rejected(url: String, status: Int, message: String)
    case serverError(url: String, status: Int, message: String)
    case invalidResponse(url: String, detail: String)
    case engineFailedToStart(detail: String)
    case missingAPIKey(variable: String)

    /// True when trying again later may succeed (engine down, overloaded, slow); false when the request itself is bad.
    public var isRetryable: Bool {
        switch self {
        case .unreachable, .timedOut, .serverError, .engineFailedToStart: true
        case .rejected(_, let status, _): status == 408 || status == 429
        case .invalidResponse, .missingAPIKey: false
        }
    }

    public var errorDescription: String? {
        switch self {
        case .unreachable(let url, let detail):
            "speech engine at \(url) is unreachable (\(detail)). Check speech.url in sor.yaml, or that the engine runs."
        case .timedOut(let url, let seconds):
            "speech engine at \(url) did not answer within \(Int(seconds)) s (speech.timeout in sor.yaml)."
        case .rejected(let url, let status, let message):
            "speech engine at \(url) refused the request (HTTP \(status)): \(message)"
        case .serverError(let url, let status, let message):
            "speech engine at \(url) failed (HTTP \(status)): \(message). It will be retried."
        case .invalidResponse(let url, let detail):
            "speech engine at \(url) sent an answer sor cannot read: \(detail). Is it an OpenAI-compatible endpoint?"
        case .engineFailedToStart(let detail):
            "the embedded speech engine did not start: \(detail). Run `make setup` to install it."
        case .missingAPIKey(let variable):
            "the speech API key is not set: export \(variable)=… (speech.api_key_env in sor.yaml)."
        }
    }
}
