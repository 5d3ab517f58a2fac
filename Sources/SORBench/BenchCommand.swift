import ArgumentParser
import Foundation
import SORCore
import SORRuntime
import SORAudio
import SORSentiment

/// The configuration option every benchmark takes, as `sor` does.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: sor.yaml in the current folder, or $SOR_CONFIG).")
    var config: String?

    func workspace() throws -> Workspace { try Workspace.load(configPath: config) }
}

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sor-bench",
        abstract: "Measure sor's speed and memory (used by `make bench`; figures only, nothing is asserted).", subcommands: [Decode.self, SpeechEngine.self, PipelineBench.self, RescoreBench.self, DiarizationBench.self, StereoBench.self, SentimentBench.self, Generate.self, SiteBench.self, ReportBench.self])

    struct RescoreBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rescore",
            abstract: "Scoring time per call, and sor rescore over many stored calls copied from this workspace's calls.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "How many stored calls to rescore.") var calls = 10_000
        func run() throws {
            for line in try Benchmarks.rescore(workspace: try options.workspace(), count: calls) { print(line) }
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add synthetic calls to this workspace's store: copies of its scored calls with other agents, teams, directions and times (for the report site's benchmarks and tests). Prints one JSON line per call made.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "How many calls to make.") var calls = 1000
        @Option(help: "Seed of the deterministic draw.") var seed: UInt64 = 1
        @Option(help: "The last day calls may fall on (YYYY-MM-DD); they spread over the 90 days before it.") var until: String = "2026-12-01"
        func run() throws {
            let parser = DateFormatter()
            parser.locale = Locale(identifier: "en_US_POSIX")
            parser.timeZone = TimeZone(identifier: "UTC")
            parser.dateFormat = "yyyy-MM-dd"
            guard let day = parser.date(from: until) else { throw ValidationError("--until must be YYYY-MM-DD, not \(until)") }
            let made = try CallGenerator.generate(workspace: try options.workspace(), count: calls, seed: seed, until: day.addingTimeInterval(86_399))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for call in made { print(String(decoding: try encoder.encode(call), as: UTF8.self)) }
        }
    }

    struct SiteBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "site",
            abstract: "The report site at scale: N synthetic calls (copies of this workspace's scored calls) in a scratch store, a full build, then one new call published by the same publisher (as the watcher does), with peak memory and the sizes of what the browser fetches.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "How many calls.") var calls = 10_000
        func run() throws {
            let workspace = try options.workspace()
            let root = workspace.work + "/bench/site-\(calls)"
            try? FileManager.default.removeItem(atPath: root)
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let scratch = Benchmarks.scratch(workspace, root: root)
            let until = Benchmarks.syntheticUntil
            let made = Date()
            _ = try CallGenerator.generate(workspace: workspace, into: scratch, count: calls, seed: 1, until: until)
            print(String(format: "made %d synthetic calls in %.1f s", calls, Date().timeIntervalSince(made)))
            let runtime = Runtime(workspace: scratch)
            var publisher = try runtime.publisher()
            publisher.recordings = false  // pages only: ten thousand copies of the recordings would be gigabytes
            let started = Date()
            let full = try publisher.build()
            let fullSeconds = Date().timeIntervalSince(started)
            _ = try CallGenerator.generate(workspace: workspace, into: scratch, count: 1, seed: 99, until: until)
            // As the watcher does: the pages at once, the downloads (XLSX, CSV, period PDFs of the pages that show
            // the new call) when it is idle.
            let phases = PhaseLog()
            publisher.phases = { phases.add($0, $1) }
            let again = Date()
            let one = try publisher.build(downloads: false)
            let oneSeconds = Date().timeIntervalSince(again)
            let later = Date()
            try publisher.writeDownloads()
            let downloadsSeconds = Date().timeIntervalSince(later)
            func size(_ path: String) -> Double {
                let fm = FileManager.default
                var total: Int64 = 0
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { return 0 }
                if !isDirectory.boolValue { return Double((try? fm.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0) / 1_048_576 }
                for case let name as String in fm.enumerator(atPath: path) ?? FileManager.DirectoryEnumerator() {
                    total += (try? fm.attributesOfItem(atPath: path + "/" + name)[.size] as? Int64) ?? 0
                }
                return Double(total) / 1_048_576
            }
            let site = scratch.site
            let shards = (try? FileManager.default.contentsOfDirectory(atPath: site + "/search/terms")) ?? []
            let largest = shards.map { size(site + "/search/terms/" + $0) }.max() ?? 0
            print(String(format: "site build, %d calls: %.1f s (%d pages), %.0f calls/s; peak memory %.1f MiB", calls, fullSeconds, full.pages, Double(calls) / fullSeconds, Benchmarks.peakMemoryMiB()))
            print(String(format: "one new call published by the same publisher: %.2f s (%d pages rewritten; target under 1 s); then the downloads of the pages that show it (PDF, XLSX, CSV), written when the watcher is idle: %.2f s", oneSeconds, one.pages, downloadsSeconds))
            print("   where the one call's publish went: " + phases.all.map { String(format: "%@ %.2f s", $0.0, $0.1) }.joined(separator: ", "))
            print(String(format: "sizes: data/calls.json %.1f MB; search index %.1f MB in total (%d shards, the largest %.2f MB; per-call files %.1f MB); whole site without recordings %.1f MB",
                size(site + "/data/calls.json"), size(site + "/search"), shards.count, largest, size(site + "/search/calls"),
                size(site) - 0))
            print("scratch site (for the Hugo comparison): \(site)")
        }
    }

    struct ReportBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "A period report as `sor report` makes it, over N synthetic calls (copies of this workspace's scored calls, spread over 90 days; made once and kept under var/bench/report-N): wall time, calls in the period, file size and peak memory.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "How many calls in the store.") var calls = 10_000
        @Option(help: "pdf, xlsx or csv.") var format = "pdf"
        @Option(help: "The period (31 days ending on the synthetic calls' last day by default).") var period = "2025-10-31..2025-11-30"
        func run() throws {
            let workspace = try options.workspace()
            let root = workspace.work + "/bench/report-\(calls)"
            let scratch = Benchmarks.scratch(workspace, root: root)
            let marker = root + "/made"
            if !FileManager.default.fileExists(atPath: marker) {
                try? FileManager.default.removeItem(atPath: root)
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
                let until = Benchmarks.syntheticUntil
                _ = try CallGenerator.generate(workspace: workspace, into: scratch, count: calls, seed: 1, until: until)
                FileManager.default.createFile(atPath: marker, contents: Data())
            }
            guard let kind = Reports.Format(rawValue: format) else { throw ValidationError("--format must be pdf, xlsx or csv") }
            let started = Date()
            let result = try Commands.report(
                runtime: Runtime(workspace: scratch), period: period, team: nil, agent: nil, format: kind,
                output: root + "/report." + kind.fileExtension, separator: ";")
            let seconds = Date().timeIntervalSince(started)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: result.path)[.size] as? Int) ?? 0
            print(String(format: "sor report --format %@, %@ (%d of %d calls): %.2f s (target under 5), %.0f kB; peak memory %.1f MiB",
                         format, result.period.label, result.calls, calls, seconds, Double(bytes) / 1024, Benchmarks.peakMemoryMiB()))
        }
    }

    struct SentimentBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sentiment",
            abstract: "Sentiment time per hour of audio over this workspace's stored calls: text (every utterance and the call summary) and acoustics (loudness, pitch, spectral balance of every utterance, then arousal and emotion), and memory.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The stored calls' recordings (matched by file name), for the acoustic part; decoding is not timed.") var recordings: [String] = []
        func run() throws {
            let runtime = Runtime(workspace: try options.workspace())
            let store = try runtime.store
            let documents = try store.folders().values.sorted().map { try store.load(folder: $0) }.filter { $0.analysis != nil }
            let audio = documents.reduce(0) { $0 + $1.call.audio.duration }
            let utterances = documents.reduce(0) { $0 + ($1.analysis?.utterances.count ?? 0) }
            guard audio > 0 else { throw ValidationError("no stored call with an analysis in this workspace") }
            let stage = SentimentStage()
            var copies = documents
            _ = copies.indices.map { stage.derive(&copies[$0]) }  // loads the lexicon and warms the lemma cache
            // A fresh stage per round would measure lexicon loading; a warm one is what the watcher runs.
            let text = Self.perPass {
                for index in copies.indices {
                    copies[index].analysis = documents[index].analysis
                    _ = stage.derive(&copies[index])
                }
            }
            let loadStart = Date()
            _ = try SentimentAnalyzer.bundled("pl")
            let load = Date().timeIntervalSince(loadStart)
            print(String(format: "sentiment (text), %d calls, %d utterances, %.0f s of audio: %.2f ms per pass, %.3f s per hour of audio (target < 1); lexicon load %.0f ms once per process; peak memory %.1f MiB",
                documents.count, utterances, audio, text * 1000, text / (audio / 3600), load * 1000, Benchmarks.peakMemoryMiB()))

            // Acoustics: the 16 kHz samples are decoded first (not timed), as the pipeline has them from the
            // diarization step; then each utterance measured on its speaker's channel.
            let byName = Dictionary(recordings.map { (($0 as NSString).lastPathComponent, $0) }, uniquingKeysWith: { a, _ in a })
            var measured: [(CallDocument, SampleFile, WorkingCopy)] = []
            for document in documents {
                guard let path = byName[document.call.source.fileName] else { continue }
                let copy = try runtime.copies.make(from: path, label: "bench")
                measured.append((document, try SampleFile(path: copy.path), copy))
            }
            defer { measured.forEach { $0.2.remove() } }
            guard !measured.isEmpty else {
                print("sentiment (acoustics): no recordings given for the stored calls; pass them as arguments")
                return
            }
            let measuredAudio = measured.reduce(0) { $0 + $1.0.call.audio.duration }
            var analyses = measured.map { $0.0.analysis! }
            let acoustics = Self.perPass {
                for index in analyses.indices { CallAnalyzer.measureAcoustics(&analyses[index], file: measured[index].1) }
            }
            var both = measured.map(\.0)
            for index in both.indices { both[index].analysis = analyses[index] }
            let arousal = Self.perPass {
                for index in both.indices {
                    both[index].analysis = analyses[index]
                    _ = stage.derive(&both[index])
                }
            }
            let perHour = 3600 / measuredAudio
            print(String(format: "sentiment (text + acoustics), %d calls, %.0f s of audio: acoustic features %.1f ms per pass, text + arousal + emotion %.2f ms; together %.3f s per hour of audio (target < 1); peak memory %.1f MiB",
                measured.count, measuredAudio, acoustics * 1000, arousal * 1000, (acoustics + arousal) * perHour, Benchmarks.peakMemoryMiB()))
        }

        /// Seconds per run of `body`, repeated for at least three seconds.
        static func perPass(_ body: () -> Void) -> Double {
            var rounds = 0
            let started = Date()
            while Date().timeIntervalSince(started) < 3 {
                body()
                rounds += 1
            }
            return Date().timeIntervalSince(started) / Double(rounds)
        }
    }

    struct DiarizationBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diarization", abstract: "Mono diarization speed (× real time) and peak memory.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Audio files (stereo files are mixed).") var files: [String]
        func run() throws {
            for line in try Benchmarks.diarization(files, workspace: try options.workspace()) { print(line) }
        }
    }

    struct StereoBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stereo",
            abstract: "Stereo calls: each channel transcribed alone vs the mix transcribed once with words by channel energy.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Folder with NAME.json references (scripts/make-demo.py).") var references = "demo/ref"
        @Argument(help: "Stereo recordings.") var files: [String]
        func run() throws {
            for line in try Benchmarks.stereo(files, references: references, workspace: try options.workspace()) { print(line) }
        }
    }

    struct PipelineBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pipeline",
            abstract: "Files per second through the pipeline with the speech step replaced by an instant empty answer.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "How many distinct copies of each file to process.") var rounds = 10
        @Argument(help: "Audio files.") var files: [String]
        func run() throws {
            let workspace = try options.workspace()
            for line in try Benchmarks.pipeline(files, rounds: rounds, workDirectory: workspace.work + "/bench", templates: workspace.templates) {
                print(line)
            }
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decode, validate and resample recordings; report × real time and peak memory.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Audio files.") var files: [String]
        func run() throws {
            let workspace = try options.workspace()
            for file in files { print(try Benchmarks.decode(file, workDirectory: workspace.work + "/bench")) }
        }
    }

    struct SpeechEngine: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "engine", abstract: "Transcribe recordings; report the engine's real-time factor.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Language (default: speech.language).") var language: String?
        @Argument(help: "Audio files.") var files: [String]
        func run() throws {
            let workspace = try options.workspace()
            let chosen = language ?? workspace.config.speech.language
            for line in try Benchmarks.engine(files, workspace: workspace, language: chosen == "auto" ? nil : chosen) { print(line) }
        }
    }
}

/// Phases reported by a build, in order.
final class PhaseLog: @unchecked Sendable {
    private let lock = NSLock()
    private var phases: [(String, TimeInterval)] = []
    func add(_ phase: String, _ seconds: TimeInterval) {
        lock.lock()
        phases.append((phase, seconds))
        lock.unlock()
    }
    var all: [(String, TimeInterval)] {
        lock.lock()
        defer { lock.unlock() }
        return phases
    }
}

extension Benchmarks {
    /// The last moment of the synthetic calls' 90 days, 2025-11-30 23:59:59 UTC: fixed, so runs compare.
    static let syntheticUntil = Date(timeIntervalSince1970: 1_764_547_199)

    /// A workspace under `root` with its own store, site, inbox and work folder, sharing `workspace`'s templates and
    /// key (the synthetic calls' recordings are links to the workspace's sealed files).
    static func scratch(_ workspace: Workspace, root: String) -> Workspace {
        var config = workspace.config
        config.paths.data = root + "/data"
        config.paths.site = root + "/site"
        config.paths.inbox = root + "/inbox"
        config.paths.work = root + "/var"
        config.paths.templates = workspace.templates
        config.security.keyFile = workspace.keyFile
        return Workspace(config: config, root: workspace.root)
    }
}
