import Foundation
import SORCore
import Yams

/// What a signed-in person may do.
public enum UserRole: String, CaseIterable, Sendable {
    /// Everything, and user management.
    case admin
    /// Reads every team's calls; changes nothing.
    case manager
    /// Reads their own team's calls and evaluates them.
    case teamLead = "team_lead"
    /// Reads the teams assigned to them, evaluates and corrects their calls.
    case evaluator
    /// Reads their own calls only; changes nothing.
    case agent

    /// Whether the role reads the whole site; every other role reads its own view (`site/v/LOGIN/`).
    var readsEverything: Bool { self == .admin || self == .manager }

    /// Whether the role must name teams (`team_lead`: one, `evaluator`: one or more) or an agent.
    var needsTeams: Bool { self == .teamLead || self == .evaluator }
}

/// One person in the roles file.
public struct SiteUser: Sendable, Equatable {
    public var login: String
    public var role: UserRole
    /// The teams a team lead leads or an evaluator is assigned (as the calls' metadata names them).
    public var teams: [String] = []
    /// The agent an agent's login is (as the calls' metadata names them).
    public var agent: String?

    public init(login: String, role: UserRole, teams: [String] = [], agent: String? = nil) {
        self.login = login
        self.role = role
        self.teams = teams
        self.agent = agent
    }

    /// Whether this person may read a call of this team and agent.
    public func reads(team: String, agent callAgent: String) -> Bool {
        switch role {
        case .admin, .manager: true
        case .teamLead, .evaluator: teams.contains(team)
        case .agent: agent == callAgent
        }
    }

    /// Why this person may not make this edit on a call of this team and agent; nil when they may.
    func refusal(_ kind: EditKind, team: String, agent callAgent: String) -> String? {
        let what = "\(login) is \(role.rawValue)"
        switch role {
        case .admin: return nil
        case .manager: return "\(what): managers read every team's calls but change none; ask an evaluator or the team lead"
        case .agent:
            guard kind == .evaluationDispute else {
                return "\(what): agents read their own calls and dispute their answers (evaluation.dispute); ask your team lead to correct or evaluate the call"
            }
            guard let agent, agent == callAgent else {
                return "\(what) (\(agent ?? "no agent name")): only the call's own agent (\(callAgent.isEmpty ? "none" : callAgent)) may dispute it"
            }
            return nil
        case .teamLead, .evaluator:
            guard teams.contains(team) else {
                return "\(what) for \(teams.joined(separator: ", ")), and this call is team \(team.isEmpty ? "(none)" : team)'s"
            }
            switch kind {
            case .callDelete: return "\(what): deleting a call is an admin's; ask one (the reason goes into the audit)"
            case .evaluationDispute: return "\(what): disputes are the agent's own; evaluate the call instead (evaluation.manual)"
            case .evaluationManual, .disputeResolve: return nil
            case .coachingNote:
                return role == .teamLead ? nil : "\(what): coaching notes are the team lead's"
            default:
                return role == .teamLead
                    ? "\(what): team leads evaluate their team's calls (evaluation.manual) and decide disputes; corrections (\(kind.rawValue)) are an evaluator's"
                    : nil
            }
        }
    }
}

/// The roles file (`access/roles.yaml`): who is who, written by `sor users` and readable by a person.
///
///     users:
///       anna: {role: admin}
///       ewa: {role: team_lead, teams: [Sprzedaż]}
///       jan: {role: agent, agent: Jan Kowalski}
public struct Roles: Sendable, Equatable {
    public var people: [String: SiteUser] = [:]

    public init(people: [String: SiteUser] = [:]) {
        self.people = people
    }

