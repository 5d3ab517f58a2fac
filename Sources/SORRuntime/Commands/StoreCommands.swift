import Foundation
import SORCore

/// Keys, erasure, retention and the audit log: the store's housekeeping behind `sor key`, `sor calls delete|expire`
/// and `sor audit`.
extension Commands {
    // MARK: Keys

    /// `sor key init`: a new key file. Refuses when one exists, or when the store was sealed by a key it lacks.
    public static func keyInit(runtime: Runtime, ifMissing: Bool) throws -> String {
        let workspace = runtime.workspace
        let path = workspace.keyFile
        if FileManager.default.fileExists(atPath: path) {
            if ifMissing { return "\(path) already exists; nothing changed" }
            throw VaultError.keyFileExists(path: path)
        }
        let check = Vault.checkFile(in: workspace.data)
        if FileManager.default.fileExists(atPath: check) {
            let keyID = (try? Vault.keyID(of: check)) ?? "?"
            throw RuntimeError.commandFailed(
                command: "sor key init",
                detail: "\(workspace.data) is already sealed with key \(keyID), which a new key cannot open. Restore the key "
                    + "file from your backup to \(path) (or set security.key_file); nothing was changed")
        }
        let ring = try Keyring.create(path: path)
        try Vault(keyring: ring).check(dataDirectory: workspace.data)
        try runtime.audit.append(
            actor: AuditLog.commandLineActor, action: "key-init", detail: ["key": ring.current, "file": path])
        return "created \(path) (key \(ring.current), mode 0600). Back it up somewhere safe: without it data/ cannot be read."
    }

    public struct RotationReport: Sendable {
        public var key: String
        public var resealed: Int
        public var total: Int
        public var finished: Bool
        public var retired: [String]
    }

    /// `sor key rotate`: a new current key, every sealed file re-sealed under it, then the old keys retired.
    /// Interrupted (or limited by `maxFiles`), it resumes where it stopped on the next run: the key file keeps the
    /// old keys until no file needs them, and each file is replaced atomically.
    /// (Rotation is the one place besides the runtime that builds a vault: from the key ring it is changing.)
    public static func keyRotate(runtime: Runtime, maxFiles: Int?, progress: (String) -> Void) throws -> RotationReport {
        let workspace = runtime.workspace
        let lock = try StoreLock(dataDirectory: workspace.data, purpose: "sor key rotate")
        defer { withExtendedLifetime(lock) {} }
        var ring = try Keyring.load(path: workspace.keyFile)
        try Vault(keyring: ring).check(dataDirectory: workspace.data)
        let audit = runtime.audit
        let actor = AuditLog.commandLineActor
        if ring.keys.count == 1 {
            let previous = ring.current
            ring = ring.adding(newKeyAt: runtime.clock.now())
            try ring.save()
            try audit.append(actor: actor, action: "key-rotate", outcome: "started", detail: ["from": previous, "to": ring.current])
            progress("new key \(ring.current); re-sealing under it")
        } else {
            progress("resuming the rotation to key \(ring.current)")
        }
        let vault = Vault(keyring: ring)
        let store = CallStore(dataDirectory: workspace.data, vault: vault)
        var files = store.sealedFiles() + store.calibration.sealedFiles() + [Vault.checkFile(in: workspace.data)]
        files += archivedSealedFiles(workspace.archive)
        var resealed = 0
        var remaining = 0
        for file in files {
            if let maxFiles, resealed >= maxFiles {
                if (try? Vault.keyID(of: file)) != ring.current { remaining += 1 }
                continue
            }
            if try vault.reseal(file) {
                resealed += 1
                if resealed % 100 == 0 { progress("\(resealed) files re-sealed") }
            }
        }
        guard remaining == 0 else {
            progress("stopped after \(resealed) files; \(remaining) still use the old key. Run `sor key rotate` again to go on.")
            return RotationReport(key: ring.current, resealed: resealed, total: files.count, finished: false, retired: [])
        }
        let retired = ring.keys.map(\.id).filter { $0 != ring.current }
        try ring.keeping(only: [ring.current]).save()
        try audit.append(actor: actor, action: "key-rotate", outcome: "completed", detail: [
            "key": ring.current, "files": String(files.count), "retired": retired.joined(separator: ","),
        ])
        return RotationReport(key: ring.current, resealed: resealed, total: files.count, finished: true, retired: retired)
    }

    static func archivedSealedFiles(_ directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(Vault.suffix) { files.append(directory + "/" + relative) }
        }
        return files.sorted()
    }

    // MARK: Erasure and retention

    /// `sor calls delete`: erases calls (recording, results, every plaintext copy, pages), under the store lock,
    /// then rebuilds the site so no list names them; the audit keeps a tombstone. `erased` is told each full id.
    public static func deleteCalls(_ ids: [String], runtime: Runtime, actor: String, reason: String?, erased: (String) -> Void) throws {
        let lock = try StoreLock(dataDirectory: runtime.workspace.data, purpose: "sor calls delete")
        defer { withExtendedLifetime(lock) {} }
        let erasure = try Erasure(runtime: runtime)
        for id in ids { erased(try erasure.delete(id, actor: actor, reason: reason)) }
        try runtime.publisher().build()
    }

    /// `sor calls expire`: the retention policy applied now, under the store lock; the site is rebuilt after.
    public static func expire(runtime: Runtime, actor: String) throws -> [String] {
        let lock = try StoreLock(dataDirectory: runtime.workspace.data, purpose: "sor calls expire")
        defer { withExtendedLifetime(lock) {} }
        let handled = try Erasure(runtime: runtime).expire(actor: actor, now: runtime.clock.now())
        if !handled.isEmpty { try runtime.publisher().build() }
        return handled
    }

    // MARK: Scoring

    /// `sor rescore`: refuses while `scorecards.yaml` is invalid (the report would describe the old cards).
    public static func rescore(runtime: Runtime) throws -> Rescore.Report {
        let workspace = runtime.workspace
        let lock = try StoreLock(dataDirectory: workspace.data, purpose: "sor rescore")
        defer { withExtendedLifetime(lock) {} }
        let store = try runtime.checkedStore()
        let loaded = try ScorecardLoader.load(workspace: workspace)
        guard loaded.problems.isEmpty else { throw RuntimeError.invalidScorecards(loaded.problems) }
        let scoring = ScoringService(scorecards: loaded, config: workspace.config.scoring, now: { runtime.clock.now() })
        return try Rescore.run(runtime: runtime, store: store, scoring: scoring, actor: AuditLog.commandLineActor)
    }

    // MARK: Audit

    /// `sor audit show`: events filtered by call and user, one line each.
    public static func auditLines(runtime: Runtime, call: String?, user: String?) -> [String] {
        runtime.audit.events().filter { event in
            (call == nil || (event.call ?? "").hasPrefix(call!)) && (user == nil || event.actor == "user:" + user! || event.actor == user! || event.actor == "cli:" + user!)
        }.map { event in
            let detail = (event.detail ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(String(format: "%6d", event.seq))  \(event.time)  \(event.actor)  \(event.action)  \(event.outcome)  \(event.call ?? "-")  \(detail)"
        }
    }
}
