import Foundation
import Testing

@Suite("Sentiment, end to end", .serialized)
struct SentimentEndToEndTests {
    @Test("sor sentiment labels arguments and standard input, explains with --json, and refuses an unknown language or party")
    func command() throws {
        let arguments = try run(Paths.sor, ["sentiment", "Jestem bardzo niezadowolony, to skandal.", "Dzień dobry, w czym mogę pomóc?", "Bardzo dziękuję, pomógł mi pan."])
        #expect(arguments.status == 0, "\(arguments.stderr)")
        let lines = arguments.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("negatywny") && lines[1].hasPrefix("neutralny") && lines[2].hasPrefix("pozytywny"), "\(lines)")

        let input = FileManager.default.temporaryDirectory.appendingPathComponent("sentiment-\(UUID().uuidString).txt").path
        try "Nie jestem zadowolony z tej usługi.\n\nRezygnuję z umowy.\n".write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let piped = try run("/bin/sh", ["-c", "\"\(Paths.sor)\" sentiment --json < \"\(input)\""])
        #expect(piped.status == 0, "\(piped.stderr)")
        let objects = try piped.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        #expect(objects.count == 2, "an empty line is skipped")
        #expect(objects.allSatisfy { $0["label"] as? String == "negatywny" && ($0["score"] as? Double ?? 0) < 0 })
        let cue = (objects.first?["cues"] as? [[String: Any]])?.first
        #expect(cue?["text"] as? String == "zadowolony" && (cue?["rules"] as? [String])?.contains("negated") == true, "\(objects)")

