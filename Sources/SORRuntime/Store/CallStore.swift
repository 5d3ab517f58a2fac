import Foundation
import SORCore

/// The calls on disk: `data/calls/YYYY/MM/DD/<call-id>/`, every file sealed by the vault (`call.yaml.sealed`,
/// `transcript.json.sealed`, `analysis.json.sealed`, `evaluation.json.sealed`, `audio.<ext>.sealed`,
/// `history/*.sealed`). Nothing in a call folder is plaintext.
public struct CallStore: Sendable {
    public let dataDirectory: String
    public let vault: Vault

    public init(dataDirectory: String, vault: Vault) {
        self.dataDirectory = dataDirectory
        self.vault = vault
    }

    var callsDirectory: String { dataDirectory + "/calls" }

    /// The folder a call is stored in.
    public func folder(for record: CallRecord) -> String {
        let parts = record.day.split(separator: "-")
        let day = parts.count == 3 ? parts.joined(separator: "/") : "undated"
        return "\(callsDirectory)/\(day)/\(record.id)"
    }

    /// Every call folder, keyed by call id.
    public func folders() -> [String: String] {
        let fm = FileManager.default
        var result: [String: String] = [:]
        guard let enumerator = fm.enumerator(atPath: callsDirectory) else { return [:] }
        while let relative = enumerator.nextObject() as? String {
            let components = relative.split(separator: "/")
            // YYYY/MM/DD/<id> or undated/<id>
            let depth = components.first == "undated" ? 2 : 4
            if components.count == depth {
                enumerator.skipDescendants()
                let name = String(components.last!)
                if !name.hasPrefix(".") { result[name] = callsDirectory + "/" + relative }
            }
        }
        return result
    }

    /// The folder of the call whose id is `id` or starts with it (a unique prefix is enough).
    public func find(_ id: String) throws -> String {
        let all = folders()
        if let exact = all[id] { return exact }
        let matches = all.filter { $0.key.hasPrefix(id) }
        guard matches.count == 1, !id.isEmpty else { throw RuntimeError.callNotFound(id: id, dataDirectory: dataDirectory) }
        return matches.first!.value
    }

    public func contains(_ id: String) -> Bool { folders()[id] != nil }

    // MARK: Reading

    /// The plaintext of the call file `name` (e.g. `transcript.json`), or nil when the call has none.
    public func read(_ name: String, in folder: String) throws -> Data? {
        let path = folder + "/" + name + Vault.suffix
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try vault.read(path)
    }

    public func load(_ id: String) throws -> CallDocument {
        try load(folder: find(id))
    }

    /// The call's transcript alone.
    public func transcript(in folder: String) throws -> Transcript? {
        guard let data = try read("transcript.json", in: folder) else { return nil }
        do {
            return try FileFormats.jsonDecoder().decode(Transcript.self, from: data)
        } catch {
            throw RuntimeError.corruptResult(path: folder + "/transcript.json" + Vault.suffix, detail: "\(error)")
        }
    }

    /// The call's analysis (speakers, utterances, roles, talk statistics), nil when it has none yet.
    public func analysis(in folder: String) throws -> Analysis? {
        guard let data = try read("analysis.json", in: folder) else { return nil }
        do {
            return try FileFormats.jsonDecoder().decode(Analysis.self, from: data)
        } catch {
            throw RuntimeError.corruptResult(path: folder + "/analysis.json" + Vault.suffix, detail: "\(error)")
        }
    }

    /// The call's analysis without its utterances and diarizer segments (most of the file: every word with its
    /// times): speakers, roles, talk statistics and sentiment, what lists and reports of many calls need.
    public func analysisSummary(in folder: String) throws -> Analysis? {
        struct Head: Decodable {
            var method: Analysis.Method
            var speakers: [Speaker]
            var roles: RoleDecision
            var stats: TalkStats
            var sentiment: CallSentiment?
        }
        guard let data = try read("analysis.json", in: folder) else { return nil }
        do {
            let head = try FileFormats.jsonDecoder().decode(Head.self, from: data)
            var analysis = Analysis(method: head.method, speakers: head.speakers, segments: [], utterances: [], roles: head.roles, stats: head.stats)
            analysis.sentiment = head.sentiment
            return analysis
        } catch {
            throw RuntimeError.corruptResult(path: folder + "/analysis.json" + Vault.suffix, detail: "\(error)")
        }
    }

