import ArgumentParser
import Foundation
import SORCore
import SORRuntime

/// `sor users`: who may sign in to the site (access/htpasswd, bcrypt) and what each may do (access/roles.yaml).
struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the site's users and roles (access/htpasswd and access/roles.yaml).",
        subcommands: [Add.self, Remove.self, Passwd.self, RoleCommand.self, List.self])

    struct Assignment: ParsableArguments {
        @Option(help: "The team a team_lead leads, or a team an evaluator is assigned (repeat for several), as the calls name them.")
        var team: [String] = []
        @Option(help: "The agent an agent's login is, as the calls name them.") var agent: String?
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user with a role; the password is read from standard input.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The login (letters, digits and ._@-).") var login: String
        @Option(help: "admin, manager, team_lead, evaluator or agent.") var role: String
        @OptionGroup var assignment: Assignment
        @Option(help: "bcrypt cost (nginx checks it on every request: 5 takes ~3 ms).") var cost = Htpasswd.defaultCost
        func run() throws {
            let workspace = try options.workspace()
            let person = try UserCommands.person(login, role: role, assignment: assignment)
            guard !Htpasswd.users(at: UserCommands.htpasswd(workspace)).contains(login) else {
                throw ValidationError("\(login) exists already; change the password with `sor users passwd \(login)` or the role with `sor users role`")
            }
            try Htpasswd.set(login, password: try UserCommands.password(), cost: cost, at: UserCommands.htpasswd(workspace))
            try UserCommands.update(workspace, options: options, action: "user-add", login: login) { $0.people[login] = person }
            print("added \(login) (\(person.role.rawValue))")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user: they can no longer sign in.")
        @OptionGroup var options: GlobalOptions
        @Argument var login: String
        func run() throws {
            let workspace = try options.workspace()
            guard try Htpasswd.remove(login, at: UserCommands.htpasswd(workspace)) else { throw ValidationError("there is no user \(login)") }
            try UserCommands.update(workspace, options: options, action: "user-remove", login: login) { $0.people[login] = nil }
            print("removed \(login)")
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password (read from standard input).")
        @OptionGroup var options: GlobalOptions
        @Argument var login: String
        @Option(help: "bcrypt cost.") var cost = Htpasswd.defaultCost
        func run() throws {
            let workspace = try options.workspace()
            guard Htpasswd.users(at: UserCommands.htpasswd(workspace)).contains(login) else { throw ValidationError("there is no user \(login)") }
            try Htpasswd.set(login, password: try UserCommands.password(), cost: cost, at: UserCommands.htpasswd(workspace))
            try UserCommands.update(workspace, options: options, action: "user-passwd", login: login) { _ in }
            print("password changed for \(login)")
        }
    }

    struct RoleCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "role", abstract: "Change a user's role (and teams or agent).")
        @OptionGroup var options: GlobalOptions
        @Argument var login: String
        @Argument(help: "admin, manager, team_lead, evaluator or agent.") var role: String
        @OptionGroup var assignment: Assignment
        func run() throws {
            let workspace = try options.workspace()
            guard Htpasswd.users(at: UserCommands.htpasswd(workspace)).contains(login) else { throw ValidationError("there is no user \(login)") }
            let person = try UserCommands.person(login, role: role, assignment: assignment)
            try UserCommands.update(workspace, options: options, action: "user-role", login: login) { $0.people[login] = person }
            print("\(login) is now \(person.role.rawValue)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users and their roles.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let workspace = try options.workspace()
            let access = try Access(workspace: workspace)
            for login in access.users {
                guard let person = access.roles.people[login] else {
                    print("\(login)\t(no role: may sign in but do nothing; `sor users role \(login) ROLE`)")
                    continue
                }
                let scope = person.agent.map { "agent " + $0 } ?? (person.teams.isEmpty ? "all teams" : "teams " + person.teams.joined(separator: ", "))
                print("\(login)\t\(person.role.rawValue)\t\(scope)")
            }
        }
    }
}

enum UserCommands {
    static func htpasswd(_ workspace: Workspace) -> String { workspace.access + "/htpasswd" }

    static func person(_ login: String, role text: String, assignment: Users.Assignment) throws -> SiteUser {
        guard InboxLayout.isUserName(login) else { throw ValidationError("\"\(login)\" cannot be a login: use letters, digits and ._@- (at most 64)") }
        guard let role = UserRole(rawValue: text) else {
            throw ValidationError("unknown role \(text); roles: \(UserRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let person = SiteUser(login: login, role: role, teams: assignment.team, agent: assignment.agent)
        if role == .teamLead, assignment.team.count != 1 { throw ValidationError("a team_lead leads one team: --team NAME") }
        if role == .evaluator, assignment.team.isEmpty { throw ValidationError("an evaluator is assigned teams: --team NAME (repeat for several)") }
        if role == .agent, assignment.agent == nil { throw ValidationError("an agent's login is an agent on the calls: --agent \"NAME\"") }
        return person
    }

    /// The password from standard input: asked for twice at a terminal, else the first line.
    static func password() throws -> String {
        if isatty(0) == 1 {
            let first = String(cString: getpass("Password: "))
            let second = String(cString: getpass("Again: "))
            guard first == second else { throw ValidationError("the two passwords differ") }
            guard first.count >= 8 else { throw ValidationError("use at least 8 characters") }
            return first
        }
        guard let line = readLine(strippingNewline: true), line.count >= 8 else {
            throw ValidationError("give the password (at least 8 characters) on standard input")
        }
        return line
    }

    /// Changes the roles file, audits the change, and reloads a running `sor serve` (sign-in may have come on).
    static func update(_ workspace: Workspace, options: GlobalOptions, action: String, login: String, _ change: (inout Roles) -> Void) throws {
        let path = workspace.access + "/roles.yaml"
        var roles = try Roles.load(path)
        change(&roles)
        try roles.write(to: path)
        let runtime = try options.runtime()
        try runtime.audit.append(actor: AuditLog.commandLineActor, action: action, call: nil, outcome: "done", detail: [
            "user": login, "role": roles.people[login]?.role.rawValue ?? "-",
        ])
        try LocalServer.running(in: workspace)?.start()
    }
}