        let english = try run(Paths.sor, ["sentiment", "--language", "en", "Thank you, that was really helpful"])
        #expect(english.stdout.hasPrefix("pozytywny"), "\(english.stdout)")
        let unknown = try run(Paths.sor, ["sentiment", "--language", "de", "Guten Tag"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no sentiment lexicon for language \"de\""), "\(unknown.stderr)")
        let party = try run(Paths.sor, ["sentiment", "--party", "BOSS", "x"])
        #expect(party.status != 0 && party.stderr.contains("KLIENT or KONSULTANT"), "\(party.stderr)")
    }

    /// The call's sentiment as `sor show --json` gives it.
    static func sentiment(_ workspace: Workspace, _ id: String) throws -> [String: Any] {
        try #require(try workspace.show(id)[path: "analysis.sentiment"] as? [String: Any], "call \(id) has analysis.sentiment")
    }

    @Test("the demo calls' arcs from their real transcripts: the complaint turns negative, the retention call recovers; every utterance carries its sentiment")
    func demoArcs() throws {
        let demo = try ProcessedDemoCalls.shared.get()
        var report: [String] = []
        for variant in ["stereo", "mono"] {
            // service-fail: the client complains about a bill and gets nowhere ("To skandal").
            let complaint = try Self.sentiment(demo.workspace, try #require(demo.ids["\(variant)/service-fail"]))
            let client = try #require(complaint["klient"] as? [String: Any])
            let clientScore = try #require(client["score"] as? Double)
            let clientQuarters = (client["quarters"] as? [Any] ?? []).compactMap { $0 as? Double }
            #expect(clientScore < 0, "\(variant) service-fail: the client is negative overall: \(client)")
            #expect((clientQuarters.last ?? 0) <= -0.2, "\(variant) service-fail: the client ends negative: \(clientQuarters)")
            let worst = try #require(client["most_negative"] as? [String: Any])
            #expect((worst["score"] as? Double ?? 0) <= -0.4, "\(worst)")
            report.append(String(format: "%@ service-fail: client %+.2f, quarters %@, most negative %+.2f at %.0f s: %@", variant, clientScore,
                "\(client["quarters"] ?? "")", worst["score"] as? Double ?? 0, worst["start"] as? Double ?? 0, worst["text"] as? String ?? ""))

            // retention-pass: the client wants to cancel, is offered a discount and stays.
            let retention = try Self.sentiment(demo.workspace, try #require(demo.ids["\(variant)/retention-pass"]))
            let kept = try #require(retention["klient"] as? [String: Any])
            let change = try #require(kept["change"] as? Double)
            let quarters = (kept["quarters"] as? [Any] ?? []).compactMap { $0 as? Double }
            if variant == "stereo" {
                #expect(change > 0.2, "\(variant) retention-pass: the client recovers: \(kept)")
                #expect((quarters.first ?? 0) < 0 && (quarters.last ?? 0) >= 0, "\(variant) retention-pass starts negative and ends at least neutral: \(quarters)")
            } else {
                // On the mono mix Whisper base sometimes mishears the opening "Rezygnuję z umowy" ("rezyduję umowy"),
                // so the start may read neutral; the recovery must still show: better at the end, and the best of the
                // call after its start.
                #expect(change > 0, "\(variant) retention-pass: the client ends better than it started: \(kept)")
                #expect((quarters.last ?? -1) >= 0 && (quarters.dropFirst().max() ?? 0) > (quarters.first ?? 0) + 0.3, "\(variant) retention-pass: \(quarters)")
            }
            report.append(String(format: "%@ retention-pass: client quarters %@, change %+.2f", variant, "\(quarters)", change))
            // The consultant of the failed service call is not negative overall: refusals within the rules.
            let consultant = complaint["konsultant"] as? [String: Any]
            #expect((consultant?["score"] as? Double ?? -1) > -0.3, "\(String(describing: consultant))")
        }
        let failed = try #require(demo.ids["mono/service-fail"])
        let utterances = try #require(try demo.workspace.show(failed)[path: "analysis.utterances"] as? [[String: Any]])
        #expect(utterances.allSatisfy { ($0["sentiment"] as? [String: Any])?["label"] is String }, "every utterance has sentiment.label")
        // Acoustics are measured on the real audio: every utterance with voiced speech has arousal, features and an
        // emotion, and each party an emotion per quarter with its reasons.
        let measured = utterances.filter { (($0["acoustics"] as? [String: Any])?["voiced"] as? Double ?? 0) >= 0.2 }
        #expect(measured.count * 10 >= utterances.count * 8, "most utterances are measured: \(measured.count) of \(utterances.count)")
        for utterance in measured {
            let sentiment = try #require(utterance["sentiment"] as? [String: Any])
            let arousal = try #require(sentiment["arousal"] as? Double, "\(utterance)")
            #expect(arousal >= -1 && arousal <= 1)
            #expect(sentiment["arousal_features"] is [String: Any] && sentiment["emotion"] is String, "\(sentiment)")
            let pitch = (utterance["acoustics"] as? [String: Any])?["pitch"] as? Double
            #expect(pitch.map { $0 > 60 && $0 < 400 } ?? true, "a voice's pitch: \(String(describing: pitch))")
        }
        let stretches = try #require(try Self.sentiment(demo.workspace, failed)[path: "klient.stretches"] as? [[String: Any]])
        #expect(!stretches.isEmpty && stretches.allSatisfy { $0["emotion"] is String && $0["reasons"] is [String] }, "\(stretches)")
        print("sentiment arcs of the demo calls (Whisper base transcripts):\n" + report.joined(separator: "\n"))
    }
}


@Suite("Acoustic arousal on real speech", .serialized)
struct ArousalEndToEndTests {
    /// One Common Voice speaker's clips (spk09: six read sentences), decoded to 16 kHz WAV with the engine's PyAV.
    static func clips(into folder: String) throws -> [String] {
        let data = Paths.shared + "/commonvoice-pl"
        let references = try String(contentsOfFile: data + "/references.tsv", encoding: .utf8)
        var files: [String] = []
        for line in references.split(separator: "\n") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            if columns.count > 1 && columns[1] == "spk09" { files.append(String(columns[0])) }
        }
        try #require(files.count >= 5, "spk09 has its clips in \(data)")
        let script = """
            import av, sys, wave
            for source, target in zip(sys.argv[1::2], sys.argv[2::2]):
                resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
                with av.open(source) as container:
                    pcm = b"".join(bytes(f.planes[0])[: f.samples * 2] for frame in container.decode(audio=0) for f in resampler.resample(frame))
                with wave.open(target, "wb") as out:
                    out.setnchannels(1); out.setsampwidth(2); out.setframerate(16000); out.writeframes(pcm)
            """
        let targets = files.map { folder + "/calm-" + $0.replacingOccurrences(of: ".mp3", with: ".wav") }
        var arguments = ["-c", script]
        for (file, target) in zip(files, targets) { arguments += [data + "/" + file, target] }
        let decoded = try run(Paths.repository + "/.venv/bin/python", arguments)
        try #require(decoded.status == 0, "\(decoded.stderr)")
        return targets
    }

    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sor-arousal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func arousal(_ files: [String]) throws -> [String: Double] {
        // Run outside any workspace: no sor.yaml is needed to measure voices.
        let result = try run(Paths.sor, ["arousal", "--json"] + files, in: FileManager.default.temporaryDirectory.path)
        try #require(result.status == 0, "\(result.stderr)")
        var values: [String: Double] = [:]
        for line in result.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            values[try #require(object["file"] as? String)] = try #require(object["arousal"] as? Double, "\(object)")
        }
        return values
    }

    /// Real speech made more effortful with sox (louder, 3 semitones higher, brighter, 10 % faster): the direction
    /// acted anger moves each feature in. This checks the features on real voices and microphones; it is not a
    /// measure of emotion recognition (no real emotional Polish speech is available offline).
    @Test("a speaker's raised voice has higher arousal than the same sentences calm; the recording's level alone changes nothing")
    func raisedVoice() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let calm = try Self.clips(into: folder)
        var raised: [String] = []
        var quiet: [String] = []
        for file in calm {
            raised.append(file.replacingOccurrences(of: "/calm-", with: "/raised-"))
            quiet.append(file.replacingOccurrences(of: "/calm-", with: "/quiet-"))
            #expect(try run("/usr/bin/sox", ["-q", file, raised.last!, "gain", "3", "pitch", "300", "treble", "+6", "tempo", "1.1"]).status == 0)
            #expect(try run("/usr/bin/sox", ["-q", file, quiet.last!, "gain", "-12"]).status == 0)
        }
        let together = try Self.arousal(calm + raised)
        for (a, b) in zip(calm, raised) {
            #expect(together[b]! > together[a]! + 0.3, "\(b): \(together[b]!) against \(together[a]!)")
        }
        // Each alone (against typical speech), the raised one still sounds more aroused.
        for (a, b) in zip(calm, raised) {
            let alone = try Self.arousal([a]).values.first!, raisedAlone = try Self.arousal([b]).values.first!
            #expect(raisedAlone > alone, "\(b) alone: \(raisedAlone) against \(alone)")
        }
        // A quieter recording of the same speaker: the same arousal.
        let normal = try Self.arousal(calm), lower = try Self.arousal(quiet)
        for (a, b) in zip(calm, quiet) {
            #expect(abs(normal[a]! - lower[b]!) < 0.03, "\(a): \(normal[a]!) and 12 dB quieter \(lower[b]!)")
        }
        print("arousal of spk09, calm → raised: " + zip(calm, raised).map { String(format: "%+.2f → %+.2f", together[$0]!, together[$1]!) }.joined(separator: ", "))
    }

    @Test("sor arousal names a file it cannot read and goes on with the others")
    func unreadable() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let calm = try Self.clips(into: folder)
        let broken = folder + "/broken.wav"
        try Data("RIFF not really".utf8).write(to: URL(fileURLWithPath: broken))
        let result = try run(Paths.sor, ["arousal", calm[0], broken])
        #expect(result.status == 1)
        #expect(result.stderr.contains("broken.wav"), "\(result.stderr)")
        #expect(result.stdout.contains((calm[0] as NSString).lastPathComponent), "\(result.stdout)")
    }
}
