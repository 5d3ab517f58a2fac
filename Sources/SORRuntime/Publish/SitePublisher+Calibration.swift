import Foundation
import SORCore
import SORReports
import SORSite

/// The calibration pages: `calibration/` of the site (every session, the set-up form, and each session's page and,
/// once complete, its results as CSV) and of each view whose person is an evaluator of a session (their sessions,
/// with their own answers and forms). Rendered on every build, since a session changes without any call changing;
/// pages whose bytes are the same are not written again, so an unchanged session rewrites nothing.
extension SitePublisher {
    func buildCalibration(_ entries: [IndexEntry], folders: [String: String], renderer: SiteRenderer, files: SiteFiles) throws -> [String] {
        let (sessions, problems) = store.calibration.all()
        let access = try? Access(workspace: workspace)
        let enforced = access?.enforced ?? false
        let people = access?.roles.people ?? [:]
        // The forms need each open session's calls: the recording's file and the transcript (read once per build).
        var calls: [String: CalibrationCall] = [:]
        for session in sessions where !session.isComplete {
            for id in Set(session.items.map(\.call)) where calls[id] == nil {
                guard let folder = folders[id], let record = try? store.record(in: folder) else { continue }
                calls[id] = CalibrationCall(audioFile: record.audioFile, analysis: try? store.analysis(in: folder))
            }
        }
        let candidates = people.values
            .filter { [.admin, .evaluator, .teamLead].contains($0.role) }
            .sorted { $0.login < $1.login }
            .map { SiteRenderer.CalibrationCandidate(login: $0.login, role: $0.role.rawValue, teams: $0.teams) }
        let root = workspace.site + "/calibration"
        try write(
            sessions, to: root, files: files, renderer: renderer,
            index: renderer.calibrationIndexPage(sessions, reader: .site(answering: true), calls: entries, evaluators: candidates)
        ) { session in
            // The site's page carries the forms when someone who reads the whole site (an admin) is an evaluator.
            let answering = !enforced || session.evaluators.contains { people[$0]?.role.readsEverything == true }
            return renderer.calibrationPage(session, reader: .site(answering: answering), calls: calls)
        }
        for view in access.map(SiteViews.views) ?? [] {
            let own = sessions.filter { $0.evaluators.contains(view.login) }
            try write(
                own, to: workspace.site + "/" + SiteViews.folder + "/" + view.login + "/calibration", files: files, renderer: renderer,
                index: renderer.calibrationIndexPage(own, reader: .person(view.login))
            ) { renderer.calibrationPage($0, reader: .person(view.login), calls: calls) }
        }
        return problems
    }

    /// Writes a folder's index and session pages (with each complete session's CSV) and removes any other file.
    private func write(
        _ sessions: [CalibrationSession], to folder: String, files: SiteFiles, renderer: SiteRenderer, index: Data,
        page: (CalibrationSession) -> Data
    ) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var wanted: Set<String> = ["index.html"]
        for session in sessions {
            try files.write(page(session), to: folder + "/" + session.id + ".html")
            wanted.insert(session.id + ".html")
            if let results = session.results {
                try files.write(CSV.document(Sheet.calibration(session, results)), to: folder + "/" + session.id + ".csv")
                wanted.insert(session.id + ".csv")
            }
        }
        // The list last: a page it links to is there before the link (the set-up form waits for the list).
        try files.write(index, to: folder + "/index.html")
        for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where !wanted.contains(name) {
            try? fm.removeItem(atPath: folder + "/" + name)
        }
    }
}
