import Foundation

/// After `sor users` changes who may see what (`access/htpasswd`, `access/roles.yaml`), the site is published
/// again, so each person's view (`site/v/LOGIN/`) holds what their role now covers. (`sor users` itself reloads
/// nginx with the matching read rules.)
final class AccessOnChange: WatchJob {
    let name = "access"
    let cadence = Cadence.everyPass
    private let runtime: Runtime
    private let log: (String) -> Void
    private var last: [Int]?

    init(runtime: Runtime, log: @escaping (String) -> Void) {
        self.runtime = runtime
        self.log = log
        last = Self.state(runtime.workspace)
    }

    /// The two files' sizes and modification times (missing: -1).
    static func state(_ workspace: Workspace) -> [Int] {
        ["/htpasswd", "/roles.yaml"].flatMap { name -> [Int] in
            var info = stat()
            guard stat(workspace.access + name, &info) == 0 else { return [-1, -1, -1] }
            return [Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
        }
    }

    func run(now: Date) {
        let state = Self.state(runtime.workspace)
        guard state != last else { return }
        last = state
        log("users or roles changed (\(Workspace.accessFolderName)/): the site's views are published again")
        runtime.siteChanges.mark()
    }
}
