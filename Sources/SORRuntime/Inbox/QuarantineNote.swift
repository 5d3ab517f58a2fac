import Foundation

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
