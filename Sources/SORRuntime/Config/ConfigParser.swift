import Foundation
import SORCore
import Yams

/// Reads `sor.yaml`. `parse` is pure; `load` wraps it with the file system.
public enum ConfigParser {
    /// Parses configuration text. The config is nil when any error was found; every problem is listed.
    public static func parse(_ text: String, file: String = "sor.yaml") -> (Config?, [Diagnostic]) {
        var reader = YAMLReader(file: file)
        var config = Config()
        guard let root = reader.root(text) else {
            // An empty file is an empty mapping: all defaults.
            return reader.diagnostics.isEmpty ? (config, []) : (nil, reader.diagnostics)
        }
        if case .scalar(let scalar) = root, scalar.string.isEmpty || root.null != nil { return (config, []) }
        let top = reader.mapping(root, allowed: ["version", "paths", "audio", "speech", "site", "watch", "security", "retention", "scoring", "diarization", "sentiment", "reports", "sources"], context: "the configuration")
        if let version = top["version"] {
            reader.int(version, "version", range: 1...Config.currentVersion, into: &config.version)
        }
        if let node = top["paths"] {
            let paths = reader.mapping(node, allowed: ["inbox", "data", "site", "templates", "scorecards", "work", "access"], context: "paths")
            reader.string(paths["inbox"], "paths.inbox", into: &config.paths.inbox)
            reader.string(paths["data"], "paths.data", into: &config.paths.data)
            reader.string(paths["site"], "paths.site", into: &config.paths.site)
            reader.string(paths["templates"], "paths.templates", into: &config.paths.templates)
            reader.string(paths["scorecards"], "paths.scorecards", into: &config.paths.scorecards)
            reader.string(paths["work"], "paths.work", into: &config.paths.work)
            reader.string(paths["access"], "paths.access", into: &config.paths.access)
        }
        if let node = top["audio"] {
            let audio = reader.mapping(node, allowed: ["min_duration", "max_duration", "max_megabytes", "silence_threshold_db"], context: "audio")
            reader.double(audio["max_megabytes"], "audio.max_megabytes", range: 0.01...1_048_576, into: &config.audio.maxMegabytes)
            reader.double(audio["min_duration"], "audio.min_duration", range: 0...3600, into: &config.audio.minDuration)
            reader.double(audio["max_duration"], "audio.max_duration", range: 1...86_400, into: &config.audio.maxDuration)
            reader.double(audio["silence_threshold_db"], "audio.silence_threshold_db", range: -120...0, into: &config.audio.silenceThresholdDB)
            if config.audio.minDuration >= config.audio.maxDuration, let mark = audio["min_duration"]?.mark {
                reader.error(at: mark, "audio.min_duration must be smaller than audio.max_duration")
            }
        }
        if let node = top["diarization"] {
            parseDiarization(node, reader: &reader, into: &config.diarization)
        }
        if let node = top["speech"] {
            parseSpeech(node, reader: &reader, into: &config.speech)
        }
        if let node = top["sentiment"] {
            parseSentiment(node, reader: &reader, into: &config.sentiment)
        }
        if let node = top["site"] {
            let site = reader.mapping(node, allowed: [
                    "title", "language", "listen", "group", "http_listen", "server_name", "certificate", "certificate_key", "acme_root",
                    "nginx_user", "upload_limit_mb",
                ], context: "site")
            reader.string(site["group"], "site.group", into: &config.site.group)
            reader.string(site["title"], "site.title", into: &config.site.title)
            reader.string(site["language"], "site.language", into: &config.site.language)
            if config.site.language != "pl" && config.site.language != "en", let node = site["language"] {
                reader.error(node, "site.language must be pl or en")
            }
            reader.string(site["listen"], "site.listen", into: &config.site.listen)
            reader.string(site["http_listen"], "site.http_listen", into: &config.site.httpListen)
            reader.string(site["server_name"], "site.server_name", into: &config.site.serverName)
            reader.string(site["certificate"], "site.certificate", into: &config.site.certificate)
            reader.string(site["certificate_key"], "site.certificate_key", into: &config.site.certificateKey)
            reader.string(site["acme_root"], "site.acme_root", into: &config.site.acmeRoot)
            reader.string(site["nginx_user"], "site.nginx_user", into: &config.site.nginxUser)
            reader.int(site["upload_limit_mb"], "site.upload_limit_mb", range: 1...4096, into: &config.site.uploadLimitMB)
            if let node = site["http_listen"], !config.site.httpListen.isEmpty, !NginxConfig.isListenAddress(config.site.httpListen) {
                reader.error(node, "site.http_listen must be HOST:PORT, e.g. 0.0.0.0:80 (or empty for none)")
            }
            if let node = site["server_name"], !NginxConfig.isHostName(config.site.serverName) {
                reader.error(node, "site.server_name must be a host name (letters, digits, dots and hyphens)")
            }
            if let node = site["listen"], !NginxConfig.isListenAddress(config.site.listen) {
                reader.error(node, "site.listen must be HOST:PORT, e.g. 127.0.0.1:8443")
            }
        }
        if let node = top["watch"] {
            let watch = reader.mapping(
                node, allowed: ["rescan_interval", "settle_seconds", "jobs", "engine_retries", "retry_delay", "engine_wait_interval", "give_up_rounds"],
                context: "watch")
            reader.double(watch["rescan_interval"], "watch.rescan_interval", range: 0.5...3600, into: &config.watch.rescanInterval)
            reader.double(watch["settle_seconds"], "watch.settle_seconds", range: 0...600, into: &config.watch.settleSeconds)
            reader.int(watch["jobs"], "watch.jobs", range: 1...64, into: &config.watch.jobs)
            reader.int(watch["engine_retries"], "watch.engine_retries", range: 0...20, into: &config.watch.engineRetries)
            reader.double(watch["retry_delay"], "watch.retry_delay", range: 0...600, into: &config.watch.retryDelay)
            reader.double(watch["engine_wait_interval"], "watch.engine_wait_interval", range: 1...86_400, into: &config.watch.engineWaitInterval)
            reader.int(watch["give_up_rounds"], "watch.give_up_rounds", range: 0...10_000, into: &config.watch.giveUpRounds)
        }
        if let node = top["security"] {
            let security = reader.mapping(node, allowed: ["key_file"], context: "security")
            reader.string(security["key_file"], "security.key_file", into: &config.security.keyFile)
            if let node = security["key_file"], config.security.keyFile.isEmpty { reader.error(node, "security.key_file must name a file") }
        }
        if let node = top["retention"] {
            let retention = reader.mapping(node, allowed: ["days", "action", "archive_dir"], context: "retention")
            reader.int(retention["days"], "retention.days", range: 0...36_500, into: &config.retention.days)
            reader.choice(retention["action"], "retention.action", into: &config.retention.action)
            reader.string(retention["archive_dir"], "retention.archive_dir", into: &config.retention.archiveDir)
        }
        if let node = top["reports"] { parseReports(node, reader: &reader, into: &config.reports) }
        if let node = top["sources"] { parseSources(node, reader: &reader, into: &config.sources) }
        if let node = top["scoring"] {
            let scoring = reader.mapping(node, allowed: ["default_cards", "rules"], context: "scoring")
            if let cards = scoring["default_cards"] { config.scoring.defaultCards = cardList(cards, "scoring.default_cards", reader: &reader) }
            if let rules = scoring["rules"] {
                guard case .sequence(let items) = rules else {
                    reader.error(rules, "scoring.rules must be a list")
                    return (nil, reader.diagnostics)
                }
                for item in items {
                    let keys = reader.mapping(item, allowed: ["file", "campaign", "team", "agent", "direction", "cards"], context: "a scoring rule")
                    var rule = Config.Scoring.Rule(cards: [])
                    rule.file = keys["file"]?.string
                    rule.campaign = keys["campaign"]?.string
                    rule.team = keys["team"]?.string
                    rule.agent = keys["agent"]?.string
                    rule.direction = keys["direction"]?.string
                    if let cards = keys["cards"] { rule.cards = cardList(cards, "scoring.rules.cards", reader: &reader) } else { reader.error(item, "a scoring rule needs cards") }
                    if keys.keys.filter({ $0 != "cards" }).isEmpty { reader.error(item, "a scoring rule needs at least one of file, campaign, team, agent, direction") }
                    config.scoring.rules.append(rule)
                }
            }
        }
        return (reader.diagnostics.isEmpty ? config : nil, reader.diagnostics)
    }

