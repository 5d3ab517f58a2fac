import Foundation
import Testing
@testable import SORCore
@testable import SORRuntime
@testable import SORSite

/// A workspace in a scratch folder, with sign-in on when `users` are given (role per login).
private func workspace(_ scratch: Scratch, users: [String: SiteUser] = [:]) throws -> Workspace {
    let workspace = Workspace(config: Config(), root: URL(fileURLWithPath: scratch.root))
    for (login, _) in users { try Htpasswd.set(login, password: "password-\(login)", cost: 4, at: workspace.access + "/htpasswd") }
    try Roles(people: users).write(to: workspace.access + "/roles.yaml")
    return workspace
}

@Suite("Users, roles and what they may do")
struct RolesTests {
    @Test("passwords are bcrypt hashes that check the right password only")
    func passwords() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.root + "/htpasswd"
        try Htpasswd.set("anna", password: "correct horse", cost: 4, at: path)
        try Htpasswd.set("jan", password: "battery staple", cost: 4, at: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("anna:$2b$04$") && !text.contains("correct horse"))
        #expect(Htpasswd.verify("anna", password: "correct horse", at: path))
        #expect(!Htpasswd.verify("anna", password: "battery staple", at: path))
        #expect(!Htpasswd.verify("nobody", password: "correct horse", at: path))
        #expect(try Htpasswd.remove("jan", at: path) && Htpasswd.users(at: path) == ["anna"])
    }

    @Test("the roles file round-trips, and a role missing its teams or agent is located")
    func rolesFile() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let roles = Roles(people: [
            "anna": SiteUser(login: "anna", role: .admin),
            "ewa": SiteUser(login: "ewa", role: .teamLead, teams: ["Sprzedaż \"B2B\""]),
            "jan": SiteUser(login: "jan", role: .agent, agent: "Jan Kowalski"),
        ])
        try roles.write(to: scratch.root + "/roles.yaml")
        #expect(try Roles.load(scratch.root + "/roles.yaml") == roles)
        // After the last user is removed the file still reads, as no users.
        try Roles().write(to: scratch.root + "/empty.yaml")
        #expect(try Roles.load(scratch.root + "/empty.yaml") == Roles())
        try Data("users:\n".utf8).write(to: URL(fileURLWithPath: scratch.root + "/bare.yaml"))
        #expect(try Roles.load(scratch.root + "/bare.yaml") == Roles())
        try Data("users:\n  ewa: {role: evaluator}\n  jan: {role: agent}\n  x: {role: boss}\n".utf8).write(to: URL(fileURLWithPath: scratch.root + "/bad.yaml"))
        #expect {
            try Roles.load(scratch.root + "/bad.yaml")
        } throws: { error in
            let text = (error as? RuntimeError)?.localizedDescription ?? ""
            return text.contains("ewa is evaluator and needs teams") && text.contains("jan is an agent and needs agent") && text.contains("users.x.role must be one of")
                && !text.contains("users.x is an agent")
        }
    }

    @Test("who may change what: managers nothing, agents dispute their own calls, team leads evaluate, decide disputes and coach their team, evaluators correct and evaluate theirs, deletion is an admin's")
    func edits() throws {
        let people: [String: SiteUser] = [
            "anna": SiteUser(login: "anna", role: .admin), "marta": SiteUser(login: "marta", role: .manager),
            "tomek": SiteUser(login: "tomek", role: .teamLead, teams: ["A"]), "ewa": SiteUser(login: "ewa", role: .evaluator, teams: ["A", "B"]),
            "jan": SiteUser(login: "jan", role: .agent, agent: "Jan"),
        ]
        let scratch = try Scratch()
        defer { scratch.remove() }
        let access = try Access(workspace: try workspace(scratch, users: people))
        #expect(access.enforced)
        func may(_ login: String, _ kind: EditKind, team: String = "A") -> Bool { access.refusal(login, kind, team: team, agent: "Jan") == nil }
        for kind in EditKind.allCases {
            #expect(may("anna", kind, team: "Z"))
            #expect(!may("marta", kind))
            #expect(may("jan", kind) == (kind == .evaluationDispute), "\(kind)")
            let evaluates = ![.callDelete, .evaluationDispute, .coachingNote].contains(kind)
            #expect(may("ewa", kind) == evaluates && may("ewa", kind, team: "B") == evaluates && !may("ewa", kind, team: "C"), "\(kind)")
            #expect(may("tomek", kind) == [.evaluationManual, .disputeResolve, .coachingNote].contains(kind) && !may("tomek", kind, team: "B"), "\(kind)")
        }
        #expect(access.refusal("jan", .evaluationDispute, team: "A", agent: "Piotr")?.contains("only the call's own agent") == true)
        #expect(access.refusal("nobody", .transcriptText, team: "A", agent: "Jan")?.contains("no role") == true)
        #expect(access.refusal("jan", .evaluationManual, team: "A", agent: "Jan")?.hasPrefix("jan is agent") == true)
        // Uploads: admins, and team leads and evaluators for their own teams, named in the metadata.
        #expect(access.uploadRefusal("anna", team: nil) == nil)
        #expect(access.uploadRefusal("ewa", team: "B") == nil && access.uploadRefusal("tomek", team: "A") == nil)
        #expect(access.uploadRefusal("ewa", team: "C")?.contains("names team C") == true)
        #expect(access.uploadRefusal("ewa", team: nil)?.contains("choose the recording's team") == true)
        #expect(access.uploadRefusal("marta", team: "A") != nil && access.uploadRefusal("jan", team: "A") != nil)
        // Without any user (one machine, loopback), nothing is refused.
        let open = try Scratch()
        defer { open.remove() }
        let local = try Access(workspace: try workspace(open))
        #expect(!local.enforced && local.refusal("someone", .callDelete, team: "", agent: "") == nil && local.uploadRefusal("someone", team: nil) == nil)
    }

    @Test("a view per login whose role reads only some calls, holding exactly those")
    func views() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let access = try Access(workspace: try workspace(scratch, users: [
            "anna": SiteUser(login: "anna", role: .admin), "marta": SiteUser(login: "marta", role: .manager),
            "ewa": SiteUser(login: "ewa", role: .evaluator, teams: ["A", "B"]), "jan": SiteUser(login: "jan", role: .agent, agent: "Jan"),
        ]))
        let views = SiteViews.views(access)
        #expect(views.map(\.login) == ["ewa", "jan"])
        func entry(_ team: String, _ agent: String) -> IndexEntry {
            IndexEntry(
                id: team + agent, time: "2026-11-02T10:00:00Z", file: "x.wav", duration: 60, agent: agent, team: team, language: "pl",
                status: "transcribed", needsReview: false, excerpt: "", scores: [])
        }
        #expect(views[0].holds(entry("B", "Ola")) && !views[0].holds(entry("C", "Jan")))
        #expect(views[1].holds(entry("C", "Jan")) && !views[1].holds(entry("A", "Ola")))
    }
}

