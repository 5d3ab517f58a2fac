import Foundation

/// Tells when files have stopped changing: a file is settled once its size and modification time have stayed the
/// same for a while (a browser upload or a copy over a shared folder is written piece by piece).
struct SettleTracker {
    private var seen: [String: (size: Int64, modified: Date, since: Date)] = [:]

    /// Whether some file is still being watched settle.
    var isEmpty: Bool { seen.isEmpty }

    /// Looks at `paths` at `now` and returns, in their order, those unchanged for `seconds` (which are then
    /// forgotten). Files no longer among `paths` are forgotten too; one that cannot be read is tried next time.
    mutating func settled(_ paths: [String], now: Date, after seconds: Double) -> [String] {
        let present = Set(paths)
        for path in seen.keys where !present.contains(path) { seen[path] = nil }
        var settled: [String] = []
        for path in paths {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = attributes[.size] as? Int64, let modified = attributes[.modificationDate] as? Date
            else { continue }
            if let previous = seen[path], previous.size == size, previous.modified == modified {
                if now.timeIntervalSince(previous.since) >= seconds {
                    seen[path] = nil
                    settled.append(path)
                }
            } else {
                seen[path] = (size, modified, now)
            }
        }
        return settled
    }
}
