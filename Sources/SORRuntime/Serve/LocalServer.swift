import Foundation

/// nginx serving the site on loopback, as an unprivileged process with a generated configuration.
public struct LocalServer: Sendable {
    public let workspace: Workspace
    public let listen: String
    public var nginx = "/usr/sbin/nginx"

    public init(workspace: Workspace, listen: String? = nil) {
        self.workspace = workspace
        self.listen = listen ?? workspace.config.site.listen
    }

    /// The server `sor serve` started in this workspace, on the address it was started with; nil when none runs.
    public static func running(in workspace: Workspace) -> LocalServer? {
        let probe = LocalServer(workspace: workspace)
        guard probe.isRunning() else { return nil }
        let listen = (try? String(contentsOfFile: probe.listenPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return LocalServer(workspace: workspace, listen: listen.flatMap { $0.isEmpty ? nil : $0 })
    }

    var prefix: String { workspace.work + "/nginx" }
    var listenPath: String { prefix + "/listen" }
    var configPath: String { prefix + "/nginx.conf" }
    var pidPath: String { prefix + "/nginx.pid" }

    /// The user nginx's workers run as: when sor is started as root, `site.nginx_user` (never root); otherwise
    /// whoever runs sor, since nginx cannot change user then.
    var workerUser: String? { geteuid() == 0 ? workspace.config.site.nginxUser : nil }

    /// The configuration `start` runs (the same generator `sor nginx` prints), checked for what would be unsafe.
    public func configuration() throws -> NginxConfig {
        let config = NginxConfig(
            workspace: workspace, listen: listen, tls: try TLSFiles.pair(for: workspace),
            access: try Access(workspace: workspace), workerUser: workerUser, localUser: Self.localUser)
        try config.validate()
        if workerUser == "root" {
            throw RuntimeError.commandFailed(command: "site.nginx_user", detail: "nginx's workers must not run as root; name an unprivileged user (www-data)")
        }
        return config
    }

    /// Whose name corrections made without sign-in carry: the login running `sor serve`.
    static var localUser: String {
        let name = String(AuditLog.commandLineActor.dropFirst("cli:".count))
        return InboxLayout.isUserName(name) ? name : "local"
    }

    /// Writes the configuration, checks it with `nginx -t`, and starts nginx (or reloads a running one).
    public func start() throws {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: nginx) else {
            throw RuntimeError.commandFailed(command: nginx, detail: "nginx is not installed; run `make setup` (apt-get install nginx)")
        }
        let config = try configuration()
        try fm.createDirectory(atPath: prefix + "/tmp", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: workspace.site, withIntermediateDirectories: true)
        for folder in ["/edits", "/uploads"] { try fm.createDirectory(atPath: workspace.inbox + folder, withIntermediateDirectories: true) }
        if let user = config.workerUser { try prepare(for: user) }
        try FileSystem.writeAtomically(Data(config.render().utf8), to: configPath)
        try run(["-t", "-q"])
        try FileSystem.writeAtomically(Data((listen + "\n").utf8), to: listenPath)
        if isRunning() {
            try run(["-s", "reload"])
        } else {
            try run([])
        }
    }

    /// What an unprivileged worker needs: to reach and read the site, to write its temporary files, and to create
    /// the users' folders in `inbox/edits/` and `inbox/uploads/` (given its group, setgid, so sor reads what it writes).
    private func prepare(for user: String) throws {
        guard let entry = getpwnam(user) else {
            throw RuntimeError.commandFailed(command: "site.nginx_user", detail: "there is no user \(user) on this machine; set site.nginx_user to the user nginx runs as (www-data on Debian)")
        }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        for folder in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            let path = prefix + "/tmp/" + folder
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            chown(path, uid, gid)
        }
        chown(prefix + "/tmp", uid, gid)
        // The workers check passwords against the htpasswd file: theirs to read, not to write.
        chown(workspace.access + "/htpasswd", 0, gid)
        for folder in ["/edits", "/uploads"] {
            let path = workspace.inbox + folder
            chown(path, 0, gid)
            chmod(path, 0o2770)
            for name in InboxLayout.names(in: path) where !name.hasPrefix(".") {
                chown(path + "/" + name, uid, gid)
                chmod(path + "/" + name, 0o2770)
            }
        }
        // Every folder above the site must let the worker through.
        var path = (workspace.site as NSString).deletingLastPathComponent
        while path.count > 1 {
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & 0o001 == 0, !(info.st_gid == gid && info.st_mode & 0o010 != 0) {
                throw RuntimeError.commandFailed(
                    command: "sor serve",
                    detail: "nginx's workers run as \(user), who cannot enter \(path) (mode \(String(info.st_mode & 0o777, radix: 8))); allow it (chmod o+x \(path)) or keep the workspace elsewhere")
            }
            path = (path as NSString).deletingLastPathComponent
        }
    }

    public func stop() throws {
        guard isRunning() else { return }
        try run(["-s", "quit"])
        for _ in 0..<50 where isRunning() { usleep(100_000) }
    }

    public func isRunning() -> Bool {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return false
        }
        return kill(pid, 0) == 0
    }

    private func run(_ arguments: [String]) throws {
        let full = ["-c", configPath, "-p", prefix + "/"] + arguments
        let (status, errors) = try Command.run(nginx, full, errorLog: prefix + "/nginx-command.log")
        guard status == 0 else {
            throw RuntimeError.commandFailed(command: "nginx " + full.joined(separator: " "), detail: errors)
        }
    }
}