    /// Reads the file; a missing file is no roles (everyone signed in is treated as an admin only when there is no
    /// htpasswd either, see `Access`).
    public static func load(_ path: String) throws -> Roles {
        guard let data = FileManager.default.contents(atPath: path) else { return Roles() }
        var reader = YAMLReader(file: path)
        var roles = Roles()
        if let root = reader.root(String(decoding: data, as: UTF8.self)) {
            let top = reader.mapping(root, allowed: ["users"], context: "the roles file")
            // `users:` with nothing under it is no users (the file after the last one is removed).
            if let users = top["users"], users.scalar?.string.isEmpty != true, users.scalar?.string != "~", users.scalar?.string != "null" {
                guard case .mapping(let mapping) = users else {
                    throw RuntimeError.invalidConfig([Diagnostic(file: path, line: 1, column: 1, message: "users must be a mapping of logins to roles")])
                }
                for (key, value) in mapping {
                    guard let login = key.string else { continue }
                    let fields = reader.mapping(value, allowed: ["role", "teams", "agent"], context: "users.\(login)")
                    var role = UserRole.agent
                    let before = reader.diagnostics.count
                    reader.choice(fields["role"], "users.\(login).role", into: &role)
                    if fields["role"] == nil { reader.error(value, "users.\(login) has no role") }
                    // A role that is not one says so once, without what the default role would need as well.
                    if reader.diagnostics.count > before { continue }
                    var person = SiteUser(login: login, role: role)
                    if let teams = fields["teams"] {
                        if case .sequence(let list) = teams {
                            person.teams = list.compactMap(\.string)
                        } else {
                            reader.error(teams, "users.\(login).teams must be a list of team names")
                        }
                    }
                    if let agent = fields["agent"]?.string { person.agent = agent }
                    if role.needsTeams, person.teams.isEmpty { reader.error(value, "users.\(login) is \(role.rawValue) and needs teams: [TEAM, …]") }
                    if role == .agent, person.agent == nil { reader.error(value, "users.\(login) is an agent and needs agent: NAME (as the calls name them)") }
                    roles.people[login] = person
                }
            }
        }
        if !reader.diagnostics.isEmpty { throw RuntimeError.invalidConfig(reader.diagnostics) }
        return roles
    }

    /// The file's text: sorted by login, every value quoted.
    public var yaml: String {
        func quote(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var text = "# Who may do what in SOR (written by `sor users`). Roles: admin, manager, team_lead, evaluator, agent.\nusers:"
        text += people.isEmpty ? " {}\n" : "\n"
        for login in people.keys.sorted() {
            guard let person = people[login] else { continue }
            var fields = ["role: " + person.role.rawValue]
            if !person.teams.isEmpty { fields.append("teams: [" + person.teams.map(quote).joined(separator: ", ") + "]") }
            if let agent = person.agent { fields.append("agent: " + quote(agent)) }
            text += "  \(quote(login)): {\(fields.joined(separator: ", "))}\n"
        }
        return text
    }

    public func write(to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileSystem.writeAtomically(Data(yaml.utf8), to: path, mode: 0o640)
    }
}

/// Who may do what in this workspace: the htpasswd file's users with their roles. Without any user (a workspace
/// used on one machine, served on loopback without sign-in) there is no one to tell apart, and every edit is the
/// local user's.
public struct Access: Sendable {
    public var users: [String]
    public var roles: Roles

    public init(workspace: Workspace) throws {
        users = Htpasswd.users(at: workspace.access + "/htpasswd")
        roles = try Roles.load(workspace.access + "/roles.yaml")
    }

    /// Whether anyone can sign in (roles are enforced).
    public var enforced: Bool { !users.isEmpty }

    /// Why `login` may not add a recording (uploaded from the browser) of this team; nil when they may.
    func uploadRefusal(_ login: String, team: String?) -> String? {
        guard enforced else { return nil }
        guard let person = roles.people[login] else {
            return "\(login) has no role in \(Workspace.accessFolderName)/roles.yaml; an admin gives one with `sor users role \(login) ROLE`"
        }
        let what = "\(login) is \(person.role.rawValue)"
        switch person.role {
        case .admin: return nil
        case .manager: return "\(what): managers read every team's calls but add none; ask an evaluator or the team lead to upload it"
        case .agent: return "\(what): agents read their own calls; recordings come from the team lead, an evaluator or the exchange"
        case .teamLead, .evaluator:
            let teams = person.teams.joined(separator: ", ")
            guard let team, !team.isEmpty else {
                return "\(what) for \(teams): choose the recording's team (one of these) so that the call is one of yours"
            }
            guard person.teams.contains(team) else { return "\(what) for \(teams), and the recording's metadata names team \(team)" }
            return nil
        }
    }

    /// Why `login` may not make this edit on a call of this team and agent; nil when they may.
    func refusal(_ login: String, _ kind: EditKind, team: String, agent: String) -> String? {
        guard enforced else { return nil }
        guard let person = roles.people[login] else {
            return "\(login) has no role in \(Workspace.accessFolderName)/roles.yaml; an admin gives one with `sor users role \(login) ROLE`"
        }
        return person.refusal(kind, team: team, agent: agent)
    }
}
