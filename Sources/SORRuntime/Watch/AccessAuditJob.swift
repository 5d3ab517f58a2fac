import Foundation

/// Reads nginx's access log into the audit trail every minute (`AccessAudit`), so who saw what is recorded while
/// the site is served, and at the watcher's stop.
final class AccessAuditJob: WatchJob {
    let name = "access-audit"
    let cadence = Cadence.scheduled(.every(60))
    private let access: AccessAudit
    private let log: (String) -> Void

    init(runtime: Runtime, log: @escaping (String) -> Void) {
        access = AccessAudit(workspace: runtime.workspace, audit: runtime.audit)
        self.log = log
    }

    func run(now: Date) {
        guard FileManager.default.fileExists(atPath: access.workspace.work + "/nginx/access.log") else { return }
        do {
            try access.ingest()
        } catch {
            log("error: reading nginx's access log into the audit trail: \(error.localizedDescription); it is read again in a minute")
        }
    }
}
