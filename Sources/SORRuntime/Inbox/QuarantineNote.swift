import Foundation
import SORSite

/// The `NAME.error.txt` beside every input SOR refuses (a recording, a sidecar, an edit document): what it was,
/// why it was refused, when, from where, and what a person should do next. One writer, one format.
struct QuarantineNote: Sendable {
    /// The input's name as it was dropped.
    var file: String
    /// A short code: `empty`, `truncated`, `invalid-metadata`, `engine-failed`, `edit-rejected`, ….
    var reason: String
    var time: Date
    /// Further facts, in order (`original location`, `user`).
    var facts: [(String, String)] = []
    /// What failed, in words.
    var message: String
    /// What to do next.
    var advice = "The file is kept here unchanged. Once the problem is fixed, drop the corrected file into the inbox again."

    var text: String {
        var lines = ["file: \(file)", "reason: \(reason)", "time: \(Timestamp.iso(time))"]
        lines += facts.map { "\($0.0): \($0.1)" }
        return lines.joined(separator: "\n") + "\n\n\(message)\n\n\(advice)\n"
    }

    /// Every note in `folder` (`inbox/failed/`), read back for the site's page of refused inputs; unreadable notes
    /// are left out.
    static func all(in folder: String) -> [QuarantinedInput] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".error.txt") }.sorted().compactMap { read(String($0.dropLast(".error.txt".count)), in: folder) }
    }

    /// The note of the file kept in `folder` as `keptAs`, if it has a readable one.
    static func read(_ keptAs: String, in folder: String) -> QuarantinedInput? {
        guard let data = try? InboxFile.read(folder + "/" + keptAs + ".error.txt", limit: 256 << 10, followLinks: false),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        return parse(text, keptAs: keptAs)
    }

    /// A note's text back as its parts: the header lines ("key: value") up to the first blank line, then the
    /// message, then the advice (the last paragraph).
    static func parse(_ text: String, keptAs: String) -> QuarantinedInput? {
        let paragraphs = text.components(separatedBy: "\n\n")
        guard paragraphs.count >= 3 else { return nil }
        var header: [(String, String)] = []
        for line in paragraphs[0].split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            header.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        func value(_ key: String) -> String? { header.first { $0.0 == key }?.1 }
        guard let file = value("file"), let reason = value("reason") else { return nil }
        return QuarantinedInput(
            keptAs: keptAs, file: file, reason: reason, time: value("time") ?? "",
            facts: header.filter { !["file", "reason", "time"].contains($0.0) },
            message: paragraphs[1...].dropLast().joined(separator: "\n\n").trimmingCharacters(in: .whitespacesAndNewlines),
            advice: paragraphs.last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
    }

    /// Keeps `source` in `folder` under its own name (or a free variant of it) with this note beside it, and
    /// returns where it went. The note is written before the file moves, so a refused file never lacks its reason.
    /// `move: false` copies (a file given on the command line stays where it was). `beforeMove` is told where it
    /// will go (the audit records it there); if it throws, nothing moves and the note is withdrawn.
    @discardableResult
    func keep(_ source: String, in folder: String, move: Bool = true, beforeMove: (String) throws -> Void = { _ in }) throws -> String {
        let target = try FileSystem.reserve(folder + "/" + (source as NSString).lastPathComponent)
        do {
            try FileSystem.writeAtomically(Data(text.utf8), to: target + ".error.txt")
            try beforeMove(target)
        } catch {
            unlink(target + ".error.txt")
            unlink(target)
            throw error
        }
        if InboxFile.exists(source) {
            if move { try FileSystem.replace(target, with: source) } else { try FileSystem.copy(source, over: target) }
        }
        return target
    }
}
