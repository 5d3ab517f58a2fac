import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Engine: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The embedded speech engine.", subcommands: [Run.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the embedded engine, print its URL and keep it running until interrupted.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let runtime = try options.runtime()
            guard let speech = runtime.speech as? SpeechService else { throw ExitCode.failure }
            let endpoint = try speech.endpoint()
            print(endpoint.baseURL)
            fflush(nil)
            signal(SIGPIPE, SIG_IGN)
            let stopper = DispatchSemaphore(value: 0)
            let sources = StopSignals.handle { stopper.signal() }
            withExtendedLifetime(sources) { stopper.wait() }
            runtime.shutdown()
        }
    }
}
