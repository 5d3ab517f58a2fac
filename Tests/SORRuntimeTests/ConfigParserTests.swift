import Testing
@testable import SORCore
@testable import SORRuntime

@Suite("sor.yaml")
struct ConfigParserTests {
    @Test("the defaults equal decoding an empty mapping, and an empty file")
    func defaults() {
        #expect(ConfigParser.parse("{}").0 == Config())
        #expect(ConfigParser.parse("").0 == Config())
    }

    @Test("the shipped sor.yaml is valid and spells out the defaults (plus example scoring rules and the company name for the demo)")
    func shipped() throws {
        let text = try String(contentsOfFile: repositoryRoot + "/sor.yaml", encoding: .utf8)
        let (config, diagnostics) = ConfigParser.parse(text)
        #expect(diagnostics.isEmpty)
        var expected = Config()
        expected.scoring.rules = [
            .init(campaign: "Windykacja*", cards: ["COLLECTIONS"]), .init(campaign: "Utrzymanie*", cards: ["RETENTION"]),
            .init(file: "sprzedaz-*", cards: ["SALES"]),
        ]
        expected.diarization.companyNames = ["Telkom Plus"]
        #expect(config == expected)
    }

    @Test("the diarization section: every key read, ranges and roles checked, round-trip through dump")
    func diarization() throws {
        let (config, diagnostics) = ConfigParser.parse("""
            diarization:
              min_speakers: 2
              max_speakers: 4
              stereo: mix
              channel_map: [klient, KONSULTANT]
              company_names: ["Bank Przykład", Telkom]
              direction: outbound
              review_below: 0.7
              hold_minimum: 30
            """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let d = try #require(config).diarization
        #expect(d.maxSpeakers == 4 && d.stereo == .mix && d.channelMap == [.klient, .konsultant])
        #expect(d.companyNames == ["Bank Przykład", "Telkom"] && d.direction == .outbound && d.reviewBelow == 0.7)
        #expect(d.talk.holdMinimum == 30)
        #expect(ConfigParser.parse(ConfigParser.dump(try #require(config))).0 == config)
        let (bad, problems) = ConfigParser.parse("""
            diarization:
              min_speakers: 3
              max_speakers: 2
              channel_map: [AGENT]
              stereo: both
              speakers: 2
            """)
        #expect(bad == nil)
        let messages = problems.map(\.message).joined(separator: "\n")
        #expect(messages.contains("min_speakers must not be larger"))
        #expect(messages.contains("channel_map lists KONSULTANT or KLIENT"))
        #expect(messages.contains("diarization.stereo must be one of: channels, energy, mix"))
        #expect(problems.contains { $0.message.contains("speakers") && $0.line == 6 }, "\(messages)")
    }

    @Test("scoring rules round-trip through dump")
    func scoringDump() throws {
        var config = Config()
        config.scoring.defaultCards = ["SERVICE", "SALES"]
        config.scoring.rules = [.init(file: "*.wav", team: "Zespół B", cards: ["RETENTION"])]
        let (parsed, diagnostics) = ConfigParser.parse(ConfigParser.dump(config))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(parsed == config)
    }

    @Test("dump round-trips")
    func dumpRoundTrips() {
        var config = Config()
        config.speech.engine = .remote
        config.speech.url = "http://127.0.0.1:9/v1"
        config.speech.prompt = "Telkom Plus, \"światłowód\""
        config.audio.minDuration = 2.5
        let (parsed, diagnostics) = ConfigParser.parse(ConfigParser.dump(config))
        #expect(diagnostics.isEmpty)
        #expect(parsed == config)
    }

    @Test("every problem is reported with its line and column, not just the first")
    func located() {
        let text = """
            version: 1
            paths:
              inbx: in
            audio:
              min_duration: -3
              max_duration: lots
            speech:
              engine: cloud
              language: polish
            site:
              listen: localhost
            colour: blue
            """
        let (config, diagnostics) = ConfigParser.parse(text, file: "sor.yaml")
        #expect(config == nil)
        let messages = diagnostics.map(\.description)
        #expect(messages.contains { $0.hasPrefix("sor.yaml:3:3: error: unknown key 'inbx' in paths (did you mean 'inbox'?)") })
        #expect(messages.contains("sor.yaml:5:17: error: audio.min_duration must be between 0 and 3600, not -3"))
        #expect(messages.contains("sor.yaml:6:17: error: audio.max_duration must be a number"))
        #expect(messages.contains("sor.yaml:8:11: error: speech.engine must be one of: embedded, remote"))
        #expect(messages.contains { $0.hasPrefix("sor.yaml:9:13: error: speech.language must be") })
        #expect(messages.contains("sor.yaml:11:11: error: site.listen must be HOST:PORT, e.g. 127.0.0.1:8443"))
        #expect(messages.contains { $0.hasPrefix("sor.yaml:12:1: error: unknown key 'colour' in the configuration") })
        #expect(diagnostics.count == 7)
    }

    @Test("a remote engine needs a URL")
    func remoteNeedsURL() {
        let (config, diagnostics) = ConfigParser.parse("speech:\n  engine: remote\n")
        #expect(config == nil)
        #expect(diagnostics.map(\.description) == ["sor.yaml:2:11: error: speech.url is required when speech.engine is remote"])
    }

    @Test("the sentiment.judge section: off by default, every key read, round-trip through dump")
    func judge() throws {
        let defaults = Config().sentiment.judge
        #expect(!defaults.enabled && defaults.url.isEmpty && defaults.model.isEmpty && defaults.apiKeyEnv == "SOR_JUDGE_API_KEY" && defaults.timeout == 60)
        let (config, diagnostics) = ConfigParser.parse("""
            sentiment:
              judge:
                enabled: true
                url: http://127.0.0.1:8000/v1
                model: bielik-11b-instruct
                api_key_env: MY_LLM_KEY
                timeout: 15
            """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let judge = try #require(config).sentiment.judge
        #expect(judge.enabled && judge.url == "http://127.0.0.1:8000/v1" && judge.model == "bielik-11b-instruct")
        #expect(judge.apiKeyEnv == "MY_LLM_KEY" && judge.timeout == 15)
        #expect(ConfigParser.parse(ConfigParser.dump(try #require(config))).0 == config)
        #expect(ConfigParser.parse("sentiment:\n  judge:\n    url: http://h/v1\n").0?.sentiment.judge.enabled == false, "a URL alone does not turn it on")
    }

    @Test("an enabled judge needs a URL and a model; bad values and unknown keys are located")
    func judgeErrors() {
        let (config, diagnostics) = ConfigParser.parse("sentiment:\n  judge:\n    enabled: true\n")
        #expect(config == nil)
        #expect(diagnostics.map(\.description) == [
            "sor.yaml:3:14: error: sentiment.judge.url is required when sentiment.judge.enabled is true, e.g. http://127.0.0.1:8000/v1",
            "sor.yaml:3:14: error: sentiment.judge.model is required when sentiment.judge.enabled is true (the chat model's name)",
        ])
        let (_, located) = ConfigParser.parse("""
            sentiment:
              judge:
                enabled: yes please
                url: 127.0.0.1:8000/v1
                modle: x
                timeout: 0
                api_key_env: ""
              lexicon: pl
            """)
        let messages = located.map(\.description)
        #expect(messages.contains("sor.yaml:3:14: error: sentiment.judge.enabled must be true or false"), "\(messages)")
        #expect(messages.contains("sor.yaml:4:10: error: sentiment.judge.url must start with http:// or https://"), "\(messages)")
        #expect(messages.contains { $0.hasPrefix("sor.yaml:5:5: error: unknown key 'modle' in sentiment.judge (did you mean 'model'?)") }, "\(messages)")
        #expect(messages.contains("sor.yaml:6:14: error: sentiment.judge.timeout must be between 1 and 3600, not 0"), "\(messages)")
        #expect(messages.contains { $0.hasPrefix("sor.yaml:7:18: error: sentiment.judge.api_key_env names an environment variable") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("sor.yaml:8:3: error: unknown key 'lexicon' in sentiment") }, "\(messages)")
        #expect(located.count == 6, "\(messages)")
    }

