import ArgumentParser
import Foundation
import SORCore
import SORRuntime

@main
struct SOR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sor",
        abstract: "SOR — System Oceny Rozmów: transcribes and evaluates contact-centre calls into a static site.",
        subcommands: [
            Process.self, Watch.self, Status.self, Show.self, Calls.self, Rescore.self, Key.self, Audit.self, Check.self, ConfigCommand.self,
            Site.self, Serve.self, Engine.self, Bench.self, Diarize.self, Eval.self,
        ])
}

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: sor.yaml in the current folder, or $SOR_CONFIG).")
    var config: String?

    func workspace() throws -> Workspace { try Workspace.load(configPath: config) }
}

/// Lets SIGINT and SIGTERM through on the main thread: a parent may start `sor` with them blocked (test runners and
/// supervisors spawn from threads that block signals), and the signal sources below must receive them.
func unblockStopSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// Prints `error: …` and exits non-zero, as every command does on failure.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode.failure
}

struct Process: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Process recordings once (validate, store, transcribe) and print their call ids.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Language of the calls (pl, en, … or auto); overrides metadata and sor.yaml.") var language: String?
    @Flag(help: "Do not rebuild the site afterwards.") var noSite = false
    @Argument(help: "Audio files (WAV, MP3, FLAC, OGG).") var files: [String]

    func run() throws {
        let workspace = try options.workspace()
        var failed = false
        _ = try Commands.process(files: files, workspace: workspace, language: language, buildSite: !noSite) { file, outcome in
            switch outcome {
            case .processed(let id):
                print(id)
            case .duplicate(let id):
                print(id)
                FileHandle.standardError.write(Data("note: \(file) is already stored as call \(id); not processed again\n".utf8))
            case .quarantined(let target, let reason):
                failed = true
                FileHandle.standardError.write(Data("error: \(reason)\n  kept in \(target) (reason in \(target).error.txt)\n".utf8))
            case .engineUnavailable(let reason):
                failed = true
                FileHandle.standardError.write(Data("error: \(reason)\n  the file was left where it is; process it again later\n".utf8))
            }
        }
        if failed { throw ExitCode.failure }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show everything known about a call.")

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON (the stable interface for scripts).") var json = false
    @Argument(help: "Call id (a unique prefix is enough).") var id: String

    func run() throws {
        let workspace = try options.workspace()
        let document = try workspace.store().load(id)
        if json {
            print(String(decoding: try FileFormats.json(document), as: UTF8.self), terminator: "")
        } else {
            print(String(decoding: try FileFormats.yaml(document.call), as: UTF8.self))
            if let analysis = document.analysis, document.hasUtterances {
                for utterance in analysis.utterances {
                    let speaker = analysis.speaker(utterance.speaker)
                    let who = [speaker?.role?.rawValue, speaker?.name ?? utterance.speaker].compactMap { $0 }.joined(separator: " ")
                    print(String(format: "[%7.2f → %7.2f] ", utterance.start, utterance.end) + "\(who): " + utterance.text)
                }
            } else {
                for segment in document.transcript?.segments ?? [] {
                    print(String(format: "[%7.2f → %7.2f] ", segment.start, segment.end) + segment.text)
                }
            }
        }
    }
}

