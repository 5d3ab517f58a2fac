import Foundation
import SORCore
import SORReports
import SORSite

/// The pages' downloads (XLSX, CSV, period PDFs), written with a build or, in the watcher, after it
/// (`build(downloads: false)` leaves them in the index).
extension SitePublisher {
    /// Writes the downloads a `build(downloads: false)` left, if any; returns whether there were.
    @discardableResult
    public func writeDownloads() throws -> Bool {
        guard index.hasPendingDownloads else { return false }
        try writeDownloads(renderer: try renderer(), files: try SiteFiles(workspace.config.site))
        return true
    }

    func writeDownloads(renderer: SiteRenderer, files: SiteFiles) throws {
        guard let (entries, changed) = index.takeDownloads() else { return }
        try writeDownloads(renderer.downloadScopes(entries), changed: changed, files: files)
    }

    /// Writes the scopes' files under `site` (the site, or a view's folder in it), each remembered in the index
    /// under `key` + its stem.
    func writeDownloads(_ scopes: [DownloadScope], changed: Set<String>, files: SiteFiles, site: String? = nil, key: String = "") throws {
        let site = site ?? workspace.site
        let separator = Character(workspace.config.reports.csvSeparator)
        var live: Set<String> = []
        for scope in scopes {
            var hasher = Hasher()
            hasher.combine(scope.from)
            hasher.combine(scope.to)
            var touched = false
            for entry in scope.entries {
                hasher.combine(entry.id)
                if changed.contains(entry.id) { touched = true }
            }
            let fingerprint = hasher.finalize()
            for format in SiteRenderer.downloadFormats { live.insert(scope.stem + "." + format) }
            let exists = SiteRenderer.downloadFormats.allSatisfy { FileManager.default.fileExists(atPath: site + "/" + scope.stem + "." + $0) }
            if !touched, exists, index.download(key + scope.stem) == fingerprint { continue }
            let reportScope = Reports.Scope(period: ReportPeriod(from: scope.from, to: scope.to))
            for format in SiteRenderer.downloadFormats {
                guard let kind = Reports.Format(rawValue: format) else { continue }
                // The data's state, not the clock, is printed on a site PDF: an unchanged page rewrites nothing.
                let newest = "Stan danych: rozmowy do " + (scope.entries.map(\.time).max().map(Format.dateTime) ?? "—")
                let data = try Reports.make(
                    kind, entries: scope.entries, scope: reportScope, csvSeparator: separator, generated: newest, title: scope.title)
                let path = site + "/" + scope.stem + "." + format
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try files.write(data, to: path)
            }
            index.rememberDownload(key + scope.stem, fingerprint)
        }
        // Downloads of agents, teams or cards no call names any more go, as their pages do.
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(atPath: site + "/downloads") else { return }
        while let relative = enumerator.nextObject() as? String {
            let path = "downloads/" + relative
            if SiteRenderer.downloadFormats.contains((relative as NSString).pathExtension), !live.contains(path) {
                try? fm.removeItem(atPath: site + "/" + path)
            }
        }
    }
}
