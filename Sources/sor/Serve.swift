import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the site over HTTPS with nginx (site.listen), with the configuration `sor nginx` prints.")
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
            let tls = try TLSFiles.pair(for: server.workspace)
            print("serving \(server.workspace.site) on https://\(server.listen)/" + (tls.authority.map { " (certificate from sor's own CA: \($0))" } ?? ""))
        }
    }
}

struct Nginx: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print (or write) the complete nginx configuration for this workspace: HTTPS, sign-in, headers, uploads.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "HOST:PORT for HTTPS (default: site.listen).") var listen: String?
    @Option(help: "Write it to this file instead of printing it.") var output: String?

    func run() throws {
        let server = LocalServer(workspace: try options.workspace(), listen: listen)
        let text = try server.configuration().render()
        if let output {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            print("wrote \(output); check it with: nginx -t -c \(output)")
        } else {
            print(text, terminator: "")
        }
    }
}