    @Test("a YAML syntax error is located")
    func syntax() {
        let (config, diagnostics) = ConfigParser.parse("paths:\n  inbox: [unclosed\n")
        #expect(config == nil)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.hasPrefix("YAML syntax:") == true)
        #expect(diagnostics.first?.line ?? 0 >= 2)
    }
}

@Suite("Metadata sidecars")
struct MetadataParserTests {
    @Test("YAML and JSON sidecars read alike")
    func formats() {
        let yaml = """
            agent: Jan Kowalski
            direction: outbound
            call_time: 2026-11-02T10:15:00+01:00
            client_number: "+48 501 234 567"
            channels: {left: KONSULTANT, right: KLIENT}
            """
        let json = #"{"agent": "Jan Kowalski", "direction": "outbound", "call_time": "2026-11-02T10:15:00+01:00", "client_number": "+48 501 234 567", "channels": {"left": "KONSULTANT", "right": "KLIENT"}}"#
        let fromYAML = MetadataParser.parse(yaml, file: "a.yaml")
        let fromJSON = MetadataParser.parse(json, file: "a.json")
        #expect(fromYAML.1.isEmpty && fromJSON.1.isEmpty)
        #expect(fromYAML.0 == fromJSON.0)
        #expect(fromYAML.0?.channels == ["left": "KONSULTANT", "right": "KLIENT"])
        #expect(fromYAML.0?.callTime == "2026-11-02T10:15:00+01:00")
    }