    private static func cardList(_ node: Node, _ name: String, reader: inout YAMLReader) -> [String] {
        if let single = node.string { return [single] }
        guard case .sequence(let items) = node else {
            reader.error(node, "\(name) must be a card id or a list of them")
            return []
        }
        return items.compactMap { item in
            guard let id = item.string else {
                reader.error(item, "\(name) entries must be card ids")
                return nil
            }
            return id
        }
    }

    private static func parseDiarization(_ node: Node, reader: inout YAMLReader, into d: inout Config.Diarization) {
        let keys = reader.mapping(
            node,
            allowed: ["enabled", "models_dir", "min_speakers", "max_speakers", "chunk_step", "announcement_minimum", "threads", "stereo", "channel_map",
                      "company_names", "direction", "review_below", "utterance_gap", "silence_minimum", "hold_minimum",
                      "backchannel_maximum"],
            context: "diarization")
        if let node = keys["enabled"] {
            if let value = node.bool { d.enabled = value } else { reader.error(node, "diarization.enabled must be true or false") }
        }
        reader.string(keys["models_dir"], "diarization.models_dir", into: &d.modelsDir)
        reader.int(keys["min_speakers"], "diarization.min_speakers", range: 1...20, into: &d.minSpeakers)
        reader.int(keys["max_speakers"], "diarization.max_speakers", range: 1...20, into: &d.maxSpeakers)
        if d.minSpeakers > d.maxSpeakers, let node = keys["min_speakers"] {
            reader.error(node, "diarization.min_speakers must not be larger than diarization.max_speakers")
        }
        reader.double(keys["chunk_step"], "diarization.chunk_step", range: 0.5...10, into: &d.chunkStep)
        reader.double(keys["announcement_minimum"], "diarization.announcement_minimum", range: 0...600, into: &d.announcementMinimum)
        reader.int(keys["threads"], "diarization.threads", range: 1...64, into: &d.threads)
        reader.choice(keys["stereo"], "diarization.stereo", into: &d.stereo)
        if let node = keys["channel_map"] {
            if case .sequence(let items) = node {
                var roles: [Role] = []
                for item in items {
                    if let text = item.string, let role = Role(rawValue: text.uppercased()) {
                        roles.append(role)
                    } else {
                        reader.error(item, "diarization.channel_map lists KONSULTANT or KLIENT per channel, left first")
                    }
                }
                d.channelMap = roles
            } else {
                reader.error(node, "diarization.channel_map must be a list such as [KONSULTANT, KLIENT] (left channel first), or []")
            }
        }
        if let node = keys["company_names"] {
            if case .sequence(let items) = node, items.allSatisfy({ $0.string != nil }) {
                d.companyNames = items.compactMap(\.string)
            } else {
                reader.error(node, "diarization.company_names must be a list of names")
            }
        }
        reader.choice(keys["direction"], "diarization.direction", into: &d.direction)
        reader.double(keys["review_below"], "diarization.review_below", range: 0...1, into: &d.reviewBelow)
        reader.double(keys["utterance_gap"], "diarization.utterance_gap", range: 0.1...60, into: &d.talk.utteranceGap)
        reader.double(keys["silence_minimum"], "diarization.silence_minimum", range: 0.1...600, into: &d.talk.silenceMinimum)
        reader.double(keys["hold_minimum"], "diarization.hold_minimum", range: 1...3600, into: &d.talk.holdMinimum)
        reader.double(keys["backchannel_maximum"], "diarization.backchannel_maximum", range: 0...10, into: &d.talk.backchannelMaximum)
    }

