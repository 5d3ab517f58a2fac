import Foundation
import SORCore
import Testing

/// Who spoke when, through the built `sor` with the real models: the DER targets, and the roles of every demo call.
@Suite("Diarization", .serialized)
struct DiarizationTests {
    static let demoNames = ["sales-pass", "service-fail", "retention-pass", "collections-critical"]

    /// `sor eval diarization --json`, decoded: file name → (collared, exact) results.
    static func evaluate(_ files: [String], rttm: String, in workspace: Workspace) throws -> [String: (collared: [String: Any], exact: [String: Any])] {
        let result = try workspace.sor(["eval", "diarization", "--json", "--rttm", rttm] + files)
        #expect(result.status == 0, "sor eval diarization: \(result.stderr)")
        let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        var out: [String: (collared: [String: Any], exact: [String: Any])] = [:]
        for item in list {
            let name = URL(fileURLWithPath: item["file"] as? String ?? "").deletingPathExtension().lastPathComponent
            out[name] = (item["collared"] as? [String: Any] ?? [:], item["exact"] as? [String: Any] ?? [:])
        }
        return out
    }

    static func describe(_ r: [String: Any]) -> String {
        func pct(_ key: String) -> String { String(format: "%.1f%%", (r[key] as? Double ?? .nan) * 100) }
        return "DER \(pct("der")) (missed \(pct("missed_fraction")), false alarm \(pct("false_alarm_fraction")), confusion \(pct("confusion_fraction")))"
    }

