import Foundation
import SORCore
import SORReports
import SORSite

/// Writes the static site: renders pages from the store, copies static assets and each call's recording.
///
/// A build holds one call in memory at a time and keeps only its index entry, so its memory does not grow with
/// the number of calls (it once held every call and every page at once: 44 KiB a call). With a `SiteIndex`
/// that outlives the build (the watcher's), calls unchanged since the last build are not read again.
public struct SitePublisher: Sendable {
    public let workspace: Workspace
    public let store: CallStore
    public let index: SiteIndex
    /// Whether each call's recording is copied out for its player (off only for benchmarks of the pages alone).
    public var recordings = true
    /// The scoring in use by the process (the runtime's), for the criteria's guidance; nil: read the scorecards file.
    public var scorer: Scorer?
    /// Told each phase of a build and its seconds, in order (the site benchmark prints them).
    public var phases: (@Sendable (String, TimeInterval) -> Void)?

    public init(workspace: Workspace, store: CallStore, index: SiteIndex = SiteIndex()) {
        self.workspace = workspace
        self.store = store
        self.index = index
    }

    /// Rebuilds the site; returns the number of pages written and any calls that could not be read.
    @discardableResult
    /// `downloads: false` leaves the pages' downloads (XLSX, CSV, period PDFs) for `writeDownloads()`: the watcher
    /// publishes a new call's pages at once and the files made from many calls when it is idle (at 10,000 calls they
    /// took as long again as the pages).
    public func build(downloads: Bool = true) throws -> (pages: Int, problems: [String]) {
        let fm = FileManager.default
        var clock = PhaseClock(report: phases)
        let renderer = try renderer()
        try store.vault.check(dataDirectory: workspace.data)
        let site = workspace.site
        let files = try SiteFiles(workspace.config.site)
        try copyTree(workspace.templates + "/static", to: site + "/static", files: files)

        let folders = store.folders()
        let calls = folders.sorted(by: { $0.key < $1.key })
        try fm.createDirectory(atPath: searchSources, withIntermediateDirectories: true)
        // Calls are rendered on every core: each worker takes the next call, reads it, writes its page, search file
        // and recording, and keeps its index entry. A call is independent of every other, and each worker holds
        // one call at a time, so memory grows with the cores, not the calls.
        let results = Slots<CallResult>(count: calls.count)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, calls.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let slot = results.next() {
                let (id, folder) = calls[slot]
                do {
                    results.store(slot, try publish(id, folder: folder, renderer: renderer, files: files))
                } catch {
                    results.store(slot, .failed(error))
                }
            }
        }
        var entries: [IndexEntry] = []
        var problems: [String] = []
        var pages = 1
        var changed: Set<String> = []
        // The agents, teams and cards whose pages a changed or erased call is on (before and after the change).
        var affected: Set<String> = []
        for result in results.all {
            switch result {
            case .unchanged(let entry):
                entries.append(entry)
            case .rendered(let entry, let problem, let previous):
                entries.append(entry)
                changed.insert(entry.id)
                affected.formUnion(Self.pageNames(entry))
                if let previous { affected.formUnion(Self.pageNames(previous)) }
                pages += 1
                if let problem { problems.append(problem) }
            case .unreadable(let problem):
                problems.append(problem)
            case .failed(let error):
                throw error
            case nil:
                continue
            }
        }
        clock.lap("calls (read, render, write each changed call)")
        try files.write(renderer.callsPage(entries), to: site + "/calls.html")
        clock.lap("calls.html")
        for (name, page) in renderer.dashboardPages(entries) { try files.write(page, to: site + "/" + name) }
        try files.write(renderer.searchPage(), to: site + "/search.html")
        try files.write(uploadPage(entries, renderer: renderer, person: nil), to: site + "/upload.html")
        try files.write(
            renderer.quarantinePage(QuarantineNote.all(in: workspace.failed) + ImportFailures.all(workspace)), to: site + "/quarantine.html")
        clock.lap("dashboard, search and quarantine pages")
        // Agents', teams' and scorecards' pages: only those a changed or erased call is on, unless the set of pages
        // or the templates changed (a new name can change another's link); pages no call names any more go.
        let live = Set(folders.keys)
        for gone in index.entries(notIn: live) { affected.formUnion(Self.pageNames(gone)) }
        let names = Set(entries.flatMap(Self.pageNames))
        let last = index.swapPagesState((names, renderer.templatesFingerprint))
        let only: Set<String>? = last?.names == names && last?.templates == renderer.templatesFingerprint ? affected : nil
        let people = renderer.personPages(entries, only: only).merging(renderer.cardPages(entries, only: only)) { a, _ in a }
        let pagePaths = renderer.personAndCardPagePaths(entries)
        for folder in ["agents", "teams", "cards"] {
            try fm.createDirectory(atPath: site + "/" + folder, withIntermediateDirectories: true)
            for name in (try? fm.contentsOfDirectory(atPath: site + "/" + folder)) ?? [] where !pagePaths.contains(folder + "/" + name) {
                try? fm.removeItem(atPath: site + "/" + folder + "/" + name)
            }
        }
        for (name, page) in people { try files.write(page, to: site + "/" + name) }
        clock.lap("agent, team and scorecard pages")
        index.deferDownloads(entries, changed: changed)
        if downloads {
            try writeDownloads(renderer: renderer, files: files)
            clock.lap("downloads")
        }
        try files.write(renderer.reportsPage(ScheduledReports.listing(site: site)), to: site + "/reports/index.html")
        let oldest = entries.sorted { ($0.time, $0.id) < ($1.time, $1.id) }.map(\.id)
        index.search = try SearchIndex.build(
            site: site, sources: searchSources, ids: oldest, changed: changed, previous: index.search, files: files)
        try FileManager.default.createDirectory(atPath: site + "/data", withIntermediateDirectories: true)
        clock.lap("search index")
        try files.write(renderer.callsData(entries), to: site + "/data/calls.json")
        clock.lap("data/calls.json")
        problems += try buildViews(entries, changed: changed, renderer: renderer, files: files)
        clock.lap("views of team leads, evaluators and agents")
        problems += try buildCalibration(entries, folders: folders, renderer: renderer, files: files)
        clock.lap("calibration sessions")
        // Pages of calls that no longer exist are removed, so the site always mirrors data/.
        index.keep(live)
        for name in (try? fm.contentsOfDirectory(atPath: site + "/calls")) ?? [] where !live.contains(name) {
            try? fm.removeItem(atPath: site + "/calls/" + name)
        }
        return (pages, problems)
    }

    /// The upload page for the whole site (`person` nil: admins and managers; the watcher refuses a manager's
    /// uploads, saying why) or a view's person, offering the teams, agents and cards of these calls.
    func uploadPage(_ entries: [IndexEntry], renderer: SiteRenderer, person: SiteUser?) -> Data {
        let named = { (values: [String]) in Array(Set(values.filter { !$0.isEmpty && $0 != "—" })).sorted() }
        guard let person else {
            return renderer.uploadPage(allowed: true, teams: named(entries.map(\.team)), teamNeeded: false, agents: named(entries.map(\.agent)))
        }
        let allowed = person.role == .teamLead || person.role == .evaluator || person.role == .admin
        return renderer.uploadPage(
            allowed: allowed, teams: person.teams, teamNeeded: person.role != .admin, agents: named(entries.map(\.agent)))
    }

    /// The names whose pages show this call: `agent:NAME`, `team:NAME`, `card:ID`.
    static func pageNames(_ entry: IndexEntry) -> [String] {
        ["agent:" + entry.agent, "team:" + entry.team] + entry.scores.map { "card:" + $0.card }
    }

    /// What became of one call in a build.
    enum CallResult {
        /// Unchanged since this index's last build: nothing read or written.
        case unchanged(IndexEntry)
        /// Page and search file written; `problem` when its recording could not be copied out.
        case rendered(IndexEntry, problem: String?, previous: IndexEntry?)
        /// The call's files could not be read (reported; the build goes on).
        case unreadable(String)
        /// The site could not be written: the build stops with this error.
        case failed(Error)
    }

    /// Where each call's search source is kept (`var/search/ID.json`), apart from the site.
    private var searchSources: String { workspace.work + "/search" }

    /// One call's page, search file and recording, unless its folder is unchanged since this index last saw it.
    private func publish(_ id: String, folder: String, renderer: SiteRenderer, files: SiteFiles) throws -> CallResult {
        let fm = FileManager.default
        let site = workspace.site
        let page = "\(site)/calls/\(id)/index.html"
        let searchFile = "\(searchSources)/\(id).json"
        let fingerprint = FolderFingerprint(folder)
        if let fingerprint, let entry = index.entry(id, ifUnchanged: fingerprint), fm.fileExists(atPath: page),
            fm.fileExists(atPath: searchFile)
        {
            return .unchanged(entry)
        }
        let document: CallDocument
        do {
            document = try store.load(folder: folder)
        } catch {
            return .unreadable(error.localizedDescription)
        }
        try files.write(renderer.callPage(document), to: page)
        // The evaluation PDF a QA manager sends on: from the same document, stamped with the call's revision rather
        // than the clock, so an unchanged call rewrites nothing.
        let stamp = "Stan danych: wersja \(document.call.revision)" + (document.call.updatedAt.map { ", " + Format.dateTime($0) } ?? "")
        var pdfProblem: String?
        let pdfPath = "\(site)/calls/\(id)/\(SiteRenderer.pdfFile(document.call))"
        // A PDF takes longer to make than the page (fonts embedded, pages laid out), and depends on the call's
        // results only, not on the templates: it is made again only when its stamp (the results' revision and
        // scorecards, the site's title, the layout's version) no longer matches the one written with it.
        let pdfStamp = Data([
            CallPDF.layoutVersion, String(document.call.revision), document.call.updatedAt ?? "", document.call.processing?.finishedAt ?? "",
            document.evaluation?.scorecardsSha256 ?? "", workspace.config.site.title,
        ].joined(separator: "\n").utf8)
        let stampPath = "\(site)/calls/\(id)/.pdf-stamp"
        if fm.contents(atPath: stampPath) != pdfStamp || !fm.fileExists(atPath: pdfPath) {
            do {
                let pdf = try CallPDF.render(document, generated: stamp, siteTitle: workspace.config.site.title)
                try files.write(pdf, to: pdfPath)
                try files.write(pdfStamp, to: stampPath)
            } catch let error as ReportError {
                pdfProblem = "\(id): its PDF could not be made: \(error.localizedDescription)"
            }
        }
        // The search source is the build's own (only `SearchIndex.build` reads it), so it is kept out of the site.
        let source = try SearchIndex.encoder.encode(SearchIndex.callFile(document, lemmatizer: .shared))
        if fm.contents(atPath: searchFile) != source { try FileSystem.writeAtomically(source, to: searchFile, mode: 0o600) }
        // The player needs the recording in the clear: it is opened from the sealed store once, and again only
        // when its size no longer matches the original's.
        var problem = pdfProblem
        let target = "\(site)/calls/\(id)/\(document.call.audioFile)"
        let size = (try? fm.attributesOfItem(atPath: target)[.size] as? Int64) ?? nil
        if recordings && size != document.call.source.bytes {
            do {
                try store.exportAudio(of: document.call, in: folder, to: target, mode: SiteFiles.mode)
            } catch {
                problem = [problem, error.localizedDescription].compactMap { $0 }.joined(separator: "; ")
            }
        }
        if recordings { try files.own(target) }
        let entry = renderer.indexEntry(document)
        let previous = index.known(id)
        if let fingerprint { index.remember(id, entry, fingerprint: fingerprint) }
        return .rendered(entry, problem: problem, previous: previous)
    }

    /// The pages' XLSX and CSV files. Only those whose calls changed since this index last wrote them are made
    /// again (a download's fingerprint is its calls' ids; a call re-rendered in this build changes it too), and
    /// downloads of pages that are gone are removed.
    /// The renderer over the workspace's templates, with the criteria's guidance from the scorecards.
    func renderer() throws -> SiteRenderer {
        let fm = FileManager.default
        let templatesDirectory = workspace.templates
        var templates: [String: String] = [:]
        let names = (try? fm.contentsOfDirectory(atPath: templatesDirectory)) ?? []
        for name in names where name.hasSuffix(".mustache") {
            templates[String(name.dropLast(".mustache".count))] = try String(contentsOfFile: templatesDirectory + "/" + name, encoding: .utf8)
        }
        // Criteria's guidance (Markdown in scorecards.yaml) for the call pages: from the scorecards the runtime's
        // scorer holds (loaded once, swapped when the file changes), rendered once per version of them; without
        // valid scorecards the pages show none rather than fail.
        let scorecards = scorer.map { $0.current?.scorecards } ?? (try? ScorecardLoader.load(workspace: workspace))
        let guidance = index.guidance(scorecards?.sha256 ?? "") {
            var guidance: [String: String] = [:]
            for card in scorecards?.set.cards ?? [] {
                for criterion in card.sections.flatMap(\.criteria) where !criterion.description.isEmpty {
                    guidance[card.id + "/" + criterion.id] = Markdown.html(criterion.description)
                }
            }
            return guidance
        }
        return try SiteRenderer(
            templates: templates,
            settings: SiteSettings(
                title: workspace.config.site.title, language: workspace.config.site.language, guidance: guidance,
                cards: scorecards?.set.cards.map(\.id) ?? []),
            directory: templatesDirectory)
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

/// Times the phases of a build for `SitePublisher.phases`.
struct PhaseClock {
    let report: (@Sendable (String, TimeInterval) -> Void)?
    var last = Date()

    init(report: (@Sendable (String, TimeInterval) -> Void)?) {
        self.report = report
    }

    mutating func lap(_ phase: String) {
        guard let report else { return }
        let now = Date()
        report(phase, now.timeIntervalSince(last))
        last = now
    }
}
