import Foundation
import SORCore
import SORReports
import SORSite

/// Period reports (XLSX, CSV; PDF where the writer exists) from the calls' index entries: the same entries the site's
/// dashboard, agent, team and scorecard pages are made of, so a report says what the page it came from shows.
public enum Reports {
    public enum Format: String, CaseIterable, Sendable {
        case xlsx, csv, pdf
        public var fileExtension: String { rawValue }
    }

    /// What a report covers.
    public struct Scope: Sendable, Equatable {
        public var period: ReportPeriod
        public var team: String?
        public var agent: String?

        public init(period: ReportPeriod, team: String? = nil, agent: String? = nil) {
            self.period = period
            self.team = team
            self.agent = agent
        }

        public func contains(_ entry: IndexEntry) -> Bool {
            period.contains(entry)
                && (team == nil || entry.team.lowercased() == team!.lowercased())
                && (agent == nil || entry.agent.lowercased() == agent!.lowercased())
        }

        /// `raport-2025-11-01_2025-11-30[-zespol-NAME]`: a file name that says what is in it.
        public var baseName: String {
            var name = "raport-" + period.slug
            if let team { name += "-zespol-" + Self.slug(team) }
            if let agent { name += "-agent-" + Self.slug(agent) }
            return name
        }

        static func slug(_ text: String) -> String {
            let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "pl"))
                .replacingOccurrences(of: "ł", with: "l")
            return folded.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
                .split(separator: "-").joined(separator: "-")
        }
    }

    /// The report's bytes in `format` over the entries in `scope`. `generated` is printed on a PDF (the only part that
    /// varies between two reports of the same calls); `title` names what the report is of.
    public static func make(
        _ format: Format, entries all: [IndexEntry], scope: Scope, csvSeparator: Character = ";", generated: String = "",
        title: String? = nil, note: String? = nil
    ) throws -> Data {
        let entries = all.filter(scope.contains)
        var figures: DashboardFigures {
            DashboardFigures.compute(entries, period: DashboardPeriod(kind: .all, from: scope.period.from, to: scope.period.to))
        }
        switch format {
        case .csv:
            return CSV.document(Sheets.calls(entries), separator: csvSeparator)
        case .xlsx:
            return try XLSX.workbook([Sheets.calls(entries), Sheets.agents(figures), Sheets.criteria(entries)])
        case .pdf:
            let whom = title ?? scope.team.map { "Zespół: \($0)" } ?? scope.agent.map { "Agent: \($0)" } ?? "Całe centrum"
            var report = periodReport(figures, entries: entries, scope: scope, whom: whom, generated: generated)
            report.note = note
            return try PeriodPDF.render(report)
        }
    }

    /// The dashboard's figures as the period PDF prints them.
    static func periodReport(_ figures: DashboardFigures, entries: [IndexEntry], scope: Scope, whom: String, generated: String) -> PeriodReport {
        func percent(_ value: Double) -> String { String(format: "%.1f%%", value).replacingOccurrences(of: ".0%", with: "%") }
        let average = figures.scored > 0 ? entries.flatMap(\.scores).reduce(0) { $0 + $1.total } / Double(figures.scored) : nil
        let balance = ["pozytywny", "neutralny", "negatywny"].map { "\(figures.sentiment[$0] ?? 0)" }.joined(separator: " / ")
        var byDay: [String: (calls: Int, sum: Double, scored: Int)] = [:]
        for entry in entries {
            var day = byDay[String(entry.time.prefix(10))] ?? (0, 0, 0)
            day.calls += 1
            for score in entry.scores {
                day.sum += score.total
                day.scored += 1
            }
            byDay[String(entry.time.prefix(10))] = day
        }
        return PeriodReport(
            title: "Raport okresowy", period: scope.period.label, scope: whom, generated: generated,
            kpis: [
                .init(label: "Rozmowy", value: "\(figures.calls)"),
                .init(label: "Czas rozmów", value: String(format: "%.1f h", figures.seconds / 3600)),
                .init(label: "Średnia ocena", value: average.map(percent) ?? "—"),
                .init(label: "Zaliczone oceny", value: figures.scored > 0 ? percent(Double(figures.passed) * 100 / Double(figures.scored)) : "—"),
                .init(label: "Z błędem krytycznym", value: "\(figures.critical)"),
                .init(label: "Do weryfikacji", value: "\(figures.review)"),
                .init(label: "Nastawienie klientów (poz. / neutr. / neg.)", value: balance),
            ],
            cards: figures.cards.map { .init(name: $0.card, calls: $0.calls, average: $0.average, passRate: $0.passRate * 100) },
            days: Day.range(scope.period.from, scope.period.to).map { day in
                let tally = byDay[day]
                return .init(day: day, calls: tally?.calls ?? 0, average: (tally?.scored ?? 0) > 0 ? tally!.sum / Double(tally!.scored) : nil)
            },
            agents: figures.agents.map {
                .init(name: $0.name, team: $0.team, calls: $0.calls, average: $0.average, passRate: $0.passRate * 100, criticalFailures: $0.critical)
            },
            failedCriteria: figures.failed.prefix(15).map { .init(card: $0.card, criterion: $0.name, failed: $0.calls, of: $0.of) })
    }

    /// The period a spec means at `now`, and the entries of the stored calls in it: the dashboard's periods end on
    /// the newest call's day, so those read every call; the others only their days'.
    public static func resolve(_ spec: String, store: CallStore, language: String, now: Date) throws
        -> (period: ReportPeriod, entries: [IndexEntry], problems: [String])
    {
        let relative = DashboardPeriod.Kind(rawValue: spec.lowercased()) != nil
        let candidate = relative ? nil : try ReportPeriod.parse(spec, entries: [], now: now)
        let (entries, problems) = entries(store: store, language: language, period: candidate)
        return (try candidate ?? ReportPeriod.parse(spec, entries: entries, now: now), entries, problems)
    }

    /// The index entries of the stored calls whose day may fall in `period` (folders are by day, so the others are
    /// not opened; a day's slack on each side covers a call time in another zone than the folder's), read on every
    /// core. Each call's record, evaluation and the head of its analysis are read (roles, sentiment), not its
    /// utterances, transcript or history: a report shows no words.
    public static func entries(store: CallStore, language: String, period: ReportPeriod?) -> (entries: [IndexEntry], problems: [String]) {
        let from = period.map { Day.adding(-1, to: $0.from) }
        let to = period.map { Day.adding(1, to: $0.to) }
        let folders = store.folders().sorted { $0.key < $1.key }.filter { _, folder in
            guard let from, let to else { return true }
            let parts = folder.split(separator: "/").suffix(4)
            guard parts.count == 4, parts.first.map({ $0.count == 4 }) == true else { return true }  // undated
            let day = parts.prefix(3).joined(separator: "-")
            return day >= from && day <= to
        }
        let results = Slots<Result<IndexEntry, Error>>(count: folders.count)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, folders.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let slot = results.next() {
                let folder = folders[slot].value
                results.store(slot, Result {
                    let document = CallDocument(
                        call: try store.record(in: folder), transcript: nil, evaluation: try store.evaluationSummary(in: folder),
                        analysis: try store.analysisSummary(in: folder))
                    return IndexEntry.of(document, language: language)
                })
            }
        }
        var entries: [IndexEntry] = []
        var problems: [String] = []
        for result in results.all {
            switch result {
            case .success(let entry)?: entries.append(entry)
            case .failure(let error)?: problems.append(error.localizedDescription)
            case nil: continue
            }
        }
        return (entries, problems)
    }
}