    @Test("mono DER on AMI dev00 and dev01 is at most 20% with a 0.25 s collar; each error kind is reported, and without collar")
    func ami() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let data = Paths.shared + "/pyannote-ami-debug"
        let results = try Self.evaluate([data + "/dev00.wav", data + "/dev01.wav"], rttm: data + "/debug.development.rttm", in: workspace)
        #expect(results.count == 2)
        for name in ["dev00", "dev01"] {
            let result = try #require(results[name], "\(name) evaluated")
            print("AMI \(name) collar 0.25: \(Self.describe(result.collared)); no collar: \(Self.describe(result.exact))")
            let der = try #require(result.collared["der"] as? Double)
            #expect(der <= 0.20, "\(name): \(Self.describe(result.collared))")
            // The parts add up to the whole, and the exact score (no forgiveness at boundaries) is not better.
            let parts = ["missed_fraction", "false_alarm_fraction", "confusion_fraction"].compactMap { result.collared[$0] as? Double }
            #expect(parts.count == 3 && abs(parts.reduce(0, +) - der) < 1e-6)
            #expect((result.exact["der"] as? Double ?? 0) >= der)
            #expect((result.exact["der"] as? Double ?? 1) <= 0.35, "\(name) without collar: \(Self.describe(result.exact))")
        }
    }

    @Test("DER on the demo calls: under 10% mono (neural), under 3% stereo (by channel)")
    func demoCalls() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let mono = try Self.evaluate(Self.demoNames.map { Paths.demo + "/mono/\($0).wav" }, rttm: Paths.demo + "/ref", in: workspace)
        let stereo = try Self.evaluate(Self.demoNames.map { Paths.demo + "/stereo/\($0).wav" }, rttm: Paths.demo + "/ref", in: workspace)
        for name in Self.demoNames {
            let m = try #require(mono[name])
            let s = try #require(stereo[name])
            print("demo \(name) mono: \(Self.describe(m.collared)); stereo: \(Self.describe(s.collared))")
            #expect((m.collared["der"] as? Double ?? 1) < 0.10, "mono \(name): \(Self.describe(m.collared))")
            #expect((s.collared["der"] as? Double ?? 1) < 0.03, "stereo \(name): \(Self.describe(s.collared))")
        }
    }

    @Test("stereo files that are not one party per channel (the mix on both channels, or on one) are diarized as mono")
    func stereoThatIsNot() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        for (kind, remix) in [("dual", ["1", "1"]), ("left-only", ["1", "0"])] {
            let folder = workspace.root + "/" + kind
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var files: [String] = []
            for name in Self.demoNames.prefix(2) {
                let made = try run("/usr/bin/sox", ["-D", Paths.demo + "/mono/\(name).wav", folder + "/\(name).wav", "remix"] + remix)
                try #require(made.status == 0, "sox: \(made.stderr)")
                files.append(folder + "/\(name).wav")
            }
            let results = try Self.evaluate(files, rttm: Paths.demo + "/ref", in: workspace)
            for name in Self.demoNames.prefix(2) {
                let result = try #require(results[name])
                print("demo \(name), \(kind) stereo: \(Self.describe(result.collared))")
                // (Split by channel, the same speech twice would be a second speaker talking all the time: over 100%.)
                #expect((result.collared["der"] as? Double ?? 1) < 0.10, "\(kind) \(name): \(Self.describe(result.collared))")
            }
        }
    }

    @Test("a speaker range (conference calls): a third voice between two AMI meetings is found as a third speaker")
    func speakerRange() throws {
        let workspace = try Workspace(diarization: "  min_speakers: 2\n  max_speakers: 4")
        defer { workspace.remove() }
        // AMI dev00 (MEE009 and MEE012), then JFK (11 s), then dev01 (the same two people): three voices in 71 s.
        let ami = Paths.shared + "/pyannote-ami-debug"
        let joined = workspace.root + "/three-voices.wav"
        // -D: no dither, so that the file (and the result) is the same every run.
        let made = try run("/usr/bin/sox", ["-D", ami + "/dev00.wav", Paths.shared + "/jfk-en/jfk.wav", ami + "/dev01.wav", "-b", "16", joined])
        try #require(made.status == 0, "sox: \(made.stderr)")
        let result = try workspace.sor("diarize", joined)
        try #require(result.status == 0, "sor diarize: \(result.stderr)")
        let hypothesis = try #require(try RTTM.parse(result.stdout)["three-voices"])
        let speakers = Set(hypothesis.map(\.speaker))
        #expect(speakers.count == 3, "three voices, found \(speakers.sorted()): \(hypothesis)")

        // Each meeting part is scored against its own reference; both map the two people to the same two speakers.
        let jfk = Span(start: 30, end: 41)
        let reference = try RTTM.parse(String(contentsOfFile: ami + "/debug.development.rttm", encoding: .utf8))
        let dev00 = try #require(reference["dev00"])
        let dev01 = try #require(reference["dev01"]).map { SpeakerSegment(speaker: $0.speaker, start: $0.start + jfk.end, end: $0.end + jfk.end) }
        let first = DiarizationError.compute(reference: dev00, hypothesis: hypothesis, scoredRegions: [Span(start: 0, end: jfk.start)])
        let second = DiarizationError.compute(reference: dev01, hypothesis: hypothesis, scoredRegions: [Span(start: jfk.end, end: 71)])
        print(String(format: "three voices, speakers 2…4: %d found; DER dev00 part %.1f%%, dev01 part %.1f%%",
                     speakers.count, first.der * 100, second.der * 100))
        #expect(first.der <= 0.2 && second.der <= 0.2, "\(first) \(second)")
        #expect(first.mapping == second.mapping && first.mapping.count == 2, "the same two people: \(first.mapping) \(second.mapping)")

        // The third speaker is JFK: it speaks in JFK's stretch and (almost) nowhere else.
        let third = try #require(speakers.subtracting(first.mapping.values).first)
        func time(of speaker: String, in span: Span) -> Double {
            hypothesis.filter { $0.speaker == speaker }.map { max(0, min($0.end, span.end) - max($0.start, span.start)) }.reduce(0, +)
        }
        let inside = time(of: third, in: jfk)
        let total = time(of: third, in: Span(start: 0, end: 71))
        #expect(inside >= 7 && inside >= 0.9 * total, "\(third): \(inside) s of \(total) s within JFK's stretch")
    }

    /// The length of an audio file in seconds (soxi).
    static func duration(_ path: String) throws -> Double {
        let result = try run("/usr/bin/soxi", ["-D", path])
        return try #require(Double(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "soxi \(path): \(result.stderr)")
    }

    /// A two-party call at 8 kHz made of real voices: `turns` (speaker, source file) in order, each trimmed of its
    /// leading and trailing silence, band-limited to the telephone band, with pauses of 0.3 to 0.9 s between them.
    /// Returns the recording's path and its reference turns.
    static func telephoneCall(_ name: String, turns: [(speaker: String, file: String)], in workspace: Workspace) throws -> (String, [SpeakerSegment]) {
        let folder = workspace.root + "/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pauses = [0.4, 0.7, 0.3, 0.9, 0.5, 0.6, 0.8]
        var parts: [String] = []
        var reference: [SpeakerSegment] = []
        var time = 0.0
        for (index, turn) in turns.enumerated() {
            let pause = folder + "/pause\(index).wav"
            let piece = folder + "/turn\(index).wav"
            let silence = try run("/usr/bin/sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", pause, "trim", "0", "\(pauses[index % pauses.count])"])
            let cut = try run("/usr/bin/sox", ["-D", turn.file, "-r", "8000", "-c", "1", "-b", "16", piece, "sinc", "300-3400",
                                               "silence", "1", "0.05", "0.5%", "reverse", "silence", "1", "0.05", "0.5%", "reverse"])
            try #require(silence.status == 0 && cut.status == 0, "sox: \(silence.stderr) \(cut.stderr)")
            let length = try Self.duration(piece)
            time += pauses[index % pauses.count]
            reference.append(SpeakerSegment(speaker: turn.speaker, start: time, end: time + length))
            time += length
            parts += [pause, piece]
        }
        let call = workspace.root + "/\(name).wav"
        let joined = try run("/usr/bin/sox", ["-D"] + parts + [call, "pad", "0", "0.5"])
        try #require(joined.status == 0, "sox: \(joined.stderr)")
        return (call, reference)
    }

    @Test("real voices at 8 kHz in the telephone band: two parties taking turns, and one who says only a few words")
    func telephoneBand() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        // Voices: the Asterisk prompts' voice talent (8 kHz), a LibriVox reader (16 kHz, narrowed), and the Open
        // Speech Repository's telephony reader (8 kHz; her ten sentences are cut apart at the pauses).
        let prompts = Paths.shared + "/asterisk-ivr-prompts-en/"
        let reader = try FileManager.default.contentsOfDirectory(atPath: Paths.shared + "/pocketsphinx-librivox-en/librivox")
            .filter { $0.hasSuffix(".wav") }.sorted().map { Paths.shared + "/pocketsphinx-librivox-en/librivox/" + $0 }
        let sentences = workspace.root + "/sentences"
        try FileManager.default.createDirectory(atPath: sentences, withIntermediateDirectories: true)
        let split = try run("/usr/bin/sox", [Paths.shared + "/osr-harvard-8k-en/OSR_us_000_0034_8k.wav", sentences + "/s.wav",
                                             "silence", "1", "0.1", "1%", "1", "0.5", "1%", ":", "newfile", ":", "restart"])
        try #require(split.status == 0, "sox: \(split.stderr)")
        let said = try FileManager.default.contentsOfDirectory(atPath: sentences).sorted().map { sentences + "/" + $0 }
            .filter { try Self.duration($0) > 0.3 }
        try #require(reader.count == 5 && said.count >= 8, "\(reader) \(said)")
        let agent = ["transfer", "pls-hold-while-try", "queue-thankyou", "privacy-prompt", "vm-intro", "queue-periodic-announce"]
            .map { (speaker: "AGENT", file: prompts + $0 + ".wav") }
        var calls: [(String, [(speaker: String, file: String)])] = []
        calls.append(("agent-reader", Array(zip(agent.prefix(5), reader.map { (speaker: "CALLER", file: $0) }).flatMap { [$0, $1] })))
        calls.append(("agent-osr", Array(zip(agent, said.prefix(6).map { (speaker: "CALLER", file: $0) }).flatMap { [$0, $1] })))
        // One party does nearly all the talking; the other answers three times in under 4 s in all.
        let short = try said.map { ($0, try Self.duration($0)) }.sorted { $0.1 < $1.1 }.map(\.0)
        calls.append(("dominant", [(speaker: "AGENT", file: prompts + "basic-pbx-ivr-main.wav"), (speaker: "CALLER", file: short[0]),
                                   agent[5], (speaker: "CALLER", file: short[1]), agent[3], (speaker: "CALLER", file: short[2]), agent[4]]))
        var rttm = ""
        var files: [String] = []
        for (name, turns) in calls {
            let (file, reference) = try Self.telephoneCall(name, turns: turns, in: workspace)
            files.append(file)
            rttm += RTTM.format(file: name, segments: reference)
        }
        try rttm.write(toFile: workspace.root + "/calls.rttm", atomically: true, encoding: .utf8)
        let results = try Self.evaluate(files, rttm: workspace.root + "/calls.rttm", in: workspace)
        for (name, _) in calls {
            let result = try #require(results[name], "\(name) evaluated")
            print("telephone band \(name) collar 0.25: \(Self.describe(result.collared)); no collar: \(Self.describe(result.exact))")
            #expect((result.collared["der"] as? Double ?? 1) < 0.05, "\(name): \(Self.describe(result.collared))")
            #expect((result.collared["confusion_fraction"] as? Double ?? 1) < 0.02, "\(name): \(Self.describe(result.collared))")
        }
    }

    @Test("a recorded announcement before the answer is its own speaker, without a role; the call is diarized, labelled and scored after it")
    func announcement() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        // Asterisk's IVR menu and two more prompts (35 s, one voice talent), then the mono demo sales call.
        let prompts = ["basic-pbx-ivr-main", "queue-periodic-announce", "pls-hold-while-try"]
            .map { Paths.shared + "/asterisk-ivr-prompts-en/\($0).wav" }
        let intro = workspace.root + "/intro.wav"
        let call = workspace.root + "/zapowiedz.wav"
        for made in [try run("/usr/bin/sox", ["-D"] + prompts + ["-r", "16000", intro]),
                     try run("/usr/bin/sox", ["-D", intro, Paths.demo + "/mono/sales-pass.wav", "-b", "16", call])] {
            try #require(made.status == 0, "sox: \(made.stderr)")
        }
        let offset = try Self.duration(intro)
        let diarized = try workspace.sor("diarize", call)
        try #require(diarized.status == 0, "sor diarize: \(diarized.stderr)")
        let hypothesis = try #require(try RTTM.parse(diarized.stdout)["zapowiedz"])
        let ivr = hypothesis.filter { $0.speaker == SpeakerSegment.announcement }
        let ivrTime = ivr.map { $0.end - $0.start }.reduce(0, +)
        #expect(ivrTime > 0.8 * offset && (ivr.map(\.end).max() ?? 99) < offset + 0.5, "the announcement: \(ivr)")
        // After it, the two parties as in the plain call.
        let reference = try RTTM.parse(String(contentsOfFile: Paths.demo + "/ref/sales-pass.rttm", encoding: .utf8))
            .values.flatMap { $0 }.map { SpeakerSegment(speaker: $0.speaker, start: $0.start + offset, end: $0.end + offset) }
        let parties = DiarizationError.compute(
            reference: reference, hypothesis: hypothesis.filter { $0.speaker != SpeakerSegment.announcement },
            scoredRegions: [Span(start: offset, end: offset + 200)])
        print(String(format: "announcement %.1f s found as %.1f s of %@; the call after it: DER %.1f%%", offset, ivrTime,
                     SpeakerSegment.announcement, parties.der * 100))
        #expect(parties.der < 0.05 && parties.mapping.count == 2, "\(parties)")

        // Processed: the announcement has no role, the parties have theirs, and the opening criteria count from the
        // answer (the consultant introduces themself 2 s after it: 37 s into the recording).
        try "scorecard: SALES\ndirection: inbound\n".write(toFile: workspace.root + "/zapowiedz.yaml", atomically: true, encoding: .utf8)
        let processed = try workspace.sor("process", call)
        try #require(processed.status == 0, "sor process: \(processed.stderr)")
        let document = try workspace.show(processed.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let speakers = document[path: "analysis.speakers"] as? [[String: Any]] ?? []
        let roles = Dictionary(speakers.map { ($0["id"] as? String ?? "", $0["role"] as? String ?? "none") }) { a, _ in a }
        #expect(roles == [SpeakerSegment.announcement: "none", "S1": "KONSULTANT", "S2": "KLIENT"], "\(roles)")
        #expect(document[path: "analysis.roles.needs_review"] as? Bool == false, "\(document[path: "analysis.roles"] ?? "")")
        let cues = document[path: "analysis.roles.cues"] as? [String] ?? []
        #expect(cues.contains { $0.contains("zapowiedź nagrana przed odebraniem") }, "\(cues)")
        let card = (document[path: "evaluation.cards"] as? [[String: Any]] ?? []).first { $0["card"] as? String == "SALES" }
        let criteria = (card?["sections"] as? [[String: Any]] ?? []).flatMap { $0["criteria"] as? [[String: Any]] ?? [] }
        for id in ["powitanie_formula", "przedstawienie"] {
            let criterion = criteria.first { $0["id"] as? String == id }
            #expect(criterion?[path: "auto.answer.value"] as? String == "yes", "\(id): \(criterion ?? [:])")
        }
    }

    @Test("a recording with no turns in the reference is an error that names the ids the reference has")
    func missingReference() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let result = try workspace.sor("eval", "diarization", "--rttm", Paths.shared + "/pyannote-ami-debug/debug.development.rttm",
                                       Paths.shared + "/jfk-en/jfk.wav")
        #expect(result.status != 0)
        #expect(result.stderr.contains("no turns for \"jfk\"") && result.stderr.contains("dev00"), "\(result.stderr)")
    }

    @Test("a UEM file limits scoring to its stretches; one recording is scored against a one-recording reference under another id")
    func uemAndSingleReference() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let ami = Paths.shared + "/pyannote-ami-debug"
        let rttm = ami + "/debug.development.rttm"
        func scored(_ arguments: [String]) throws -> [Double] {
            let result = try workspace.sor(["eval", "diarization", "--json", "--rttm"] + arguments)
            try #require(result.status == 0, "sor eval diarization: \(result.stderr)")
            let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            return list.map { ($0["exact"] as? [String: Any])?["scored"] as? Double ?? -1 }
        }
        // The AMI UEM covers both files whole: the same scored time as without it.
        let whole = try scored([rttm, ami + "/dev00.wav"])
        #expect(try scored([rttm, "--uem", ami + "/debug.development.uem", ami + "/dev00.wav"]) == whole)
        // Only the first 10 s and the last 5 s of dev00: the reference speech in them (8.56 s + 5.24 s, overlap counted per speaker), no more.
        try "dev00 1 0 10\ndev00 1 25 30\n".write(toFile: workspace.root + "/part.uem", atomically: true, encoding: .utf8)
        let part = try #require(try scored([rttm, "--uem", workspace.root + "/part.uem", ami + "/dev00.wav"]).first)
        #expect(abs(part - 13.80) < 0.01, "scored \(part) s of \(whole)")
        // A UEM without the recording is an error that says so.
        let missing = try workspace.sor("eval", "diarization", "--rttm", rttm, "--uem", workspace.root + "/part.uem", ami + "/dev01.wav")
        #expect(missing.status != 0 && missing.stderr.contains("no scored stretch for \"dev01\""), "\(missing.stderr)")

        // A recording named otherwise than the only recording of its reference is scored against it, with a note.
        try FileManager.default.copyItem(atPath: ami + "/dev00.wav", toPath: workspace.root + "/meeting.wav")
        let single = workspace.root + "/dev00-only.rttm"
        try String(contentsOfFile: rttm, encoding: .utf8).split(separator: "\n").filter { $0.contains(" dev00 ") }
            .joined(separator: "\n").write(toFile: single, atomically: true, encoding: .utf8)
        let renamed = try workspace.sor("eval", "diarization", "--rttm", single, workspace.root + "/meeting.wav")
        #expect(renamed.status == 0 && renamed.stderr.contains("the only recording there, \"dev00\""), "\(renamed.stderr)")
        #expect(try scored([single, workspace.root + "/meeting.wav"]) == whole)
    }

    @Test("roles are right on every demo call, stereo and mono, decided from the words alone")
    func roles() throws {
        // No channel map: the stereo calls' roles come from the role labeller too, like the mono ones.
        let demo = try ProcessedDemoCalls.shared.get()
        let workspace = demo.workspace
        for (kind, name) in ["stereo", "mono"].flatMap({ kind in Self.demoNames.map { (kind, $0) } }) {
            let id = try #require(demo.ids["\(kind)/\(name)"])
            let reference = try JSONDecoder().decode(
                ScoringEndToEndTests.Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Paths.demo + "/ref/\(name).json")))
            let analysis = try #require(try workspace.show(id)["analysis"] as? [String: Any], "\(kind) \(name) has an analysis")
            #expect(analysis["method"] as? String == (kind == "stereo" ? "channels" : "neural"))
            let roles = analysis["roles"] as? [String: Any] ?? [:]
            #expect(roles["needs_review"] as? Bool == false, "\(kind) \(name): \(roles)")
            let speakers = analysis["speakers"] as? [[String: Any]] ?? []
            let role = Dictionary(uniqueKeysWithValues: speakers.map { ($0["id"] as? String ?? "", $0["role"] as? String ?? "none") })
            #expect(Set(role.values) == ["KLIENT", "KONSULTANT"], "\(kind) \(name): \(role)")
            // Each speaker's role is the role of the reference turns its utterances overlap most, and at least 90% of
            // the utterances' time lies in turns of their speaker's role.
            var overlapByRole: [String: [String: Double]] = [:]
            var right = 0.0
            var total = 0.0
            for utterance in analysis["utterances"] as? [[String: Any]] ?? [] {
                let speaker = utterance["speaker"] as? String ?? ""
                let start = utterance["start"] as? Double ?? 0
                let end = utterance["end"] as? Double ?? 0
                for turn in reference.turns {
                    let shared = min(turn.end, end) - max(turn.start, start)
                    guard shared > 0 else { continue }
                    overlapByRole[speaker, default: [:]][turn.role, default: 0] += shared
                    total += shared
                    if role[speaker] == turn.role { right += shared }
                }
            }
            for (speaker, overlaps) in overlapByRole {
                let majority = overlaps.max { $0.value < $1.value }?.key
                #expect(role[speaker] == majority, "\(kind) \(name): \(speaker) is \(role[speaker] ?? "?") but talks in \(overlaps)")
            }
            print(String(format: "roles %@ %@: %.1f%% of utterance time in turns of the right role, confidence %.2f by %@",
                         kind, name, right / max(total, 1e-9) * 100, roles["confidence"] as? Double ?? 0,
                         roles["method"] as? String ?? "?"))
            #expect(total > 0 && right >= 0.9 * total, "\(kind) \(name): \(right) of \(total) s with the right role")
        }
    }
}