@Suite("The generated nginx configuration")
struct NginxConfigTests {
    func config(_ workspace: Workspace, listen: String = "127.0.0.1:8443") throws -> NginxConfig {
        NginxConfig(
            workspace: workspace, listen: listen, tls: TLSFiles.Pair(certificate: "/c.pem", key: "/k.pem", authority: nil),
            access: try Access(workspace: workspace), workerUser: "www-data", localUser: "local")
    }

    @Test("open without users on loopback only; listen addresses, host names and paths are checked")
    func validation() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let open = try workspace(scratch)
        try config(open).validate()
        for address in ["0.0.0.0:443", "192.168.1.5:8443", "[::]:443"] {
            #expect(throws: RuntimeError.self) { try config(open, listen: address).validate() }
        }
        for address in ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", "bad host:80", "x;y:80", "127.0.0.1:80; include /etc/passwd"] {
            #expect(throws: RuntimeError.self) { try config(open, listen: address).validate() }
        }
        let signed = try Scratch()
        defer { signed.remove() }
        try config(try workspace(signed, users: ["anna": SiteUser(login: "anna", role: .admin)]), listen: "0.0.0.0:443").validate()
    }

    @Test("the text: Debian's MIME types, the headers, read rules per login, and writes only into the users' folders")
    func render() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let text = try config(try workspace(scratch, users: [
            "anna": SiteUser(login: "anna", role: .admin), "jan.k": SiteUser(login: "jan.k", role: .agent, agent: "Jan"),
        ])).render()
        #expect(text.contains("include /etc/nginx/mime.types;"))
        #expect(text.components(separatedBy: "types {").count == 2, "one types block, which adds to mime.types")
        #expect(text.contains("Content-Security-Policy \"\(NginxConfig.contentSecurityPolicy)\""))
        #expect(text.contains("Strict-Transport-Security") && text.contains("X-Content-Type-Options nosniff"))
        #expect(text.contains("user www-data;") && text.contains("auth_basic_user_file"))
        #expect(text.contains("\"anna\" all;") && text.contains("\"jan.k\" view;"))
        #expect(text.contains("\"~^view:jan\\.k:/v/jan\\.k(?:/|$)\" $uri;"), "a login's dots are literal in its rule")
        #expect(text.contains("alias \(scratch.root)/inbox/edits/$remote_user/$1;"))
        #expect(text.contains("alias \(scratch.root)/inbox/uploads/$remote_user/$1;"))
        #expect(text.contains("limit_except GET { deny all; }") && text.contains("location /api/ { return 403; }"))
    }
}

