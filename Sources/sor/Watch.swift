import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch the inbox: process every complete recording exactly once, until Ctrl-C or SIGTERM.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        let runtime = try options.runtime()
        let workspace = runtime.workspace
        let watcher = Watcher(runtime: runtime) { line in
            print("\(Timestamp.iso(runtime.clock.now())) \(line)")
            fflush(nil)
        }
        let sources = StopSignals.handle { watcher.stop() }
        print("watching \(workspace.inbox) — drop WAV/MP3/FLAC/OGG recordings (with an optional NAME.yaml) there; Ctrl-C stops")
        fflush(nil)
        // The sources must outlive the run: an optimised build releases a value after its last use, `_ =` included.
        try withExtendedLifetime(sources) { try watcher.run() }
    }
}