extension Commands {
    /// What `sor report` wrote.
    public struct ReportResult: Sendable {
        public var path: String
        public var calls: Int
        public var period: ReportPeriod
        public var problems: [String]
    }

    /// `sor report`: one report file over the stored calls of a period (and a team or agent), recorded in the audit
    /// log as an `export`.
    public static func report(
        runtime: Runtime, period spec: String, team: String?, agent: String?, format: Reports.Format, output: String?,
        separator: Character, note: String? = nil
    ) throws -> ReportResult {
        let (period, entries, problems) = try Reports.resolve(
            spec, store: try runtime.checkedStore(), language: runtime.workspace.config.site.language, now: runtime.clock.now())
        let scope = Reports.Scope(period: period, team: team, agent: agent)
        let data = try Reports.make(format, entries: entries, scope: scope, csvSeparator: separator, generated: "Wygenerowano: " + Timestamp.local(runtime.clock.now()), note: note)
        let path = output ?? scope.baseName + "." + format.fileExtension
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RuntimeError.cannotWrite(path: path, detail: error.localizedDescription)
        }
        let calls = entries.filter(scope.contains).count
        var detail = ["format": format.rawValue, "period": period.label, "file": path, "calls": String(calls)]
        if let team { detail["team"] = team }
        if let agent { detail["agent"] = agent }
        try runtime.audit.append(actor: AuditLog.commandLineActor, action: "export", detail: detail)
        return ReportResult(path: path, calls: calls, period: period, problems: problems)
    }
}
