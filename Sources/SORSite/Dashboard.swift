import Foundation
import SORCore

extension SiteRenderer {
    /// The search page (`search.html`): the search itself runs in the browser over `search/`.
    public func searchPage() -> Data {
        var context = common
        context["root"] = ""
        context["page_title"] = Strings.table(settings.language)["search"]! + " — "
        return page("search", context)
    }

    /// The upload page (`upload.html`): recordings dragged into the browser go to the signed-in user's upload
    /// folder with their metadata (`static/upload.js`). `teams` are those offered (a team lead's or evaluator's own,
    /// one of which must be chosen: `teamNeeded`), `agents` those the person's calls name, the scorecards from the
    /// settings; `allowed` false: the page says the role cannot upload.
    public func uploadPage(allowed: Bool, teams: [String], teamNeeded: Bool, agents: [String]) -> Data {
        var context = common
        context["root"] = ""
        context["page_title"] = Strings.table(settings.language)["upload"]! + " — "
        context["allowed"] = allowed
        context["teams"] = teams
        context["team_needed"] = teamNeeded
        context["agents"] = agents
        context["cards"] = settings.cards.sorted()
        return page("upload", context)
    }

    /// The dashboard pages, one per period (`index.html` the last 30 days), by file name.
    public func dashboardPages(_ entries: [IndexEntry]) -> [String: Data] {
        var pages: [String: Data] = [:]
        let slugs = Slugs(entries)
        for kind in DashboardPeriod.Kind.allCases {
            let figures = DashboardFigures.compute(entries, period: .of(kind, entries: entries))
            var context = dashboardContext(figures, slugs: slugs)
            if kind != .all {
                context["has_downloads"] = true
                context["downloads"] = downloadLinks(
                    stem: "downloads/" + kind.page.replacingOccurrences(of: ".html", with: ""), name: "raport-" + Self.span(figures.period), root: "")
            }
            pages[kind.page] = page("dashboard", context)
        }
        return pages
    }