struct Calls: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with stored calls.", subcommands: [List.self, Delete.self, Expire.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored calls, newest first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Calls on or after this day (YYYY-MM-DD).") var from: String?
        @Option(help: "Calls on or before this day (YYYY-MM-DD).") var to: String?
        @Option(help: "Agent name (or part of it).") var agent: String?
        @Option(help: "Team.") var team: String?
        @Option(help: "Status, e.g. transcribed.") var status: String?
        @Option(help: "Words that must all occur in the transcript (case and Polish letters ignored).") var text: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let filter = Commands.CallFilter(from: from, to: to, agent: agent, team: team, status: status, text: text)
            let (lines, calls, problems) = try Commands.listCalls(workspace: try options.workspace(), filter: filter)
            if json {
                print(String(decoding: try FileFormats.json(calls.map(\.call)), as: UTF8.self), terminator: "")
            } else {
                lines.forEach { print($0) }
            }
            for problem in problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase calls: recording, results and pages. The audit log keeps a tombstone (who, when, content hash).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Why (recorded in the audit log), e.g. a data-subject request number.") var reason: String?
        @Argument(help: "Call ids (a unique prefix is enough).") var ids: [String]

        func run() throws {
            let workspace = try options.workspace()
            for id in ids {
                let erased = try Commands.deleteCall(id, workspace: workspace, actor: AuditLog.commandLineActor, reason: reason)
                print("erased \(erased)")
            }
        }
    }

    struct Expire: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the retention policy now (retention.days, retention.action); sor watch does it hourly.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let workspace = try options.workspace()
            guard workspace.config.retention.days > 0 else {
                print("retention.days is 0: calls are kept forever; nothing to do")
                return
            }
            let handled = try Commands.expire(workspace: workspace, actor: AuditLog.commandLineActor)
            handled.forEach { print($0) }
            print("\(handled.count) calls older than \(workspace.config.retention.days) days \(workspace.config.retention.action == .delete ? "erased" : "archived")")
        }
    }
}

struct Rescore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score every stored call again with the current scorecards.yaml (no transcription) and report what changed.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        let workspace = try options.workspace()
        let report = try Commands.rescore(workspace: workspace)
        print("\(report.calls) calls: \(report.rescored) with changed scores, \(report.unchanged) unchanged, \(report.flips.count) now \(report.flips.count == 1 ? "passes or fails" : "pass or fail") differently")
        for change in report.flips {
            print("  \(change.call) \(change.card): \(report.format(change.before)) → \(report.format(change.after)) (\(change.passedAfter == true ? "now passes" : "now fails"))")
        }
        for problem in report.failed { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        if let path = report.path { print("report: \(path)") }
    }
}

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The key file that seals data/ (AES-256-GCM).", subcommands: [Init.self, Rotate.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the key file (security.key_file, mode 0600).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Succeed without changes when the key file exists.") var ifMissing = false
        func run() throws { print(try Commands.keyInit(workspace: try options.workspace(), ifMissing: ifMissing)) }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new key and re-seal every file under it; resumes an interrupted rotation. Stop sor watch first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Re-seal at most this many files now; run again to go on.") var maxFiles: Int?
        func run() throws {
            let report = try Commands.keyRotate(workspace: try options.workspace(), maxFiles: maxFiles) { print($0) }
            if report.finished {
                print("done: \(report.total) files sealed with key \(report.key)\(report.retired.isEmpty ? "" : "; retired \(report.retired.joined(separator: ", "))")")
            }
        }
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The hash-chained audit log (data/audit/).", subcommands: [Verify.self, Show.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that no line was altered, removed, inserted or reordered.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let workspace = try options.workspace()
            let (lines, problems) = AuditLog(directory: workspace.audit).verify()
            for problem in problems { FileHandle.standardError.write(Data("\(workspace.audit)/\(problem)\n".utf8)) }
            guard problems.isEmpty else { throw fail("the audit log was tampered with: \(problems.count) problems in \(lines) lines") }
            print("ok: \(lines) lines, chain intact")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print audit records, oldest first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this call (id or prefix).") var call: String?
        @Option(help: "Only this user (site user name or shell login).") var user: String?
        func run() throws {
            Commands.auditLines(workspace: try options.workspace(), call: call, user: user).forEach { print($0) }
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate sor.yaml and the templates; list every problem.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        let problems = Commands.check(configPath: options.config)
        problems.forEach { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        if problems.contains(where: { $0.contains(": error: ") }) { throw ExitCode.failure }
        print("ok")
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Inspect the configuration.", subcommands: [Dump.self])

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the effective configuration, defaults included.")
        @OptionGroup var options: GlobalOptions
        func run() throws { print(ConfigParser.dump(try options.workspace().config), terminator: "") }
    }
}

