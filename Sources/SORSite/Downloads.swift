import Foundation
import SORCore

/// What a page's downloads hold: the calls the page shows over its period. The renderer links to
/// `downloads/STEM.EXT` from the page; the publisher writes those files from the same scope, so a download says
/// what its page shows.
public struct DownloadScope: Sendable {
    /// `downloads/index`, `downloads/agents/anna-nowak`: the files are `STEM.xlsx`, `STEM.csv`, `STEM.pdf`.
    public var stem: String
    /// The name the browser saves it under, without the extension: `raport-2025-11-01_2025-11-30-agent-anna-nowak`.
    public var name: String
    /// What the page is: "Pulpit", "Agent: Anna Nowak" (for a report's title).
    public var title: String
    public var team: String?
    public var from: String
    public var to: String
    /// The calls, with only the page's card on a scorecard's page.
    public var entries: [IndexEntry]
}

extension SiteRenderer {
    /// The formats a page offers, in the order the links show.
    public static let downloadFormats = ["pdf", "xlsx", "csv"]

    /// Every page's download scope: the dashboard's day, week and month, and each agent's, team's and scorecard's
    /// page. (The dashboard's "all" page has none: all calls ever is not a report anyone sends; a range is
    /// `sor report --period FROM..TO`.)
    public func downloadScopes(_ entries: [IndexEntry]) -> [DownloadScope] {
        let t = Strings.table(settings.language)
        var scopes: [DownloadScope] = []
        for kind in DashboardPeriod.Kind.allCases where kind != .all {
            let period = DashboardPeriod.of(kind, entries: entries)
            scopes.append(DownloadScope(
                stem: "downloads/" + kind.page.replacingOccurrences(of: ".html", with: ""), name: "raport-" + Self.span(period),
                title: t["dashboard"]!, from: period.from, to: period.to, entries: entries.filter(period.contains)))
        }
        let slugs = Slugs(entries)
        for (folder, key, title, names) in [("agents", \IndexEntry.agent, t["agent"]!, slugs.agents), ("teams", \IndexEntry.team, t["team"]!, slugs.teams)] {
            for (name, slug) in names {
                let own = entries.filter { $0[keyPath: key] == name }
                let period = DashboardPeriod.of(.all, entries: own)
                scopes.append(DownloadScope(
                    stem: "downloads/\(folder)/\(slug)", name: "raport-\(Self.span(period))-\(folder == "agents" ? "agent" : "zespol")-\(slug)",
                    title: "\(title): \(name)", team: folder == "teams" ? name : nil, from: period.from, to: period.to, entries: own))
            }
        }
        for (card, slug) in slugs.cards {
            let own = entries.compactMap { entry -> IndexEntry? in
                var entry = entry
                entry.scores = entry.scores.filter { $0.card == card }
                return entry.scores.isEmpty ? nil : entry
            }
            let period = DashboardPeriod.of(.all, entries: own)
            scopes.append(DownloadScope(
                stem: "downloads/cards/\(slug)", name: "raport-\(Self.span(period))-karta-\(slug)", title: "\(t["filter_card"]!): \(card)",
                from: period.from, to: period.to, entries: own))
        }
        return scopes
    }

    static func span(_ period: DashboardPeriod) -> String { period.from == period.to ? period.from : "\(period.from)_\(period.to)" }

    /// The page's download links (`root` leads back to the site's top).
    func downloadLinks(stem: String, name: String, root: String, formats: [String] = SiteRenderer.downloadFormats) -> [[String: Any]] {
        formats.map { format in
            ["label": format.uppercased(), "href": root + stem + "." + format, "download": name + "." + format, "format": format]
        }
    }
}
