import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the watcher's queue, work in flight, waiting and failed files.")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let report = Commands.status(runtime: try options.runtime())
        if json {
            print(String(decoding: try FileFormats.json(report), as: UTF8.self), terminator: "")
        } else {
            print(report.text)
        }
    }
}
