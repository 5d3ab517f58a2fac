import ArgumentParser
import Foundation
import SORCore
import SORRuntime

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
