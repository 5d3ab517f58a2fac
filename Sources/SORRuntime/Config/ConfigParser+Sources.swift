import Foundation
import SORCore
import Yams

extension ConfigParser {
    /// `sources:`: the telephone systems recordings are fetched from, each with its schedule and import rules,
    /// every value checked and located.
    static func parseSources(_ node: Node, reader: inout YAMLReader, into sources: inout [Config.Source]) {
        guard case .sequence(let items) = node else { return reader.error(node, "sources must be a list of sources") }
        var names: Set<String> = []
        for item in items {
            let keys = reader.mapping(item, allowed: [
                "name", "type", "path", "cdr", "schedule", "agent_channel", "rules", "host", "port", "user", "key_file", "password_env", "password_file", "known_hosts", "after_import", "move_to",
            ], context: "a source")
            guard let name = keys["name"]?.string, !name.isEmpty, name.count <= 64,
                name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" })
            else {
                reader.error(item, "a source needs a name of ASCII letters, digits, - and _ (its state file is var/import/NAME.json)")
                continue
            }
            if !names.insert(name).inserted { reader.error(item, "sources: the name \"\(name)\" is used twice") }
            var kind = Config.Source.Kind.asteriskDir
            if keys["type"] == nil { reader.error(item, "source \(name) needs a type (asterisk-dir)") }
            reader.choice(keys["type"], "sources.\(name).type", into: &kind)
            var source = Config.Source(name: name, kind: kind, path: "")
            reader.string(keys["path"], "sources.\(name).path", into: &source.path)
            if source.path.isEmpty { reader.error(item, "source \(name) needs a path: the monitor tree, e.g. /var/spool/asterisk/monitor") }
            reader.string(keys["host"], "sources.\(name).host", into: &source.host)
            reader.int(keys["port"], "sources.\(name).port", range: 1...65_535, into: &source.port)
            reader.string(keys["user"], "sources.\(name).user", into: &source.user)
            reader.string(keys["key_file"], "sources.\(name).key_file", into: &source.keyFile)
            reader.string(keys["password_env"], "sources.\(name).password_env", into: &source.passwordEnv)
            reader.string(keys["password_file"], "sources.\(name).password_file", into: &source.passwordFile)
            reader.string(keys["known_hosts"], "sources.\(name).known_hosts", into: &source.knownHosts)
            if kind == .asteriskSFTP {
                if source.host.isEmpty || source.user.isEmpty { reader.error(item, "source \(name) (asterisk-sftp) needs a host and a user") }
                if source.keyFile.isEmpty && source.passwordEnv.isEmpty && source.passwordFile.isEmpty {
                    reader.error(item, "source \(name) (asterisk-sftp) needs a key_file, a password_env (the variable holding the password) or a password_file")
                }
                if source.knownHosts.isEmpty {
                    reader.error(item, "source \(name) (asterisk-sftp) needs known_hosts: a file with the exchange's host key (ssh-keyscan -p PORT HOST > FILE, then check it)")
                }
            }
            reader.string(keys["cdr"], "sources.\(name).cdr", into: &source.cdr)
            if let cron = keys["schedule"] {
                reader.string(cron, "sources.\(name).schedule", into: &source.schedule)
                if !source.schedule.isEmpty {
                    do {
                        if case .every = try Schedule(parsing: source.schedule) {
                            reader.error(cron, "sources.\(name).schedule must be a cron expression such as \"*/15 * * * *\" or @hourly")
                        }
                    } catch {
                        reader.error(cron, "sources.\(name).schedule: \(error.localizedDescription)")
                    }
                }
            }
            reader.choice(keys["agent_channel"], "sources.\(name).agent_channel", into: &source.agentChannel)
            reader.choice(keys["after_import"], "sources.\(name).after_import", into: &source.afterImport)
            reader.string(keys["move_to"], "sources.\(name).move_to", into: &source.moveTo)
            if source.afterImport == .move, source.moveTo.isEmpty {
                reader.error(item, "source \(name): after_import: move needs move_to, a folder on the exchange (outside the monitor tree)")
            }
            if let rules = keys["rules"] { parseRules(rules, source: name, reader: &reader, into: &source.rules) }
            sources.append(source)
        }
    }

