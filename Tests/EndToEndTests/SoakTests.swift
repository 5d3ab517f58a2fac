import Foundation
import Testing

/// A watcher that runs for months: descriptors and memory must not grow with the number of files it has handled.
@Suite("Soak: sor watch over a thousand recordings and edits", .serialized)
struct SoakTests {
    /// A 4-second 8 kHz mono WAV, distinct for each `index` (a tone of its own plus a little deterministic noise).
    static func recording(_ index: Int) -> Data {
        let rate = 8_000
        let count = rate * 4
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(1)); append(UInt16(1))
        append(UInt32(rate)); append(UInt32(rate * 2)); append(UInt16(2)); append(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(count * 2))
        var noise = UInt32(truncatingIfNeeded: index &* 2_654_435_761 | 1)
        let frequency = 180.0 + Double(index) * 0.9
        for n in 0..<count {
            noise ^= noise << 13; noise ^= noise >> 17; noise ^= noise << 5
            let sample = 6_000 * sin(2 * Double.pi * frequency * Double(n) / Double(rate)) + Double(Int(noise % 400) - 200)
            append(Int16(sample))
        }
        return data
    }

    /// Lines of the watcher's log that contain `marker`.
    static func count(_ marker: String, in log: String) -> Int {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: marker).count - 1
    }

    /// Waits until the log holds `target` lines with `marker` (up to `timeout` seconds); returns whether it did.
    static func wait(for marker: String, count target: Int, in log: String, timeout: Double = 180) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if count(marker, in: log) >= target { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    @Test("the test harness closes what it opens: 300 runs leave no pipes or files open")
    func harnessDescriptors() throws {
        _ = try run("/bin/true", [])
        let before = openDescriptors()
        for _ in 0..<300 { _ = try run("/bin/echo", ["soak"]) }
        let after = openDescriptors()
        #expect(after.count <= before.count + 2, "before \(before.count), after \(after.count): \(Set(after).subtracting(before).sorted().prefix(10))")
    }

    @Test("1,000 recordings and 1,000 edits (engine stubbed): the watcher's open descriptors stay flat and its memory levels off; the series is reported")
    func thousand() throws {
        let (stub, port) = try startEngineStub()
        defer { stop(stub) }
        let workspace = try Workspace(speech: """
            speech:
              engine: remote
              url: http://127.0.0.1:\(port)/v1
              timeout: 30
            """, extra: "watch:\n  rescan_interval: 1\n  settle_seconds: 0.3\n")
        defer { workspace.remove() }
        let fm = FileManager.default
        let staging = workspace.root + "/prepared"
        let edits = workspace.root + "/inbox/edits/soak"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: edits, withIntermediateDirectories: true)
        for index in 0..<1_000 {
            try Self.recording(index).write(to: URL(fileURLWithPath: "\(staging)/r\(index).wav"))
        }
        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log)
        defer { stop(watcher) }
        let pid = String(watcher.processIdentifier)

        // Files arrive a hundred at a time, then an edit for each of them; both counts are sampled after each hundred.
        var series: [(files: Int, descriptors: Int, residentMiB: Double)] = []
        var ids: [String] = []
        for batch in 0..<10 {
            for index in (batch * 100)..<((batch + 1) * 100) {
                rename("\(staging)/r\(index).wav", "\(workspace.root)/inbox/r\(index).wav")
            }
            let stored = Self.wait(for: "→ call ", count: (batch + 1) * 100, in: log)
            try #require(stored, "batch \(batch): \(Self.count("→ call ", in: log)) processed; log tail: \(String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2_000)))")
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let batchIDs = text.components(separatedBy: "→ call ").dropFirst().map { String($0.prefix(16)) }.suffix(100)
            ids += batchIDs
            // Half the edits change metadata, half an utterance's text (which scores the call again).
            for (offset, id) in batchIDs.enumerated() {
                let body = offset % 2 == 0
                    ? #"{"schema": 1, "type": "call.metadata", "call": "\#(id)", "base_revision": 1, "metadata": {"agent": "Agent \#(offset % 7)"}}"#
                    : #"{"schema": 1, "type": "utterance.text", "call": "\#(id)", "base_revision": 1, "utterance": 0, "text": "Dzień dobry, w czym mogę pomóc?"}"#
                let name = "e\(batch)-\(offset).json"
                try body.write(toFile: "\(staging)/\(name)", atomically: false, encoding: .utf8)
                rename("\(staging)/\(name)", "\(edits)/\(name)")
            }
            let applied = Self.wait(for: "applied to call", count: (batch + 1) * 100, in: log)
            try #require(applied, "batch \(batch): \(Self.count("applied to call", in: log)) edits applied; log tail: \(String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2_000)))")
            // Let the site rebuild that follows settle before sampling.
            _ = Self.wait(for: "site rebuilt", count: Self.count("site rebuilt", in: log) + 1, in: log, timeout: 30)
            series.append((files: (batch + 1) * 100, descriptors: openDescriptors(pid).count, residentMiB: Double(residentKiB(watcher.processIdentifier)) / 1024))
        }
        print("soak series (files+edits handled, open descriptors, resident MiB):")
        for sample in series { print(String(format: "  %5d  %3d  %6.1f", sample.files, sample.descriptors, sample.residentMiB)) }

        #expect(Set(ids).count == 1_000, "1,000 distinct calls")
        #expect(Self.count("rejected", in: log) == 0, "no edit rejected")
        #expect(!fm.fileExists(atPath: workspace.root + "/inbox/failed"), "nothing refused")
        // Descriptors: the same after 1,000 files as after the first hundred (a leak of one per file would be 900).
        let descriptors = series.map(\.descriptors)
        #expect(descriptors.max()! <= descriptors[0] + 3, "descriptors \(descriptors); now open: \(openDescriptors(pid))")
        // Memory: what stays per call is its line on the index page (a few hundred bytes); the last 500 files and
        // edits may add at most 8 MiB. Before site builds streamed, they held every call at once and the watcher
        // grew by 21 MiB there (44 KiB a call).
        let resident = series.map(\.residentMiB)
        #expect(resident[9] - resident[4] < 8, "resident MiB \(resident)")
    }

    @Test("the real engine for a sample: Polish clips through the embedded engine, killed three times; each restart leaves the watcher's descriptors as they were")
    func realEngineRestarts() throws {
        let folder = Paths.shared + "/commonvoice-pl"
        let clips = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".mp3") }.sorted().prefix(12)
        try #require(clips.count == 12)
        let workspace = try Workspace.watched()
        defer { workspace.remove() }
        let log = workspace.root + "/watch.log"
        let watcher = try startWatcher(workspace, log: log)
        defer { stop(watcher) }
        let pid = String(watcher.processIdentifier)
        var samples: [Int] = []
        for (round, group) in stride(from: 0, to: 12, by: 3).map({ Array(clips.dropFirst($0).prefix(3)) }).enumerated() {
            if round > 0 {
                // The engine dies under the watcher, which starts a new one for the next recording.
                let engine = try run("/usr/bin/pgrep", ["-f", "parent-pid \(pid)"]).stdout.split(separator: "\n").first.map(String.init)
                let enginePID = try #require(engine.flatMap { Int32($0) }, "the embedded engine of watcher \(pid) is running")
                kill(enginePID, SIGKILL)
            }
            for clip in group { try FileManager.default.copyItem(atPath: folder + "/" + clip, toPath: workspace.root + "/inbox/" + clip) }
            let processed = Self.wait(for: "→ call ", count: (round + 1) * 3, in: log, timeout: 240)
            try #require(processed, "round \(round): \(String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2_000)))")
            _ = Self.wait(for: "site rebuilt", count: Self.count("site rebuilt", in: log) + 1, in: log, timeout: 30)
            samples.append(openDescriptors(pid).count)
        }
        print("real engine, open descriptors after each round of 3 clips (engine killed before rounds 2-4): \(samples)")
        #expect(samples.max()! <= samples[0] + 1, "descriptors \(samples); now open: \(openDescriptors(pid))")
    }
}