    /// The call's scores without the automatic answers' notes and evidence (quotes with times, most of the file):
    /// every card's totals and each criterion's final answer, what lists and reports of many calls need.
    public func evaluationSummary(in folder: String) throws -> Evaluation? {
        struct Criterion: Decodable {
            var id, name, answerType: String
            var scale: Int?
            var naAllowed, critical: Bool
            var points: Double
            var manual: ManualAnswer?
            var final: Answer?
            var earned: Double?
        }
        struct Section: Decodable {
            var id, name: String
            var weight: Double
            var percent: Double?
            var criteria: [Criterion]
        }
        struct Card: Decodable {
            var card, name: String
            var passThreshold, total: Double
            var passed: Bool
            var criticalFailures, unanswered: [String]
            var sections: [Section]
            var evaluator, comment: String?
        }
        struct Head: Decodable {
            var scorecardsSha256: String
            var scorecardsCommit: String?
            var scoredAt: String
            var cards: [Card]
        }
        guard let data = try read("evaluation.json", in: folder) else { return nil }
        do {
            let head = try FileFormats.jsonDecoder().decode(Head.self, from: data)
            return Evaluation(
                scorecardsSha256: head.scorecardsSha256, scorecardsCommit: head.scorecardsCommit, scoredAt: head.scoredAt,
                cards: head.cards.map { card in
                    CardResult(
                        card: card.card, name: card.name, passThreshold: card.passThreshold, total: card.total, passed: card.passed,
                        criticalFailures: card.criticalFailures, unanswered: card.unanswered,
                        sections: card.sections.map { section in
                            SectionResult(
                                id: section.id, name: section.name, weight: section.weight, percent: section.percent,
                                criteria: section.criteria.map {
                                    CriterionResult(
                                        id: $0.id, name: $0.name, answerType: $0.answerType, scale: $0.scale, naAllowed: $0.naAllowed,
                                        critical: $0.critical, points: $0.points, manual: $0.manual, final: $0.final, earned: $0.earned)
                                })
                        },
                        evaluator: card.evaluator, comment: card.comment)
                })
        } catch {
            throw RuntimeError.corruptResult(path: folder + "/evaluation.json" + Vault.suffix, detail: "\(error)")
        }
    }

    /// The call's `call.yaml` alone (identity, source, metadata): what listings and lookups need.
    public func record(in folder: String) throws -> CallRecord {
        let callPath = folder + "/call.yaml" + Vault.suffix
        guard let data = try read("call.yaml", in: folder) else {
            throw RuntimeError.corruptResult(path: callPath, detail: "missing")
        }
        do {
            return try FileFormats.decodeYAML(CallRecord.self, from: data)
        } catch {
            throw RuntimeError.corruptResult(path: callPath, detail: "\(error)")
        }
    }

    /// The call. `transcript: false` leaves out its transcript and analysis (the two files holding every word: read
    /// them with `transcript(in:)` and `analysis(in:)` when needed), `history: false` its history (rescoring needs
    /// none of them unless a rule changed).
    public func load(folder: String, transcript withTranscript: Bool = true, history withHistory: Bool = true) throws -> CallDocument {
        let record = try record(in: folder)
        let transcript = withTranscript ? try self.transcript(in: folder) : nil
        let analysis = withTranscript ? try self.analysis(in: folder) : nil
        var evaluation: Evaluation?
        if let data = try read("evaluation.json", in: folder) {
            do {
                evaluation = try FileFormats.jsonDecoder().decode(Evaluation.self, from: data)
            } catch {
                throw RuntimeError.corruptResult(path: folder + "/evaluation.json" + Vault.suffix, detail: "\(error)")
            }
        }
        return CallDocument(
            call: record, transcript: transcript, evaluation: evaluation, analysis: analysis,
            history: withHistory ? try history(in: folder) : [])
    }

    /// The call's history entries, oldest first.
    public func history(in folder: String) throws -> [HistoryEntry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/history")) ?? []
        var entries: [HistoryEntry] = []
        for name in names where name.hasSuffix(".json" + Vault.suffix) && !name.hasPrefix(".") {
            let path = folder + "/history/" + name
            do {
                entries.append(try FileFormats.jsonDecoder().decode(HistoryEntry.self, from: try vault.read(path)))
            } catch let error as VaultError {
                throw error
            } catch {
                throw RuntimeError.corruptResult(path: path, detail: "\(error)")
            }
        }
        return entries.sorted { ($0.time, $0.revision ?? 0) < ($1.time, $1.revision ?? 0) }
    }

    /// Every readable call, newest first; unreadable folders are returned as problems, not thrown.
    public func all() -> (calls: [CallDocument], problems: [String]) {
        var calls: [CallDocument] = []
        var problems: [String] = []
        for (_, folder) in folders().sorted(by: { $0.key < $1.key }) {
            do {
                calls.append(try load(folder: folder))
            } catch {
                problems.append(error.localizedDescription)
            }
        }
        calls.sort { ($0.call.metadata.callTime ?? $0.call.source.receivedAt, $0.call.id) > ($1.call.metadata.callTime ?? $1.call.source.receivedAt, $1.call.id) }
        return (calls, problems)
    }

    /// Writes the call's original recording, opened, to `target` (for the site's audio player).
    public func exportAudio(of record: CallRecord, in folder: String, to target: String, mode: mode_t = 0o600) throws {
        try vault.openFile(folder + "/" + record.audioFile + Vault.suffix, to: target, mode: mode)
    }

    // MARK: Writing

    /// Seals `data` as the call file `name` (atomically).
    public func write(_ data: Data, as name: String, in folder: String) throws {
        try vault.write(data, to: folder + "/" + name + Vault.suffix)
    }