    private static func parseRules(_ node: Node, source: String, reader: inout YAMLReader, into rules: inout Config.ImportRules) {
        let context = "sources.\(source).rules"
        let keys = reader.mapping(node, allowed: [
            "min_duration", "max_duration", "answered_only", "directions", "queues", "extensions", "caller_numbers", "hours", "days",
            "sample", "scorecards", "agents",
        ], context: context)
        reader.double(keys["min_duration"], "\(context).min_duration", range: 0...86_400, into: &rules.minDuration)
        reader.double(keys["max_duration"], "\(context).max_duration", range: 0...86_400, into: &rules.maxDuration)
        if let answered = keys["answered_only"] {
            if let value = answered.bool { rules.answeredOnly = value } else { reader.error(answered, "\(context).answered_only must be true or false") }
        }
        if let node = keys["directions"] {
            rules.directions = list(node, "\(context).directions", reader: &reader)
            for direction in rules.directions where !["inbound", "outbound", "internal"].contains(direction) {
                reader.error(node, "\(context).directions: \"\(direction)\" is not inbound, outbound or internal")
            }
        }
        for (key, path) in [("queues", \Config.ImportRules.queues), ("extensions", \.extensions), ("caller_numbers", \.callerNumbers)] {
            guard let node = keys[key] else { continue }
            let filter = reader.mapping(node, allowed: ["include", "exclude"], context: "\(context).\(key)")
            var value = Config.ImportRules.Filter()
            if let include = filter["include"] { value.include = list(include, "\(context).\(key).include", reader: &reader) }
            if let exclude = filter["exclude"] { value.exclude = list(exclude, "\(context).\(key).exclude", reader: &reader) }
            if key == "caller_numbers" {
                for pattern in value.include + value.exclude where (try? Regex(pattern)) == nil {
                    reader.error(node, "\(context).caller_numbers: \"\(pattern)\" is not a regular expression")
                }
            }
            rules[keyPath: path] = value
        }
        if let hours = keys["hours"] {
            reader.string(hours, "\(context).hours", into: &rules.hours)
            if !rules.hours.isEmpty, ImportRuleSet.window(rules.hours) == nil {
                reader.error(hours, "\(context).hours must be HH:MM-HH:MM, e.g. 08:00-20:00")
            }
        }
        if let days = keys["days"] {
            rules.days = list(days, "\(context).days", reader: &reader)
            for day in rules.days where ImportRuleSet.weekdays.firstIndex(of: day) == nil {
                reader.error(days, "\(context).days: \"\(day)\" is not one of mon, tue, wed, thu, fri, sat, sun")
            }
        }
        if let sample = keys["sample"] {
            let fields = reader.mapping(sample, allowed: ["percent", "per"], context: "\(context).sample")
            reader.double(fields["percent"], "\(context).sample.percent", range: 0...100, into: &rules.samplePercent)
            reader.string(fields["per"], "\(context).sample.per", into: &rules.samplePer)
            if !["day", "week", "month"].contains(rules.samplePer) { reader.error(sample, "\(context).sample.per must be day, week or month") }
        }
        if let cards = keys["scorecards"] {
            guard case .sequence(let items) = cards else { return reader.error(cards, "\(context).scorecards must be a list of {queue or direction, card}") }
            for item in items {
                let fields = reader.mapping(item, allowed: ["queue", "direction", "card"], context: "\(context).scorecards")
                guard let card = fields["card"]?.string else {
                    reader.error(item, "\(context).scorecards: each entry needs a card")
                    continue
                }
                let rule = Config.ImportRules.CardRule(queue: fields["queue"]?.string, direction: fields["direction"]?.string, card: card)
                if rule.queue == nil && rule.direction == nil { reader.error(item, "\(context).scorecards: each entry needs a queue or a direction") }
                rules.cards.append(rule)
            }
        }
        if let agents = keys["agents"] {
            guard case .mapping(let mapping) = agents else { return reader.error(agents, "\(context).agents must map extensions to {agent, team}") }
            for (key, value) in mapping {
                guard let extensionNumber = key.string else { continue }
                let fields = reader.mapping(value, allowed: ["agent", "team"], context: "\(context).agents.\(extensionNumber)")
                guard let agent = fields["agent"]?.string, !agent.isEmpty else {
                    reader.error(value, "\(context).agents.\(extensionNumber) needs an agent (the name the site shows)")
                    continue
                }
                rules.agents[extensionNumber] = Config.ImportRules.Person(agent: agent, team: fields["team"]?.string)
            }
        }
    }

