import Crypto
import Foundation
import SORCore
import SORScoring

/// The scorecards in use: parsed from `scorecards.yaml`, or — when the file is invalid — the last valid version,
/// kept in `data/scorecards/<sha256>.yaml`. An invalid file never replaces the one in use.
public struct LoadedScorecards: Sendable {
    public var set: ScorecardSet
    public var sha256: String
    /// The git commit of the file when it is committed unchanged in a repository.
    public var commit: String?
    /// Problems in the current file when the last valid version is used instead.
    public var problems: [Diagnostic]
    public var evaluator: Evaluator
    /// Per card and criterion, a fingerprint of what its automatic answer depends on.
    public var fingerprints: [String: [String: String]]

    init(set: ScorecardSet, sha256: String, commit: String?, problems: [Diagnostic]) {
        self.set = set
        self.sha256 = sha256
        self.commit = commit
        self.problems = problems
        self.evaluator = Evaluator(scorecards: set)
        var fingerprints: [String: [String: String]] = [:]
        for card in set.cards {
            for criterion in card.sections.flatMap(\.criteria) {
                // The rules, the answer type and the matching settings; bump the version when matching changes.
                let text = "matcher-3|\(set.matchThreshold)|\(set.forbiddenThreshold)|\(set.minimumConfidence)|\(criterion.answer.rawValue)|"
                    + "\(criterion.scale)|\(String(describing: criterion.auto))|\(String(describing: criterion.applicableIf))"
                fingerprints[card.id, default: [:]][criterion.id] = SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
            }
        }
        self.fingerprints = fingerprints
    }
}

public enum ScorecardLoader {
    /// Loads the configured scorecards. Throws only when neither the file nor a kept valid version can be used.
    public static func load(workspace: Workspace) throws -> LoadedScorecards {
        let path = workspace.resolve(workspace.config.paths.scorecards)
        let kept = workspace.data + "/scorecards"
        let fm = FileManager.default
        var problems: [Diagnostic] = []
        if let data = fm.contents(atPath: path) {
            let sha = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            let (set, diagnostics) = ScorecardParser.parse(String(decoding: data, as: UTF8.self), file: path)
            if let set {
                // Keep this valid version, so a later broken edit of the file does not stop scoring.
                let copy = kept + "/\(sha).yaml"
                if !fm.fileExists(atPath: copy) { try? FileSystem.writeAtomically(data, to: copy) }
                try? FileSystem.writeAtomically(Data((sha + "\n").utf8), to: kept + "/current")
                return LoadedScorecards(set: set, sha256: sha, commit: gitCommit(of: path), problems: [])
            }
            problems = diagnostics
        } else {
            problems = [Diagnostic(file: path, line: 1, column: 1, message: "no scorecards file; restore it (git checkout \(workspace.config.paths.scorecards))")]
        }
        if let current = try? String(contentsOfFile: kept + "/current", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            let data = fm.contents(atPath: kept + "/\(current).yaml"),
            let set = ScorecardParser.parse(String(decoding: data, as: UTF8.self), file: kept + "/\(current).yaml").0
        {
            return LoadedScorecards(set: set, sha256: current, commit: nil, problems: problems)
        }
        throw RuntimeError.invalidScorecards(problems)
    }

    /// `git log` of the file, when it sits unchanged in a git work tree.
    static func gitCommit(of path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git"),
            let status = try? Command.capture("/usr/bin/git", ["-C", directory, "status", "--porcelain", "--", name]),
            status.status == 0, status.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
            let log = try? Command.capture("/usr/bin/git", ["-C", directory, "log", "-1", "--format=%H", "--", name]), log.status == 0
        else { return nil }
        let commit = log.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return commit.isEmpty ? nil : commit
    }
}