struct Site: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build the static site.", subcommands: [Build.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Regenerate site/ from data/ and templates/.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let workspace = try options.workspace()
            let (pages, problems) = try SiteBuilder(workspace: workspace).build()
            for problem in problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
            print("\(pages) pages written to \(workspace.site)")
        }
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the site with nginx on loopback (site.listen).")
    @OptionGroup var options: GlobalOptions
    @Option(help: "HOST:PORT to listen on (default: site.listen).") var listen: String?
    @Flag(help: "Stop the server.") var stop = false

    func run() throws {
        let server = LocalServer(workspace: try options.workspace(), listen: listen)
        if stop {
            try server.stop()
            print("stopped")
        } else {
            try server.start()
            print("serving \(server.workspace.site) on http://\(server.listen)/")
        }
    }
}

struct Engine: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The embedded speech engine.", subcommands: [Run.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the embedded engine, print its URL and keep it running until interrupted.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let speech = SpeechService(workspace: try options.workspace())
            let endpoint = try speech.endpoint()
            print(endpoint.baseURL)
            fflush(nil)
            signal(SIGPIPE, SIG_IGN)
            unblockStopSignals()
            let stopper = DispatchSemaphore(value: 0)
            var sources: [DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig)
                source.setEventHandler { stopper.signal() }
                source.resume()
                sources.append(source)
            }
            stopper.wait()
            speech.stop()
        }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed and memory (used by `make bench`).", subcommands: [Decode.self, SpeechEngine.self, PipelineBench.self, RescoreBench.self, DiarizationBench.self, StereoBench.self])

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

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch the inbox: process every complete recording exactly once, until Ctrl-C or SIGTERM.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        let workspace = try options.workspace()
        let watcher = try InboxWatcher(workspace: workspace) { line in
            print("\(Pipeline.iso(Date())) \(line)")
            fflush(nil)
        }
        unblockStopSignals()
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { watcher.stop() }
            source.resume()
            sources.append(source)
        }
        print("watching \(workspace.inbox) — drop WAV/MP3/FLAC/OGG recordings (with an optional NAME.yaml) there; Ctrl-C stops")
        fflush(nil)
        try watcher.run()
        _ = sources
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the watcher's queue, work in flight, waiting and failed files.")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let report = Commands.status(workspace: try options.workspace())
        if json {
            print(String(decoding: try FileFormats.json(report), as: UTF8.self), terminator: "")
        } else {
            print(report.text)
        }
    }
}

struct Diarize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print who spoke when in recordings (RTTM), without storing anything.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Recordings (any format sor accepts; stereo files are mixed).") var files: [String]

    func run() throws {
        let service = DiarizationService(workspace: try options.workspace())
        for file in files {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            print(RTTM.format(file: name, segments: try service.diarize(file: file)), terminator: "")
        }
    }
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure sor against references.", subcommands: [DiarizationCommand.self])

    struct DiarizationCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diarization",
            abstract: "Diarization error rate (missed speech, false alarm, confusion) against reference RTTM.",
            discussion: """
                Each recording is diarized as sor would (stereo: by channel; mono: the neural diarizer) and scored \
                against the reference turns whose file id is the recording's name without extension. --rttm is one \
                RTTM file for all recordings or a folder holding NAME.rttm per recording; --uem limits scoring to the \
                annotated stretches. Overlapped speech is scored; the table is printed with the collar and without one.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Reference RTTM file, or a folder of NAME.rttm files.") var rttm: String
        @Option(name: .long, help: "Seconds not scored on each side of every reference boundary.") var collar: Double = 0.25
        @Option(name: .long, help: "UEM file: the stretches of each recording to score (default: all of it).") var uem: String?
        @Flag(name: .long, help: "Print JSON (per file: DER with and without collar, and the hypothesis).") var json = false
        @Argument(help: "Recordings.") var files: [String]

        func validate() throws {
            guard collar >= 0, collar < 5 else { throw ValidationError("--collar must be between 0 and 5 seconds") }
        }

        func run() throws {
            let evaluation = DiarizationEvaluation(service: DiarizationService(workspace: try options.workspace()), collar: collar)
            let results = try evaluation.evaluate(files, reference: rttm, uem: uem) { note in
                FileHandle.standardError.write(Data(("note: " + note + "\n").utf8))
            }
            if json {
                print(String(decoding: try FileFormats.json(results), as: UTF8.self))
            } else {
                for line in evaluation.report(results) { print(line) }
            }
        }
    }
}