    /// A YAML list of scalars, or one scalar as a list of one.
    private static func list(_ node: Node, _ name: String, reader: inout YAMLReader) -> [String] {
        if let single = node.string { return [single] }
        guard case .sequence(let items) = node else {
            reader.error(node, "\(name) must be a list")
            return []
        }
        return items.compactMap { item in
            guard let text = item.string else {
                reader.error(item, "\(name) entries must be text")
                return nil
            }
            return text
        }
    }

    /// The `sources:` section as `sor config dump` prints it (values quoted, flow style for the lists).
    static func dumpSources(_ sources: [Config.Source], quote: (String) -> String, number: (Double) -> String) -> String {
        guard !sources.isEmpty else { return "sources: []" }
        func flow(_ values: [String]) -> String { "[" + values.map(quote).joined(separator: ", ") + "]" }
        func filter(_ value: Config.ImportRules.Filter) -> String { "{include: \(flow(value.include)), exclude: \(flow(value.exclude))}" }
        var text = "sources:"
        for source in sources {
            let rules = source.rules
            text += """

                  - name: \(quote(source.name))
                    type: \(source.kind.rawValue)
                    path: \(quote(source.path))
                    cdr: \(quote(source.cdr))
                    schedule: \(quote(source.schedule))
                    agent_channel: \(source.agentChannel.rawValue)
                    after_import: \(source.afterImport.rawValue)
                    move_to: \(quote(source.moveTo))
                    host: \(quote(source.host))
                    port: \(source.port)
                    user: \(quote(source.user))
                    key_file: \(quote(source.keyFile))
                    password_env: \(quote(source.passwordEnv))
                    password_file: \(quote(source.passwordFile))
                    known_hosts: \(quote(source.knownHosts))
                    rules:
                      min_duration: \(number(rules.minDuration))
                      max_duration: \(number(rules.maxDuration))
                      answered_only: \(rules.answeredOnly)
                      directions: \(flow(rules.directions))
                      queues: \(filter(rules.queues))
                      extensions: \(filter(rules.extensions))
                      caller_numbers: \(filter(rules.callerNumbers))
                      hours: \(quote(rules.hours))
                      days: \(flow(rules.days))
                      sample: {percent: \(number(rules.samplePercent)), per: \(rules.samplePer)}
                      scorecards: [\(rules.cards.map { rule in
                          "{" + ([rule.queue.map { "queue: \(quote($0))" }, rule.direction.map { "direction: \(quote($0))" }].compactMap { $0 }
                              + ["card: \(quote(rule.card))"]).joined(separator: ", ") + "}"
                      }.joined(separator: ", "))]
                      agents: {\(rules.agents.keys.sorted().map { key in
                          let person = rules.agents[key]!
                          return "\(quote(key)): {agent: \(quote(person.agent))\(person.team.map { ", team: \(quote($0))" } ?? "")}"
                      }.joined(separator: ", "))}
                """
        }
        return text
    }
}
