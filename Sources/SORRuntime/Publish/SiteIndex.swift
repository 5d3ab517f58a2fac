import Foundation
import SORCore
import SORSite

/// Whether the site is out of date: set by the derive step after a call changes, taken by whoever publishes (the
/// watcher, when its queue is idle). Which calls changed the build finds itself, from their folders (`SiteIndex`).
/// Thread-safe.
public final class SiteChanges: @unchecked Sendable {
    private let lock = NSLock()
    private var changed = false

    /// Something the site shows changed (a call was stored, corrected, rescored or erased).
    public func mark() {
        lock.lock()
        changed = true
        lock.unlock()
    }

    /// Whether anything is out of date; clears the record when `take` is set.
    func pending(take: Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let pending = changed
        if take { changed = false }
        return pending
    }
}

/// What the last builds of this process knew of each call: its index entry and the state of its folder then. A call
/// whose folder has not changed since (every write in the store renames a file into the call's folder, which
/// changes the folder's modification time; a rejected edit is written into its `history/`) is neither read nor
/// rendered again. Thread-safe; one per runtime.
public final class SiteIndex: @unchecked Sendable {
    struct Known {
        var fingerprint: FolderFingerprint
        var entry: IndexEntry
    }

    private let lock = NSLock()
    private var known: [String: Known] = [:]
    private var written: SearchIndex.Written?
    private var downloads: [String: Int] = [:]

    public init() {}

    private var pendingDownloads: (entries: [IndexEntry], changed: Set<String>)?
    private var renderedGuidance: (sha256: String, html: [String: String])?

    /// The criteria's guidance as HTML for the scorecards with this hash: made by `make` once per version.
    func guidance(_ sha256: String, make: () -> [String: String]) -> [String: String] {
        lock.lock()
        if let renderedGuidance, renderedGuidance.sha256 == sha256 {
            lock.unlock()
            return renderedGuidance.html
        }
        lock.unlock()
        let html = make()
        lock.lock()
        renderedGuidance = (sha256, html)
        lock.unlock()
        return html
    }

    /// Keeps the entries of the last build for its downloads, with the calls changed since they were last written.
    func deferDownloads(_ entries: [IndexEntry], changed: Set<String>) {
        lock.lock()
        pendingDownloads = (entries, changed.union(pendingDownloads?.changed ?? []))
        lock.unlock()
    }

    var hasPendingDownloads: Bool {
        lock.lock()
        defer { lock.unlock() }
        return pendingDownloads != nil
    }

    func takeDownloads() -> (entries: [IndexEntry], changed: Set<String>)? {
        lock.lock()
        defer { lock.unlock() }
        let taken = pendingDownloads
        pendingDownloads = nil
        return taken
    }

    /// The fingerprint of the calls a download was last written from (nil when it was not written by this index).
    func download(_ stem: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        return downloads[stem]
    }

    func rememberDownload(_ stem: String, _ fingerprint: Int) {
        lock.lock()
        downloads[stem] = fingerprint
        lock.unlock()
    }

    /// What the last build wrote of the search index (nil before the first).
    var search: SearchIndex.Written? {
        get {
            lock.lock()
            defer { lock.unlock() }
            return written
        }
        set {
            lock.lock()
            written = newValue
            lock.unlock()
        }
    }

    func entry(_ id: String, ifUnchanged fingerprint: FolderFingerprint) -> IndexEntry? {
        lock.lock()
        defer { lock.unlock() }
        guard let known = known[id], known.fingerprint == fingerprint else { return nil }
        return known.entry
    }

    func remember(_ id: String, _ entry: IndexEntry, fingerprint: FolderFingerprint) {
        lock.lock()
        known[id] = Known(fingerprint: fingerprint, entry: entry)
        lock.unlock()
    }

    /// The entry this index holds for a call, whatever its folder now says (the call's entry before this build).
    func known(_ id: String) -> IndexEntry? {
        lock.lock()
        defer { lock.unlock() }
        return known[id]?.entry
    }

    /// The entries of calls this index holds that are not in `ids` (erased since its last build).
    func entries(notIn ids: Set<String>) -> [IndexEntry] {
        lock.lock()
        defer { lock.unlock() }
        return known.filter { !ids.contains($0.key) }.map(\.value.entry)
    }

    /// What the agents', teams' and scorecards' pages were last rendered from: every name with a page, and the
    /// templates (nil before the first build).
    private var pagesState: (names: Set<String>, templates: Int)?

    /// Swaps in this build's state and returns the last one.
    func swapPagesState(_ state: (names: Set<String>, templates: Int)) -> (names: Set<String>, templates: Int)? {
        lock.lock()
        defer { lock.unlock() }
        let last = pagesState
        pagesState = state
        return last
    }

    /// What the last build of each view (`site/v/LOGIN/`) was made from, and what it wrote of its search index.
    private var views: [String: (fingerprint: Int, search: SearchIndex.Written?)] = [:]

    func viewFingerprint(_ login: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        return views[login]?.fingerprint
    }

    func rememberView(_ login: String, _ fingerprint: Int) {
        lock.lock()
        views[login, default: (0, nil)].fingerprint = fingerprint
        lock.unlock()
    }

    func viewSearch(_ login: String) -> SearchIndex.Written? {
        lock.lock()
        defer { lock.unlock() }
        return views[login]?.search
    }

    func setViewSearch(_ login: String, _ written: SearchIndex.Written) {
        lock.lock()
        views[login, default: (0, nil)].search = written
        lock.unlock()
    }

    func forgetView(_ login: String) {
        lock.lock()
        views[login] = nil
        lock.unlock()
    }

    /// Keeps only these calls (the others were erased).
    func keep(_ ids: Set<String>) {
        lock.lock()
        known = known.filter { ids.contains($0.key) }
        lock.unlock()
    }
}

/// A call folder's and its `history/` folder's modification and status-change times, to the nanosecond (a
/// rejected edit is recorded in `history/` only).
struct FolderFingerprint: Equatable {
    var times: [Int]

    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        times = [info.st_mtim.tv_sec, info.st_mtim.tv_nsec, info.st_ctim.tv_sec, info.st_ctim.tv_nsec]
        var history = stat()
        if stat(path + "/history", &history) == 0 {
            times += [history.st_mtim.tv_sec, history.st_mtim.tv_nsec, history.st_ctim.tv_sec, history.st_ctim.tv_nsec]
        }
    }
}
