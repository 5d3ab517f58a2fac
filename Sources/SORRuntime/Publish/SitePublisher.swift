import Foundation
import SORCore
import SORSite

/// Calls whose pages are out of date since the site was last written. Marked by the derive step after a call
/// changes, taken by whoever publishes (the watcher, when its queue is idle). Thread-safe.
public final class SiteChanges: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: Set<String> = []
    private var whole = false

    /// A call's pages are out of date.
    public func mark(_ id: String) {
        lock.lock()
        calls.insert(id)
        lock.unlock()
    }

    /// Something beyond one call changed (a call was erased, scorecards were rescored): rebuild everything.
    public func markAll() {
        lock.lock()
        whole = true
        lock.unlock()
    }

    /// Whether anything is out of date; clears the record when `take` is set.
    func pending(take: Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let pending = whole || !calls.isEmpty
        if take {
            calls = []
            whole = false
        }
        return pending
    }
}

/// Writes the static site: renders pages from the store, copies static assets and each call's recording.
public struct SitePublisher: Sendable {
    public let workspace: Workspace
    public let store: CallStore

    public init(workspace: Workspace, store: CallStore) {
        self.workspace = workspace
        self.store = store
    }


    /// Rebuilds the site; returns the number of pages written and any calls that could not be read.
    @discardableResult
    public func build() throws -> (pages: Int, problems: [String]) {
        let fm = FileManager.default
        let templatesDirectory = workspace.templates
        var templates: [String: String] = [:]
        let names = (try? fm.contentsOfDirectory(atPath: templatesDirectory)) ?? []
        for name in names where name.hasSuffix(".mustache") {
            templates[String(name.dropLast(".mustache".count))] = try String(contentsOfFile: templatesDirectory + "/" + name, encoding: .utf8)
        }
        let renderer = try SiteRenderer(
            templates: templates,
            settings: SiteSettings(title: workspace.config.site.title, language: workspace.config.site.language),
            directory: templatesDirectory)
        try store.vault.check(dataDirectory: workspace.data)
        let (calls, readProblems) = store.all()
        let pages = renderer.render(calls: calls)
        let site = workspace.site
        let files = try SiteFiles(workspace.config.site)
        for (path, data) in pages {
            try files.write(data, to: site + "/" + path)
        }
        try copyTree(templatesDirectory + "/static", to: site + "/static", files: files)
        let folders = store.folders()
        // The player needs the recording in the clear: it is opened from the sealed store once, and again only
        // when its size no longer matches the original's.
        var problems = readProblems
        for document in calls {
            guard let folder = folders[document.call.id] else { continue }
            let target = "\(site)/calls/\(document.call.id)/\(document.call.audioFile)"
            let size = (try? fm.attributesOfItem(atPath: target)[.size] as? Int64) ?? nil
            if size != document.call.source.bytes {
                do {
                    try store.exportAudio(of: document.call, in: folder, to: target, mode: SiteFiles.mode)
                } catch {
                    problems.append(error.localizedDescription)
                }
            }
            try files.own(target)
        }
        // Pages of calls that no longer exist are removed, so the site always mirrors data/.
        let live = Set(calls.map(\.call.id))
        for name in (try? fm.contentsOfDirectory(atPath: site + "/calls")) ?? [] where !live.contains(name) {
            try? fm.removeItem(atPath: site + "/calls/" + name)
        }
        return (pages.count, problems)
    }

    private func copyTree(_ source: String, to target: String, files: SiteFiles) throws {
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(atPath: source) else { return }
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if !fm.fileExists(atPath: source + "/" + relative, isDirectory: &isDirectory) || isDirectory.boolValue { continue }
            try files.write(fm.contents(atPath: source + "/" + relative) ?? Data(), to: target + "/" + relative)
        }
    }
}