    private static func parseSpeech(_ node: Node, reader: inout YAMLReader, into speech: inout Config.Speech) {
        let keys = reader.mapping(
            node, allowed: ["engine", "url", "model", "api_key_env", "timeout", "language", "prompt", "embedded"], context: "speech")
        reader.choice(keys["engine"], "speech.engine", into: &speech.engine)
        reader.string(keys["url"], "speech.url", into: &speech.url)
        reader.string(keys["model"], "speech.model", into: &speech.model)
        reader.string(keys["api_key_env"], "speech.api_key_env", into: &speech.apiKeyEnv)
        reader.double(keys["timeout"], "speech.timeout", range: 1...86_400, into: &speech.timeout)
        reader.string(keys["language"], "speech.language", into: &speech.language)
        reader.string(keys["prompt"], "speech.prompt", into: &speech.prompt)
        if let node = keys["language"], !isLanguage(speech.language) {
            reader.error(node, "speech.language must be a two-letter language code such as pl or en, or auto")
        }
        if speech.engine == .remote {
            if speech.url.isEmpty {
                reader.error(keys["engine"] ?? node, "speech.url is required when speech.engine is remote")
            } else if !(speech.url.hasPrefix("http://") || speech.url.hasPrefix("https://")), let node = keys["url"] {
                reader.error(node, "speech.url must start with http:// or https://")
            }
        }
        if let node = keys["embedded"] {
            let embedded = reader.mapping(
                node, allowed: ["python", "script", "model_dir", "threads", "compute_type", "beam_size", "vad", "startup_timeout"],
                context: "speech.embedded")
            reader.string(embedded["python"], "speech.embedded.python", into: &speech.embedded.python)
            reader.string(embedded["script"], "speech.embedded.script", into: &speech.embedded.script)
            reader.string(embedded["model_dir"], "speech.embedded.model_dir", into: &speech.embedded.modelDir)
            reader.int(embedded["threads"], "speech.embedded.threads", range: 0...256, into: &speech.embedded.threads)
            reader.string(embedded["compute_type"], "speech.embedded.compute_type", into: &speech.embedded.computeType)
            reader.int(embedded["beam_size"], "speech.embedded.beam_size", range: 1...20, into: &speech.embedded.beamSize)
            reader.bool(embedded["vad"], "speech.embedded.vad", into: &speech.embedded.vad)
            reader.double(embedded["startup_timeout"], "speech.embedded.startup_timeout", range: 1...3600, into: &speech.embedded.startupTimeout)
            let types = ["int8", "int8_float32", "int16", "float32", "float16", "int8_float16", "default"]
            if let node = embedded["compute_type"], !types.contains(speech.embedded.computeType) {
                reader.error(node, "speech.embedded.compute_type must be one of: \(types.joined(separator: ", "))")
            }
        }
    }