    @Test("bad values and unknown keys are located")
    func errors() {
        let (metadata, diagnostics) = MetadataParser.parse("direction: sideways\nagnet: X\nchannels: {left: BOSS}\n", file: "m.yaml")
        #expect(metadata == nil)
        #expect(diagnostics.map(\.description).sorted() == [
            "m.yaml:1:12: error: direction must be inbound or outbound",
            "m.yaml:2:1: error: unknown key 'agnet' in the metadata (did you mean 'agent'?); allowed: agent, call_time, campaign, channels, client_number, direction, language, scorecard, team",
            "m.yaml:3:18: error: channels.left must be KLIENT or KONSULTANT",
        ])
    }
}

@Suite("Call times")
struct CallTimeTests {
    @Test("impossible dates, non-ASCII digits and trailing text are not call times", arguments: [
        "2026-13-45", "2026-02-30", "2026-11-31", "2026-11-02T25:00:00Z", "2026-11-02T10:61", "２０２６-１１-０２", "2026-11-0٢",
        "2026-11-02T10:15:00+01:00x", "2026-11-02T10:15:00+25:00", "2026-11", "yesterday",
    ])
    func invalid(text: String) {
        #expect(Timestamp.date(text) == nil)
        let (metadata, diagnostics) = MetadataParser.parse("call_time: '\(text)'\n", file: "m.yaml")
        #expect(metadata == nil)
        #expect(diagnostics.map(\.description) == [
            "m.yaml:1:12: error: call_time must be a real date or time in ISO 8601, such as 2026-11-02 or 2026-11-02T10:15:00+01:00",
        ])
    }

    @Test("real dates and times read as the instant they name", arguments: [
        ("2026-11-02", 1_793_577_600.0), ("2026-11-02T10:15:00+01:00", 1_793_610_900), ("2026-11-02T10:15:00Z", 1_793_614_500),
        ("2026-11-02T10:15", 1_793_614_500), ("2026-11-02 10:15:30.250-0130", 1_793_619_930), ("2028-02-29T23:59:59Z", 1_835_481_599),
    ])
    func valid(text: String, epoch: Double) {
        #expect(Timestamp.date(text)?.timeIntervalSince1970 == epoch)
        #expect(MetadataParser.parse("call_time: '\(text)'\n", file: "m.yaml").1.isEmpty)
    }
}

/// The repository's root folder, found from this file's path.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

import Foundation
