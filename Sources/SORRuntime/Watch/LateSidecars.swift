import Foundation
import SORCore

/// Stored calls by original file name (without extension), for matching a sidecar that arrives after its
/// recording. Built on first need from the calls' `call.yaml`, then kept up to date by the workers. Thread-safe.
final class CallNameIndex: @unchecked Sendable {
    private let store: CallStore
    private let lock = NSLock()
    /// Per file name: the call, when it was received, and from whose upload folder (nil: the shared inbox).
    private var names: [String: [(id: String, received: Date, uploader: String?)]]?
    private var remembered = 0

    init(store: CallStore) {
        self.store = store
    }

    /// Calls whose original file was `base` (without extension).
    func calls(named base: String) -> [(id: String, received: Date, uploader: String?)] {
        lock.lock()
        defer { lock.unlock() }
        if names == nil {
            // call.yaml only: transcripts and evaluations are not needed to match a file name.
            var index: [String: [(String, Date, String?)]] = [:]
            for folder in store.folders().values {
                guard let record = try? store.record(in: folder) else { continue }
                let name = (record.source.fileName as NSString).deletingPathExtension
                index[name, default: []].append((record.id, Timestamp.date(record.source.receivedAt) ?? .distantPast, record.source.uploadedBy))
            }
            names = index
        }
        return names?[base] ?? []
    }

    /// A call was just stored from a file of this name. Calls received more than a day before are dropped now
    /// and then (a late sidecar is matched only within a day), so the index holds a day of calls, not all of them.
    func remember(_ id: String, fileName: String, uploader: String?, at time: Date) {
        lock.lock()
        defer { lock.unlock() }
        guard names != nil else { return }
        names![(fileName as NSString).deletingPathExtension, default: []].append((id, time, uploader))
        remembered += 1
        if remembered % 1_000 == 0 {
            let cutoff = time.addingTimeInterval(-86_400)
            names = names!.compactMapValues { calls in
                let recent = calls.filter { $0.received >= cutoff }
                return recent.isEmpty ? nil : recent
            }
        }
    }

    /// Calls were removed: the index is built again when next needed.
    func invalidate() {
        lock.lock()
        names = nil
        lock.unlock()
    }
}

/// A sidecar whose recording is not in the inbox either waits for it (sidecar first) or, once settled, belongs to a
/// recording already stored (sidecar late): it then becomes a `call.metadata` edit of that call, but only when it
/// comes from where the recording came from (the same user's upload folder, or the shared inbox): anyone who can
/// write somewhere in the inbox must not change another's call by guessing its file name. One that matches no call
/// within a day, or only calls from elsewhere, is kept in inbox/failed/ with the reason. Runs with the intake.
final class LateSidecars: WatchJob {
    let name = "late-sidecars"
    let cadence: Cadence
    private let runtime: Runtime
    private let store: CallStore
    private let names: CallNameIndex
    private let intakeUnsettled: () -> Bool
    private let log: (String) -> Void
    /// Sidecars whose recording is not in the inbox: when first seen alone.
    private var lone: [String: Date] = [:]

    init(runtime: Runtime, store: CallStore, names: CallNameIndex, intakeUnsettled: @escaping () -> Bool, log: @escaping (String) -> Void) {
        self.runtime = runtime
        self.store = store
        self.names = names
        self.intakeUnsettled = intakeUnsettled
        self.log = log
        cadence = .scheduled(.every(runtime.config.watch.rescanInterval))
    }

    private var workspace: Workspace { runtime.workspace }

    func wantsEarlyRun(events: Bool) -> Bool { events || intakeUnsettled() }