    private static func parseSentiment(_ node: Node, reader: inout YAMLReader, into sentiment: inout Config.Sentiment) {
        let keys = reader.mapping(node, allowed: ["judge"], context: "sentiment")
        guard let node = keys["judge"] else { return }
        let judge = reader.mapping(node, allowed: ["enabled", "url", "model", "api_key_env", "timeout"], context: "sentiment.judge")
        if let node = judge["enabled"] {
            if let value = node.bool { sentiment.judge.enabled = value } else { reader.error(node, "sentiment.judge.enabled must be true or false") }
        }
        reader.string(judge["url"], "sentiment.judge.url", into: &sentiment.judge.url)
        reader.string(judge["model"], "sentiment.judge.model", into: &sentiment.judge.model)
        reader.string(judge["api_key_env"], "sentiment.judge.api_key_env", into: &sentiment.judge.apiKeyEnv)
        reader.double(judge["timeout"], "sentiment.judge.timeout", range: 1...3600, into: &sentiment.judge.timeout)
        if let node = judge["url"], !sentiment.judge.url.isEmpty, !(sentiment.judge.url.hasPrefix("http://") || sentiment.judge.url.hasPrefix("https://")) {
            reader.error(node, "sentiment.judge.url must start with http:// or https://")
        }
        if let node = judge["api_key_env"], sentiment.judge.apiKeyEnv.isEmpty {
            reader.error(node, "sentiment.judge.api_key_env names an environment variable (the key itself never goes in sor.yaml)")
        }
        guard sentiment.judge.enabled else { return }
        let at = judge["enabled"] ?? node
        if sentiment.judge.url.isEmpty {
            reader.error(at, "sentiment.judge.url is required when sentiment.judge.enabled is true, e.g. http://127.0.0.1:8000/v1")
        }
        if sentiment.judge.model.isEmpty {
            reader.error(at, "sentiment.judge.model is required when sentiment.judge.enabled is true (the chat model's name)")
        }
    }

    static func isLanguage(_ code: String) -> Bool {
        code == "auto" || code.count == 2 && code.allSatisfy { $0.isASCII && $0.isLowercase }
    }