    /// A page file name for a person or a team: folded, lower case, words joined by "-" ("Łukasz Mazur" →
    /// "lukasz-mazur"); names that fold alike get "-2", "-3" in the order of their spelling.
    static func slugs(_ names: [String]) -> [String: String] {
        var result: [String: String] = [:]
        var taken: [String: Int] = [:]
        for name in Set(names).sorted() {
            var base = name.lowercased().replacingOccurrences(of: "ł", with: "l")
                .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
                .unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? String($0) : "-" }.joined()
            while base.contains("--") { base = base.replacingOccurrences(of: "--", with: "-") }
            base = base.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
            if base.isEmpty { base = "bez-nazwy" }
            let count = (taken[base] ?? 0) + 1
            taken[base] = count
            result[name] = count == 1 ? base : "\(base)-\(count)"
        }
        return result
    }

    /// One page per agent (`agents/SLUG.html`) and per team (`teams/SLUG.html`) over all their calls: the
    /// dashboard's figures for them, their weakest criteria, their score over time and their calls, newest first.
    /// Every agent's, team's and scorecard's page path (`agents/NAME.html`, …): the pages the site has.
    public func personAndCardPagePaths(_ entries: [IndexEntry]) -> Set<String> {
        let all = Slugs(entries)
        return Set(all.agents.values.map { "agents/\($0).html" } + all.teams.values.map { "teams/\($0).html" }
            + all.cards.values.map { "cards/\($0).html" })
    }

    /// The agents' and teams' pages; with `only`, just those of these names (`agent:NAME`, `team:NAME`).
    public func personPages(_ entries: [IndexEntry], only: Set<String>? = nil) -> [String: Data] {
        var pages: [String: Data] = [:]
        let t = Strings.table(settings.language)
        let all = Slugs(entries)
        for (folder, key, title) in [("agents", \IndexEntry.agent, t["agent"]!), ("teams", \IndexEntry.team, t["team"]!)] {
            let named = entries.filter { $0[keyPath: key] != "—" }
            for (name, slug) in folder == "agents" ? all.agents : all.teams {
                if let only, !only.contains((folder == "agents" ? "agent:" : "team:") + name) { continue }
                let own = named.filter { $0[keyPath: key] == name }
                let figures = DashboardFigures.compute(own, period: .of(.all, entries: own))
                let scope = (folder == "agents" ? "agent=" : "team=") + Self.query(name)
                var context = dashboardContext(figures, slugs: all, root: "../", scope: scope)
                context["page_title"] = "\(title): \(name) — "
                context["heading"] = "\(title): \(name)"
                context["is_person"] = true
                context["is_agent"] = folder == "agents"
                context["calls_href"] = "../calls.html?" + scope
                context["has_downloads"] = true
                context["downloads"] = downloadLinks(
                    stem: "downloads/\(folder)/\(slug)", name: "raport-\(Self.span(figures.period))-\(folder == "agents" ? "agent" : "zespol")-\(slug)",
                    root: "../")
                if folder == "agents" {
                    let notes = own.flatMap { entry in entry.agentNotes.map { (entry.id, $0) } }.sorted { ($0.1.time, $0.1.id) > ($1.1.time, $1.1.id) }
                    context["coaching"] = notes.map { call, note in coachingContext(note).merging(["call": call]) { a, _ in a } }
                    context["has_coaching"] = !notes.isEmpty
                }
                context["person_calls"] = own.sorted { ($0.time, $0.id) > ($1.time, $1.id) }.prefix(100).map { entry -> [String: Any] in
                    [
                        "id": entry.id, "when": Format.dateTime(entry.time), "agent": entry.agent, "duration": Format.clock(entry.duration),
                        "scores": entry.scores.map { ["card": $0.card, "total": Format.percent($0.total), "passed": $0.passed] },
                    ]
                }
                pages["\(folder)/\(slug).html"] = page("dashboard", context)
            }
        }
        return pages
    }

    /// One page per scorecard (`cards/CARD.html`) over all the calls scored on it: its figures alone (a call's other
    /// cards left out), its average day by day, and every criterion that failed, most often first.
    /// The scorecards' pages; with `only`, just those of these names (`card:ID`).
    public func cardPages(_ entries: [IndexEntry], only: Set<String>? = nil) -> [String: Data] {
        var pages: [String: Data] = [:]
        let t = Strings.table(settings.language)
        let all = Slugs(entries)
        for (card, slug) in all.cards {
            if let only, !only.contains("card:" + card) { continue }
            let own = entries.compactMap { entry -> IndexEntry? in
                var entry = entry
                entry.scores = entry.scores.filter { $0.card == card }
                return entry.scores.isEmpty ? nil : entry
            }
            let figures = DashboardFigures.compute(own, period: .of(.all, entries: own))
            let scope = "card=" + Self.query(card)
            var context = dashboardContext(figures, slugs: all, root: "../", scope: scope, failedLimit: nil)
            context["page_title"] = "\(t["filter_card"]!): \(card) — "
            context["heading"] = "\(t["filter_card"]!): \(card)"
            context["is_person"] = true
            context["calls_href"] = "../calls.html?" + scope
            context["has_downloads"] = true
            context["downloads"] = downloadLinks(
                stem: "downloads/cards/\(slug)", name: "raport-\(Self.span(figures.period))-karta-\(slug)", root: "../")
            pages["cards/\(slug).html"] = page("dashboard", context)
        }
        return pages
    }

    static func query(_ value: String) -> String { value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value }

    /// Agents' and teams' page names over every call, so every page links to the same files.
    struct Slugs {
        var agents: [String: String]
        var teams: [String: String]
        var cards: [String: String]

        init(_ entries: [IndexEntry]) {
            agents = SiteRenderer.slugs(entries.map(\.agent).filter { $0 != "—" })
            teams = SiteRenderer.slugs(entries.map(\.team).filter { $0 != "—" })
            cards = SiteRenderer.slugs(entries.flatMap { $0.scores.map(\.card) })
        }
    }

    /// `scope`: a filter every link to the calls list carries (an agent's or a team's page: `agent=…`).
    /// `failedLimit`: how many of the most failed criteria to list (nil: all).
    func dashboardContext(
        _ figures: DashboardFigures, slugs: Slugs, root: String = "", scope: String = "", failedLimit: Int? = 10
    ) -> [String: Any] {
        let t = Strings.table(settings.language)
        var context = common
        context["root"] = root
        context["page_title"] = t["dashboard"]! + " — "
        context["heading"] = t["dashboard"]!
        let period = figures.period
        context["periods"] = DashboardPeriod.Kind.allCases.map { kind -> [String: Any] in
            ["label": t["period_" + kind.rawValue]!, "href": root + kind.page, "current": kind == period.kind]
        }
        context["period_label"] = period.from == period.to ? period.from : "\(period.from) – \(period.to)"
        let range = "from=\(period.from)&to=\(period.to)" + (scope.isEmpty ? "" : "&" + scope)
        func link(_ query: String) -> String { root + "calls.html?" + range + (query.isEmpty ? "" : "&" + query) }
        let agentSlugs = slugs.agents, teamSlugs = slugs.teams
        func escaped(_ value: String) -> String { Self.query(value) }
        func share(_ part: Int, _ whole: Int) -> String { whole > 0 ? Format.percent(Double(part) * 100 / Double(whole)) : "—" }
        let averageAll = figures.cards.isEmpty ? nil : figures.cards.reduce(0) { $0 + $1.average * Double($1.calls) } / Double(max(1, figures.scored))
        context["kpis"] = [
            ["label": t["kpi_calls"]!, "value": "\(figures.calls)", "href": link(""), "id": "kpi-calls"],
            ["label": t["kpi_hours"]!, "value": Format.clock(figures.seconds), "id": "kpi-hours"],
            ["label": t["kpi_average"]!, "value": averageAll.map(Format.percent) ?? "—", "id": "kpi-average"],
            ["label": t["kpi_pass_rate"]!, "value": share(figures.passed, figures.scored), "href": link("result=pass"), "id": "kpi-pass"],
            ["label": t["kpi_critical"]!, "value": "\(figures.critical)", "href": link("critical=1"), "id": "kpi-critical"],
            ["label": t["kpi_review"]!, "value": "\(figures.review)", "href": link("review=1"), "id": "kpi-review"],
            ["label": t["kpi_sentiment"]!, "value": ["pozytywny", "neutralny", "negatywny"].map { "\(figures.sentiment[$0] ?? 0)" }.joined(separator: " / "), "id": "kpi-sentiment"],
        ] as [[String: Any]]
        context["cards"] = figures.cards.map { card -> [String: Any] in
            [
                "card": card.card, "calls": card.calls, "average": Format.percent(card.average),
                "pass_rate": Format.percent(card.passRate * 100), "critical": card.critical,
                "href": root + "cards/" + (slugs.cards[card.card] ?? "") + ".html",
            ]
        }
        context["has_scores"] = !figures.cards.isEmpty
        context["agreement"] = figures.agreement.map { row -> [String: Any] in
            ["card": row.card, "calls": row.calls, "compared": row.compared, "agreed": row.agreed, "rate": Format.percent(row.rate * 100)]
        }
        context["least_agreed"] = figures.leastAgreed.prefix(failedLimit ?? figures.leastAgreed.count).map { row -> [String: Any] in
            ["card": row.card, "criterion": row.criterion ?? "", "name": row.name, "compared": row.compared, "agreed": row.agreed,
             "rate": Format.percent(row.rate * 100)]
        }
        context["has_agreement"] = !figures.agreement.isEmpty
        context["has_least_agreed"] = !figures.leastAgreed.isEmpty
        context["failed"] = figures.failed.prefix(failedLimit ?? figures.failed.count).map { failed -> [String: Any] in
            [
                "card": failed.card, "criterion": failed.criterion, "name": failed.name, "calls": failed.calls, "of": failed.of,
                "share": share(failed.calls, failed.of),
                "href": link((scope.hasPrefix("card=") ? "" : "card=\(escaped(failed.card))&") + "failed=\(escaped(failed.criterion))"),
            ]
        }
        // An agent or a team links to their own page.
        let person = { (person: DashboardFigures.Person, key: String) -> [String: Any] in
            let page = key == "agent" ? "agents/" + (agentSlugs[person.name] ?? "") : "teams/" + (teamSlugs[person.name] ?? "")
            return [
                "name": person.name, "team": person.team, "calls": person.calls, "average": Format.percent(person.average),
                "pass_rate": Format.percent(person.passRate * 100), "href": root + page + ".html",
                "team_href": root + "teams/" + (teamSlugs[person.team] ?? "") + ".html",
            ]
        }
        context["best_agents"] = figures.agents.prefix(5).map { person($0, "agent") }
        if figures.agents.count > 5 {
            context["worst_agents"] = figures.agents.suffix(5).reversed().map { person($0, "agent") }
        }
        context["teams"] = figures.teams.map { person($0, "team") }
        let charts = DashboardCharts(strings: t)
        context["trend_chart"] = charts.trend(figures)
        context["distribution_chart"] = charts.distribution(figures)
        return context
    }
}
