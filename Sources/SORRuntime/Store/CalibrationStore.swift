import Foundation
import SORCore

/// The calibration sessions on disk: `data/calibration/ID.json.sealed`, sealed by the vault like the calls (the
/// answers are evaluations of people's work), one file per session, replaced atomically.
public struct CalibrationStore: Sendable {
    public let directory: String
    public let vault: Vault

    public init(directory: String, vault: Vault) {
        self.directory = directory
        self.vault = vault
    }

    func path(_ id: String) -> String { directory + "/" + id + ".json" + Vault.suffix }

    public func exists(_ id: String) -> Bool { FileManager.default.fileExists(atPath: path(id)) }

    /// The session `id`, or nil when there is none.
    public func load(_ id: String) throws -> CalibrationSession? {
        guard CalibrationSession.isValidID(id), exists(id) else { return nil }
        let data = try vault.read(path(id))
        do {
            return try FileFormats.jsonDecoder().decode(CalibrationSession.self, from: data)
        } catch {
            throw RuntimeError.cannotRead(path: path(id), detail: "not a calibration session (\(error.localizedDescription))")
        }
    }

    /// Every session, newest first, and the files that could not be read (said, not thrown: one bad file does not
    /// hide the others).
    public func all() -> (sessions: [CalibrationSession], problems: [String]) {
        var sessions: [CalibrationSession] = []
        var problems: [String] = []
        for file in sealedFiles() {
            let id = String((file as NSString).lastPathComponent.dropLast((".json" + Vault.suffix).count))
            do {
                if let session = try load(id) { sessions.append(session) }
            } catch {
                problems.append("calibration session \(id): \(error.localizedDescription)")
            }
        }
        sessions.sort { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        return (sessions, problems)
    }

    public func save(_ session: CalibrationSession) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try vault.write(FileFormats.json(session), to: path(session.id))
    }

    /// Every session's sealed file (for key rotation and the plaintext check).
    public func sealedFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json" + Vault.suffix) && !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
    }
}

extension CallStore {
    /// The calibration sessions kept beside the calls.
    public var calibration: CalibrationStore { CalibrationStore(directory: dataDirectory + "/calibration", vault: vault) }
}