    /// Replaces the analysis of a stored call (sealed, atomically), as the evaluation is replaced when a call is
    /// scored again. It does not change the call's revision: corrections people make go through edit documents
    /// (`EditProcessor`), which record them. Score the call again afterwards: scoring reads the utterances.
    public func replaceAnalysis(_ analysis: Analysis, in folder: String) throws {
        try write(FileFormats.json(analysis, compact: true), as: "analysis.json", in: folder)
    }

    /// Stores a new call: everything is sealed into a hidden folder, flushed, and the folder renamed into place,
    /// so a reader never sees half a call. `extras` are (source path, name in the call folder). With `moveInputs`
    /// the inputs are removed only after the call is in place, so a crash at any point leaves either the inputs or
    /// the call, never neither.
    public func save(
        record: CallRecord, transcript: Transcript, evaluation: Evaluation? = nil, analysis: Analysis? = nil, audioFrom audioPath: String,
        extras: [(String, String)] = [], moveInputs: Bool, beforeCommit: () throws -> Void = {}
    ) throws {
        let fm = FileManager.default
        var record = record
        var info = stat()
        if stat(audioPath, &info) == 0 { record.source.inode = Self.identity(info) }
        let final = folder(for: record)
        let parent = (final as NSString).deletingLastPathComponent
        // A staging folder of its own; one left by a crash is swept by `sweepStaging`.
        let staging = parent + "/.\(record.id).\(UUID().uuidString.prefix(8)).staging"
        let inputs = [(audioPath, record.audioFile)] + extras
        do {
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
            for (source, name) in inputs {
                try vault.sealFile(source, to: staging + "/" + name + Vault.suffix)
            }
            try write(FileFormats.json(transcript), as: "transcript.json", in: staging)
            if let evaluation { try write(FileFormats.json(evaluation), as: "evaluation.json", in: staging) }
            if let analysis { try write(FileFormats.json(analysis, compact: true), as: "analysis.json", in: staging) }
            try write(FileFormats.yaml(record), as: "call.yaml", in: staging)
        } catch let error as RuntimeError {
            try? fm.removeItem(atPath: staging)
            throw error
        } catch let error as VaultError {
            try? fm.removeItem(atPath: staging)
            throw error
        } catch {
            try? fm.removeItem(atPath: staging)
            throw RuntimeError.cannotWrite(path: staging, detail: error.localizedDescription)
        }
        do {
            try beforeCommit()
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
        guard rename(staging, final) == 0 else {
            let detail = String(cString: strerror(errno))
            try? fm.removeItem(atPath: staging)
            throw RuntimeError.cannotWrite(path: final, detail: detail)
        }
        if moveInputs {
            // The recording goes last: while it is there, a resumed claim recognises its call (`holds`).
            for (source, _) in inputs.reversed() { unlink(source) }
        }
    }

    /// Flushes everything written without an fsync per file (`Vault.write(_:to:sync: false)`) to disk.
    public func flush() {
        FileSystem.syncDirectoryTree(dataDirectory)
    }

    /// Erases a call: its folder is renamed out of sight first (so it vanishes at once), then removed.
    public func delete(folder: String) throws {
        let hidden = (folder as NSString).deletingLastPathComponent + "/." + (folder as NSString).lastPathComponent + ".deleting"
        guard rename(folder, hidden) == 0 else {
            throw RuntimeError.cannotWrite(path: folder, detail: String(cString: strerror(errno)))
        }
        try FileManager.default.removeItem(atPath: hidden)
    }

    /// Removes what a crash can leave: staging folders, half-deleted calls and temporary files (none of them is
    /// the only copy of anything). Call when no other process writes to the store.
    public func sweepStaging() {
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(atPath: callsDirectory) else { return }
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") && (name.hasSuffix(".staging") || name.hasSuffix(".deleting") || name.hasSuffix(".tmp")) {
                enumerator.skipDescendants()
                try? fm.removeItem(atPath: callsDirectory + "/" + relative)
            }
        }
    }

    /// Every sealed file of every call (for key rotation and the plaintext check).
    public func sealedFiles() -> [String] {
        let fm = FileManager.default
        var files: [String] = []
        guard let enumerator = fm.enumerator(atPath: callsDirectory) else { return [] }
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(Vault.suffix) && !(relative as NSString).lastPathComponent.hasPrefix(".") {
                files.append(callsDirectory + "/" + relative)
            }
        }
        return files.sorted()
    }

    /// Whether `path` is the very file stored in a call: a claim resumed after a crash that happened once the call
    /// was already stored (its device, inode and change time were recorded). The change time matters: once the
    /// stored input is unlinked its inode number is free, and a new copy of the same recording may get it.
    public func holds(_ path: String, inCall id: String) -> Bool {
        guard let folder = folders()[id], let stored = (try? record(in: folder))?.source.inode else {
            return false
        }
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let identity = Self.identity(info)
        // Calls stored before the change time was recorded name only device:inode.
        return stored.split(separator: ":").count == 2 ? identity.hasPrefix(stored + ":") : stored == identity
    }

    /// `device:inode:ctime` of a file, to recognise that very file (not another with the same content).
    static func identity(_ info: stat) -> String {
        "\(info.st_dev):\(info.st_ino):\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
    }
}