    /// The effective configuration as YAML, every key spelt out (`sor config dump`).
    public static func dump(_ config: Config) -> String {
        func quote(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func number(_ value: Double) -> String { YAMLReader.format(value) }
        return """
            version: \(config.version)
            paths:
              inbox: \(quote(config.paths.inbox))
              data: \(quote(config.paths.data))
              site: \(quote(config.paths.site))
              templates: \(quote(config.paths.templates))
              scorecards: \(quote(config.paths.scorecards))
              work: \(quote(config.paths.work))
              access: \(quote(config.paths.access))
            audio:
              min_duration: \(number(config.audio.minDuration))
              max_duration: \(number(config.audio.maxDuration))
              max_megabytes: \(number(config.audio.maxMegabytes))
              silence_threshold_db: \(number(config.audio.silenceThresholdDB))
            speech:
              engine: \(config.speech.engine.rawValue)
              url: \(quote(config.speech.url))
              model: \(quote(config.speech.model))
              api_key_env: \(quote(config.speech.apiKeyEnv))
              timeout: \(number(config.speech.timeout))
              language: \(quote(config.speech.language))
              prompt: \(quote(config.speech.prompt))
              embedded:
                python: \(quote(config.speech.embedded.python))
                script: \(quote(config.speech.embedded.script))
                model_dir: \(quote(config.speech.embedded.modelDir))
                threads: \(config.speech.embedded.threads)
                compute_type: \(quote(config.speech.embedded.computeType))
                beam_size: \(config.speech.embedded.beamSize)
                vad: \(config.speech.embedded.vad)
                startup_timeout: \(number(config.speech.embedded.startupTimeout))
            site:
              title: \(quote(config.site.title))
              language: \(quote(config.site.language))
              listen: \(quote(config.site.listen))
              http_listen: \(quote(config.site.httpListen))
              server_name: \(quote(config.site.serverName))
              certificate: \(quote(config.site.certificate))
              certificate_key: \(quote(config.site.certificateKey))
              acme_root: \(quote(config.site.acmeRoot))
              nginx_user: \(quote(config.site.nginxUser))
              upload_limit_mb: \(config.site.uploadLimitMB)
              group: \(quote(config.site.group))
            watch:
              rescan_interval: \(number(config.watch.rescanInterval))
              settle_seconds: \(number(config.watch.settleSeconds))
              jobs: \(config.watch.jobs)
              engine_retries: \(config.watch.engineRetries)
              retry_delay: \(number(config.watch.retryDelay))
              engine_wait_interval: \(number(config.watch.engineWaitInterval))
              give_up_rounds: \(config.watch.giveUpRounds)
            security:
              key_file: \(quote(config.security.keyFile))
            scoring:
              default_cards: [\(config.scoring.defaultCards.map(quote).joined(separator: ", "))]
              rules:\(config.scoring.rules.isEmpty ? " []" : "")
            \(config.scoring.rules.map { rule in
                ([("file", rule.file), ("campaign", rule.campaign), ("team", rule.team), ("agent", rule.agent), ("direction", rule.direction)]
                    .compactMap { key, value in value.map { "    \(key): \(quote($0))" } } + ["    cards: [\(rule.cards.map(quote).joined(separator: ", "))]"])
                    .joined(separator: "\n").replacingOccurrences(of: "^    ", with: "  - ", options: .regularExpression)
            }.joined(separator: "\n"))
            reports:
              csv_separator: \(quote(config.reports.csvSeparator))
              schedule:\(config.reports.schedule.isEmpty ? " []" : "")
            \(config.reports.schedule.map { entry in
                "  - name: \(quote(entry.name))\n    cron: \(quote(entry.cron))\n    period: \(quote(entry.period))\n"
                    + (entry.team.map { "    team: \(quote($0))\n" } ?? "") + (entry.note.map { "    note: \(quote($0))\n" } ?? "")
                    + "    formats: [\(entry.formats.joined(separator: ", "))]"
            }.joined(separator: "\n"))
            \(dumpSources(config.sources, quote: quote, number: number))
            retention:
              days: \(config.retention.days)
              action: \(config.retention.action.rawValue)
              archive_dir: \(quote(config.retention.archiveDir))
            diarization:
              enabled: \(config.diarization.enabled)
              models_dir: \(quote(config.diarization.modelsDir))
              min_speakers: \(config.diarization.minSpeakers)
              max_speakers: \(config.diarization.maxSpeakers)
              chunk_step: \(number(config.diarization.chunkStep))
              announcement_minimum: \(number(config.diarization.announcementMinimum))
              threads: \(config.diarization.threads)
              stereo: \(config.diarization.stereo.rawValue)
              channel_map: [\(config.diarization.channelMap.map(\.rawValue).joined(separator: ", "))]
              company_names: [\(config.diarization.companyNames.map(quote).joined(separator: ", "))]
              direction: \(config.diarization.direction.rawValue)
              review_below: \(number(config.diarization.reviewBelow))
              utterance_gap: \(number(config.diarization.talk.utteranceGap))
              silence_minimum: \(number(config.diarization.talk.silenceMinimum))
              hold_minimum: \(number(config.diarization.talk.holdMinimum))
              backchannel_maximum: \(number(config.diarization.talk.backchannelMaximum))
            sentiment:
              judge:
                enabled: \(config.sentiment.judge.enabled)
                url: \(quote(config.sentiment.judge.url))
                model: \(quote(config.sentiment.judge.model))
                api_key_env: \(quote(config.sentiment.judge.apiKeyEnv))
                timeout: \(number(config.sentiment.judge.timeout))

            """
    }
}
