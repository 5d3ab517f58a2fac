import Foundation

/// What became of a recording uploaded from the browser, for the upload page: `site/upload-status/USER/FILE.json`
/// (nginx serves each user their own folder at `/api/upload-status/`). States: `queued` (taken from the upload
/// folder), `waiting` (the speech engine is down; it is tried again), `processed` (with the call), `duplicate`
/// (with the call it already is), `refused` (with the reason; the file is kept in `inbox/failed/`).
enum UploadStatus {
    static func write(_ workspace: Workspace, user: String, file: String, state: String, call: String? = nil, reason: String? = nil, now: Date) {
        guard InboxLayout.isUserName(user) else { return }
        var status = ["state": state, "file": file, "time": Timestamp.iso(now)]
        if let call { status["call"] = call }
        if let reason { status["reason"] = reason }
        guard let data = try? JSONSerialization.data(withJSONObject: status, options: [.sortedKeys]) else { return }
        try? SiteFiles(workspace.config.site).write(data, to: "\(workspace.site)/upload-status/\(user)/\(file).json")
    }
}
