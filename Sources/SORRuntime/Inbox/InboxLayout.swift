import Foundation

/// What the names in `inbox/` mean: which files are recordings, sidecars or partial downloads, which folders are
/// SOR's own, and whose upload or edit folder a file was written into (nginx names the folder after the
/// authenticated user, so the folder is who did it).
public enum InboxLayout {
    static let audioExtensions: Set<String> = ["wav", "mp3", "flac", "ogg", "oga", "opus", "aiff", "aif", "w64", "rf64", "au"]
    static let sidecarExtensions: Set<String> = ["yaml", "yml", "json"]
    static let partialSuffixes = [".part", ".tmp", "~", ".crdownload", ".partial", ".download"]
    /// Folders inside the inbox that hold SOR's own bookkeeping, not new recordings.
    static let reservedFolders: Set<String> = ["failed", "duplicates", "edits"]

    /// Audio that is not hidden and not a partial download; sidecars travel with their audio and are not candidates.
    public static func isCandidate(_ name: String) -> Bool {
        if name.hasPrefix(".") || reservedFolders.contains(name) { return false }
        if isPartial(name) { return false }
        return audioExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// A file still being written by a browser or a copy tool (`NAME.wav.part`, `NAME.wav~`, …).
    static func isPartial(_ name: String) -> Bool { partialSuffixes.contains { name.hasSuffix($0) } }

    /// A metadata file (`NAME.yaml`, `NAME.yml`, `NAME.json`) that is not hidden.
    static func isSidecar(_ name: String) -> Bool {
        !name.hasPrefix(".") && sidecarExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// The sidecar file beside an audio file, if there is one (a link or pipe of that name counts, to be refused).
    static func sidecar(for audioPath: String) -> String? {
        let base = (audioPath as NSString).deletingPathExtension
        return ["yaml", "yml", "json"].map { "\(base).\($0)" }.first(where: InboxFile.exists)
    }

    /// The user whose upload folder (`inbox/uploads/<user>/`) a file came from.
    static func uploader(of path: String, inbox: String) -> String? {
        let parts = path.dropFirst(inbox.count).split(separator: "/")
        return parts.count == 3 && parts[0] == "uploads" ? String(parts[1]) : nil
    }

    /// The user an edit document belongs to: the folder it was written into (`inbox/edits/<user>/`).
    static func editor(of path: String, inbox: String) -> String? {
        let parts = path.dropFirst(inbox.count).split(separator: "/")
        guard parts.count == 3, parts[0] == "edits", isUserName(String(parts[1])) else { return nil }
        return String(parts[1])
    }

    /// A name that can be a user's folder: letters, digits and `._@-`, not hidden, at most 64 characters.
    public static func isUserName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._@-".unicodeScalars.contains($0) }
    }

    /// The names directly inside `folder` (sorted), hidden ones included; empty when it cannot be listed.
    static func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// The inbox itself and each user's folder under `uploads/`: where recordings are dropped.
    static func dropFolders(_ inbox: String) -> [String] {
        [inbox] + names(in: inbox + "/uploads").filter { !$0.hasPrefix(".") }.map { inbox + "/uploads/" + $0 }
    }
}