@Suite("Who saw what: nginx's log in the audit trail")
struct AccessAuditTests {
    func request(_ uri: String, user: String = "jan", status: Int = 200, method: String = "GET") -> AccessAudit.Request {
        AccessAudit.Request(time: "2026-12-03T10:00:00+00:00", user: user, address: "10.0.0.7", method: method, uri: uri, status: status, bytes: 10)
    }

    @Test("views, plays, downloads, refused reads and failed sign-ins are kept; assets, data and anonymous 401s are not")
    func classification() {
        let kept: [(AccessAudit.Request, String, String?, String)] = [
            (request("/calls/abc/"), "view", "abc", "ok"),
            (request("/v/jan/calls/abc/index.html"), "view", "abc", "ok"),
            (request("/v/jan/calls/abc/audio.wav", status: 206), "listen", "abc", "ok"),
            (request("/calls/abc/ocena-abc.pdf"), "download", "abc", "ok"),
            (request("/calls/xyz/", status: 403), "view", "xyz", "refused"),
            (request("/downloads/agents/jan.xlsx"), "download", nil, "ok"),
            (request("/reports/weekly/2026-11.pdf"), "download", nil, "ok"),
            (request("/index.html", status: 401), "login-failed", nil, "refused"),
        ]
        for (input, action, call, outcome) in kept {
            let record = AccessAudit.record(for: input)
            #expect(record?.action == action && record?.call == call && record?.outcome == outcome, "\(input.uri)")
            #expect(record?.actor == "user:jan")
        }
        #expect(AccessAudit.record(for: request("/v/jan/calls/abc/"))?.detail?["view"] == "jan")
        for ignored in [
            request("/static/sor.css"), request("/data/calls.json"), request("/search/terms/3.json"), request("/index.html"),
            request("/index.html", user: "", status: 401), request("/api/edits/x.json", status: 201, method: "PUT"),
            request("/calls/abc/", status: 404),
        ] {
            #expect(AccessAudit.record(for: ignored) == nil, "\(ignored.uri)")
        }
    }

    @Test("each line is ingested once, across appends and a rotation, and a torn last line waits for its end")
    func ingest() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let workspace = try workspace(scratch)
        let audit = AuditLog(directory: scratch.root + "/audit", keyDirectory: scratch.root + "/keys")
        let access = AccessAudit(workspace: workspace, audit: audit)
        let log = workspace.work + "/nginx/access.log"
        try FileManager.default.createDirectory(atPath: workspace.work + "/nginx", withIntermediateDirectories: true)
        func line(_ uri: String, _ status: Int = 200) -> String {
            "{\"time\":\"2026-12-03T10:00:00+00:00\",\"user\":\"jan\",\"address\":\"127.0.0.1\",\"method\":\"GET\",\"uri\":\"\(uri)\",\"status\":\(status),\"bytes\":1}\n"
        }
        func append(_ text: String, to path: String = log) throws {
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }
        try append(line("/calls/a/") + line("/static/sor.css") + "not json\n" + line("/calls/b/ocena-b.pdf") + "{\"time\":\"2026")
        let first = try access.ingest()
        #expect(first == AccessAudit.Outcome(lines: 4, recorded: 2, unreadable: 1))
        #expect(try access.ingest() == AccessAudit.Outcome())
        // The torn line's end arrives, then logrotate moves the file and nginx opens a new one.
        try append("-12-03T10:00:01+00:00\",\"user\":\"jan\",\"address\":\"127.0.0.1\",\"method\":\"GET\",\"uri\":\"/calls/c/\",\"status\":200,\"bytes\":1}\n")
        try append(line("/calls/d/"))
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try append(line("/calls/e/", 403))
        let second = try access.ingest()
        #expect(second.recorded == 3)
        #expect(audit.events().compactMap(\.call) == ["a", "b", "c", "d", "e"])
        #expect(audit.verify().problems.isEmpty)
        let report = AccessReport(events: audit.events(), from: nil, to: nil, user: "jan")
        #expect(report.lines.count == 5 && report.text.contains("jan: 5 events, 5 calls") && report.text.contains("view (refused)  e"))
    }
}