    func run(now: Date) {
        var found: Set<String> = []
        for folder in InboxLayout.dropFolders(workspace.inbox) {
            let names = InboxLayout.names(in: folder)
            let bases = Set(names.map { ($0 as NSString).deletingPathExtension })
            for name in names where InboxLayout.isSidecar(name) {
                let base = (name as NSString).deletingPathExtension
                // Its recording is here (complete or still being written as NAME.wav.part): it travels with it.
                let partial = names.contains { other in other.hasPrefix(base + ".") && InboxLayout.isPartial(other) }
                let audio = names.contains { other in other != name && (other as NSString).deletingPathExtension == base && InboxLayout.isCandidate(other) }
                if audio || partial || !bases.contains(base) { continue }
                found.insert(folder + "/" + name)
            }
        }
        for path in lone.keys where !found.contains(path) { lone[path] = nil }
        for path in found.sorted() {
            guard let since = lone[path] else {
                lone[path] = now
                continue
            }
            // Give a recording copied after its sidecar time to arrive.
            guard now.timeIntervalSince(since) >= max(workspace.config.watch.settleSeconds * 3, 5) else { continue }
            let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let recent = names.calls(named: base).filter { abs($0.received.timeIntervalSince(now)) < 86_400 }
            let uploader = InboxLayout.uploader(of: path, inbox: workspace.inbox)
            let matches = recent.filter { $0.uploader == uploader }
            if matches.isEmpty, !recent.isEmpty {
                lone[path] = nil
                let source = { (user: String?) in user.map { "inbox/uploads/\($0)/" } ?? "the shared inbox" }
                keepFailed(path, code: "foreign-metadata", now: now, reason: "a call was stored in the last day from a recording named \(base).*, but it came from \(source(recent[0].uploader)), not from \(source(uploader)) where this metadata file was dropped; so it is not applied. If it belongs to that call, apply it with an edit document naming the call")
                continue
            }
            if matches.count == 1 {
                lone[path] = nil
                apply(path, call: matches[0].id, now: now)
            } else if matches.count > 1 || now.timeIntervalSince(since) > 86_400 {
                lone[path] = nil
                if matches.count > 1 {
                    keepFailed(path, code: "ambiguous-metadata", now: now, reason: "several calls stored in the last day came from a recording named \(base).*, so it is not clear which one this metadata belongs to; apply it with an edit document naming the call")
                } else {
                    keepFailed(path, code: "unmatched-metadata", now: now, reason: "no recording named \(base).* arrived within a day of this metadata file; drop the recording together with it")
                }
            }
        }
    }

    /// Turns a late sidecar into a `call.metadata` edit document of the sidecar's uploader (or `sor`).
    private func apply(_ path: String, call: String, now: Date) {
        let name = (path as NSString).lastPathComponent
        let text: String
        do {
            guard let decoded = String(data: try InboxFile.read(path, limit: Pipeline.sidecarLimit), encoding: .utf8) else {
                return keepFailed(path, code: "invalid-metadata", now: now, reason: "the metadata file cannot be read as UTF-8 text")
            }
            text = decoded
        } catch {
            return keepFailed(path, code: error.code, now: now, reason: error.localizedDescription)
        }
        let (parsed, diagnostics) = MetadataParser.parse(text, file: path)
        guard let metadata = parsed, let fields = try? JSONSerialization.jsonObject(with: FileFormats.json(metadata)) as? [String: Any], !fields.isEmpty,
            let document = try? store.load(call)
        else {
            let reason = diagnostics.isEmpty ? "the metadata file holds no fields" : diagnostics.map(\.description).joined(separator: "\n")
            return keepFailed(path, code: "invalid-metadata", now: now, reason: "the metadata file arrived after its recording (call \(call)) but is invalid:\n" + reason)
        }
        let user = InboxLayout.uploader(of: path, inbox: workspace.inbox) ?? "sor"
        let edit: [String: Any] = [
            "schema": EditProcessor.schemaVersion, "type": EditKind.callMetadata.rawValue, "call": call, "base_revision": document.call.revision,
            "metadata": fields, "comment": "metadata file \(name) arrived after its recording",
        ]
        do {
            let target = workspace.inbox + "/edits/\(user)/late-sidecar-\(call)-\(UUID().uuidString.prefix(8)).json"
            try FileSystem.writeAtomically(try JSONSerialization.data(withJSONObject: edit, options: [.sortedKeys]), to: target)
            unlink(path)
            log("metadata \(name) arrived after its recording: applying it to call \(call)")
        } catch {
            log("error: cannot queue the late metadata \(name): \(error.localizedDescription)")
        }
    }

    private func keepFailed(_ path: String, code: String, now: Date, reason: String) {
        let name = (path as NSString).lastPathComponent
        do {
            try QuarantineNote(file: name, reason: code, time: now, facts: [("original location", path)], message: reason)
                .keep(path, in: workspace.failed)
            log("refused \(name): \(reason.split(separator: "\n").first ?? "")")
        } catch {
            log("error: \(name): \(error.localizedDescription)")
        }
    }
}
