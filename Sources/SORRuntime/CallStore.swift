import Foundation
import SORCore

/// The calls on disk: `data/calls/YYYY/MM/DD/<call-id>/` with `call.yaml`, `transcript.json` and the recording.
public struct CallStore: Sendable {
    public let dataDirectory: String

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
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

    public func load(_ id: String) throws -> CallDocument {
        try load(folder: find(id))
    }

    public func load(folder: String) throws -> CallDocument {
        let callPath = folder + "/call.yaml"
        guard let data = FileManager.default.contents(atPath: callPath) else {
            throw RuntimeError.corruptResult(path: callPath, detail: "missing")
        }
        let record: CallRecord
        do {
            record = try FileFormats.decodeYAML(CallRecord.self, from: data)
        } catch {
            throw RuntimeError.corruptResult(path: callPath, detail: "\(error)")
        }
        var transcript: Transcript?
        let transcriptPath = folder + "/transcript.json"
        if let data = FileManager.default.contents(atPath: transcriptPath) {
            do {
                transcript = try FileFormats.jsonDecoder().decode(Transcript.self, from: data)
            } catch {
                throw RuntimeError.corruptResult(path: transcriptPath, detail: "\(error)")
            }
        }
        return CallDocument(call: record, transcript: transcript)
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

    /// Stores a new call: the files are written into a hidden folder, flushed, and the folder renamed into place,
    /// so a reader never sees half a call. The recording and `extras` (source path → name in the call folder) are
    /// hard-linked (or copied) in; with `moveInputs` the inputs are removed only after the call is in place, so a
    /// crash at any point leaves either the inputs or the call, never neither.
    public func save(
        record: CallRecord, transcript: Transcript, audioFrom audioPath: String, extras: [(String, String)] = [],
        moveInputs: Bool
    ) throws {
        let fm = FileManager.default
        let final = folder(for: record)
        let parent = (final as NSString).deletingLastPathComponent
        // A staging folder of its own; one left by a crash is swept by `sweepStaging`.
        let staging = parent + "/.\(record.id).\(UUID().uuidString.prefix(8)).staging"
        let inputs = [(audioPath, record.audioFile)] + extras
        do {
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
            for (source, name) in inputs {
                if link(source, staging + "/" + name) != 0 { try fm.copyItem(atPath: source, toPath: staging + "/" + name) }
            }
            try FileSystem.writeAtomically(FileFormats.json(transcript), to: staging + "/transcript.json")
            try FileSystem.writeAtomically(FileFormats.yaml(record), to: staging + "/call.yaml")
        } catch let error as RuntimeError {
            try? fm.removeItem(atPath: staging)
            throw error
        } catch {
            try? fm.removeItem(atPath: staging)
            throw RuntimeError.cannotWrite(path: staging, detail: error.localizedDescription)
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

    /// Removes staging folders left by a crash (nothing in them is the only copy: inputs are removed only after
    /// their call is in place). Call when no other process writes to the store.
    public func sweepStaging() {
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(atPath: callsDirectory) else { return }
        while let relative = enumerator.nextObject() as? String {
            if (relative as NSString).lastPathComponent.hasSuffix(".staging") {
                enumerator.skipDescendants()
                try? fm.removeItem(atPath: callsDirectory + "/" + relative)
            }
        }
    }

    /// Whether `path` is the very file stored in a call (a hard link to it): a claim resumed after a crash that
    /// happened once the call was already stored.
    public func holds(_ path: String, inCall id: String) -> Bool {
        guard let folder = folders()[id], let document = try? load(folder: folder) else { return false }
        var a = stat()
        var b = stat()
        guard stat(path, &a) == 0, stat(folder + "/" + document.call.audioFile, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }
}
