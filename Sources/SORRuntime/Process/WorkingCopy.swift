import Foundation
import SORAudio
import SORCore

/// The 16 kHz WAV that transcription and diarization read, made from any recording SOR accepts (decoded,
/// validated and resampled in one streaming pass) in the work folder's `tmp/`, and removed after use.
public struct WorkingCopy: Sendable {
    /// Where the copy is.
    public let path: String
    /// What the decoder found out about the recording on the way (format, rate, channels, duration, levels).
    public let audio: AudioInfo

    /// Removes the copy (and any part written from it beside it).
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Makes working copies under the configured audio rules; the one place that converts for the engine. Each copy's
/// name carries the process id of its maker, so copies left by a killed process (plaintext audio) are found and
/// removed at the next start (`leftovers`, `sweep`) without touching those of a process still running.
public struct WorkingCopies: Sendable {
    let directory: String
    let converter: AudioConverter

    public init(workspace: Workspace) {
        directory = workspace.work + "/tmp"
        converter = AudioConverter(rules: AudioRules(workspace.config.audio))
    }

    /// Converts `source` into a new copy named after `label`. Throws what the decoder found wrong with the
    /// recording (`AudioError`, whose `code` names the reason), or a write error for the work folder.
    public func make(from source: String, label: String) throws -> WorkingCopy {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError.cannotWrite(path: directory, detail: error.localizedDescription)
        }
        let path = directory + "/\(label).pid-\(getpid()).\(UUID().uuidString.prefix(8)).16k.wav"
        do {
            return WorkingCopy(path: path, audio: try converter.convert(source, to: path))
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// Working copies (and the parts written from them) whose process is gone: plaintext left by a crash or kill -9.
    public func leftovers() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            guard let marker = name.split(separator: ".").first(where: { $0.hasPrefix("pid-") }), let pid = Int32(marker.dropFirst(4)) else {
                return true  // made by an older sor, which did not mark its copies
            }
            return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
        }.sorted().map { directory + "/" + $0 }
    }

    /// Removes the leftovers; returns how many there were.
    @discardableResult
    public func sweep() -> Int {
        let found = leftovers()
        for path in found { try? FileManager.default.removeItem(atPath: path) }
        return found.count
    }
}
