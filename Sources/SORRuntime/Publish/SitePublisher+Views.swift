import Foundation
import SORCore
import SORSite

/// What a person whose role covers only some calls sees: a view of the site under `site/v/LOGIN/`, built from
/// their calls alone (a team lead's and an evaluator's teams, an agent's own calls).
///
/// A view has its own dashboard, calls list and `data/calls.json`, agents', teams' and scorecards' pages, downloads
/// and search index, so nothing in it names another team's calls or holds their words. Its `calls/ID` entries are
/// symbolic links to the site's call folders (page, recording, PDF: written once), and `static` is one to the
/// site's assets; the links are relative, so the site can move. nginx lets each such login read its own `/v/LOGIN/`
/// only (`NginxConfig`), so a URL copied from someone else's view is refused: reads are enforced by the server,
/// writes by the watcher (`Access`).
struct SiteViews {
    /// One view: its login and which calls it holds.
    struct View {
        var login: String
        var person: SiteUser

        func holds(_ entry: IndexEntry) -> Bool { person.reads(team: entry.team, agent: entry.agent) }
    }

    /// The views the roles file asks for: every login with a role that reads only some calls, when sign-in is on.
    static func views(_ access: Access) -> [View] {
        guard access.enforced else { return [] }
        let signed = Set(access.users)
        return access.roles.people.values
            .filter { signed.contains($0.login) && !$0.role.readsEverything && InboxLayout.isUserName($0.login) }
            .sorted { $0.login < $1.login }
            .map { View(login: $0.login, person: $0) }
    }

    /// The folder of the views.
    static let folder = "v"
}

extension SitePublisher {
    /// Builds every view the roles file asks for and removes the others. A view none of whose calls changed, that
    /// holds the same calls as when this index last built it, and whose person and templates are the same, is left
    /// as it is. A roles file that cannot be read leaves every view as it was (and says so) rather than stop the
    /// build: the rest of the site is still published.
    func buildViews(_ entries: [IndexEntry], changed: Set<String>, renderer: SiteRenderer, files: SiteFiles) throws -> [String] {
        let fm = FileManager.default
        let root = workspace.site + "/" + SiteViews.folder
        let access: Access
        do {
            access = try Access(workspace: workspace)
        } catch {
            return ["the views in \(root) are left as they were: \(error.localizedDescription); fix \(Workspace.accessFolderName)/roles.yaml (sor users role …)"]
        }
        let views = SiteViews.views(access)
        let names = Set(views.map(\.login))
        for name in (try? fm.contentsOfDirectory(atPath: root)) ?? [] where !names.contains(name) {
            try? fm.removeItem(atPath: root + "/" + name)
            index.forgetView(name)
        }
        if views.isEmpty {
            try? fm.removeItem(atPath: root)
            return []
        }
        let oldest = entries.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
        for view in views {
            let own = oldest.filter(view.holds)
            var hasher = Hasher()
            hasher.combine(renderer.templatesFingerprint)
            hasher.combine(view.person.role.rawValue)
            hasher.combine(view.person.teams)
            hasher.combine(view.person.agent)
            for entry in own { hasher.combine(entry.id) }
            let fingerprint = hasher.finalize()
            let folder = root + "/" + view.login
            let touched = own.contains { changed.contains($0.id) }
            if !touched, index.viewFingerprint(view.login) == fingerprint, fm.fileExists(atPath: folder + "/search/index.json") { continue }
            try buildView(view, entries: own, changed: changed, folder: folder, renderer: renderer, files: files)
            index.rememberView(view.login, fingerprint)
        }
        return []
    }

    private func buildView(
        _ view: SiteViews.View, entries: [IndexEntry], changed: Set<String>, folder: String, renderer: SiteRenderer, files: SiteFiles
    ) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder + "/calls", withIntermediateDirectories: true)
        try Self.link(folder + "/static", to: "../../static")
        // The call folders: links to the site's own (`v/LOGIN/calls/ID` → `../../../calls/ID`).
        let ids = Set(entries.map(\.id))
        for name in (try? fm.contentsOfDirectory(atPath: folder + "/calls")) ?? [] where !ids.contains(name) {
            try? fm.removeItem(atPath: folder + "/calls/" + name)
        }
        for id in ids { try Self.link(folder + "/calls/" + id, to: "../../../calls/" + id) }
        try files.write(renderer.callsPage(entries), to: folder + "/calls.html")
        for (name, page) in renderer.dashboardPages(entries) { try files.write(page, to: folder + "/" + name) }
        try files.write(renderer.searchPage(), to: folder + "/search.html")
        try files.write(uploadPage(entries, renderer: renderer, person: view.person), to: folder + "/upload.html")
        // Quarantined inputs and scheduled reports are the whole site's: a view lists none of them.
        try files.write(renderer.quarantinePage([]), to: folder + "/quarantine.html")
        try files.write(renderer.reportsPage([]), to: folder + "/reports/index.html")
        let pages = renderer.personPages(entries).merging(renderer.cardPages(entries)) { a, _ in a }
        let paths = renderer.personAndCardPagePaths(entries)
        for kind in ["agents", "teams", "cards"] {
            try fm.createDirectory(atPath: folder + "/" + kind, withIntermediateDirectories: true)
            for name in (try? fm.contentsOfDirectory(atPath: folder + "/" + kind)) ?? [] where !paths.contains(kind + "/" + name) {
                try? fm.removeItem(atPath: folder + "/" + kind + "/" + name)
            }
        }
        for (name, page) in pages { try files.write(page, to: folder + "/" + name) }
        try writeDownloads(
            renderer.downloadScopes(entries), changed: changed, files: files, site: folder, key: SiteViews.folder + "/" + view.login + "/")
        index.setViewSearch(
            view.login,
            try SearchIndex.build(
                site: folder, sources: workspace.work + "/search", ids: entries.map(\.id), changed: changed.intersection(ids),
                previous: index.viewSearch(view.login), files: files, pruneSources: false))
        try fm.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        try files.write(renderer.callsData(entries), to: folder + "/data/calls.json")
    }

    /// Makes `path` a symbolic link to `target`, unless it already is one.
    static func link(_ path: String, to target: String) throws {
        let fm = FileManager.default
        if (try? fm.destinationOfSymbolicLink(atPath: path)) == target { return }
        try? fm.removeItem(atPath: path)
        do {
            try fm.createSymbolicLink(atPath: path, withDestinationPath: target)
        } catch {
            throw RuntimeError.cannotWrite(path: path, detail: error.localizedDescription)
        }
    }
}
