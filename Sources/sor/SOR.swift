import ArgumentParser
import Foundation
import SORCore
import SORRuntime

/// `sor`: parses the command line and hands the work to SORRuntime. Every failure ends here as one `error: …` line
/// (or more, for a list of diagnostics) on stderr and a non-zero exit.
@main
struct SOR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sor",
        abstract: "SOR — System Oceny Rozmów: transcribes and evaluates contact-centre calls into a static site.",
        subcommands: [
            Process.self, Watch.self, Status.self, Show.self, Calls.self, Rescore.self, Key.self, Audit.self, Check.self, ConfigCommand.self,
            Site.self, Report.self, Import.self, Serve.self, Nginx.self, Users.self, Engine.self, Diarize.self, Eval.self, CalibrationCommand.self, Sentiment.self, Arousal.self,
        ])

    static func main() {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
        } catch let error where error is ExitCode || error is CleanExit || error is ValidationError || Self.isParserError(error) {
            exit(withError: error)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.localizedDescription)\n".utf8))
            Foundation.exit(EXIT_FAILURE)
        }
    }

    /// ArgumentParser's own errors (`sor help`, `sor help watch` end in one of its internal types) carry help text
    /// and an exit code that only its `exit(withError:)` knows how to print.
    private static func isParserError(_ error: any Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: sor.yaml in the current folder, or $SOR_CONFIG).")
    var config: String?

    func workspace() throws -> Workspace { try Workspace.load(configPath: config) }

    /// The composition root for this command.
    func runtime() throws -> Runtime { Runtime(workspace: try workspace()) }
}

/// Prints `error: …` and returns the failure exit code, for a command that fails after printing details.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode.failure
}

/// SIGINT and SIGTERM, handled on a queue instead of ending the process at once.
enum StopSignals {
    /// Calls `handler` on each SIGINT or SIGTERM. Keep the returned sources alive (`withExtendedLifetime`) for as long
    /// as the handler should run.
    /// The signals are unblocked first: a parent may start `sor` with them blocked (test runners and supervisors
    /// spawn from threads that block signals).
    static func handle(_ handler: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        return [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }
}
