import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Inspect the configuration.", subcommands: [Dump.self])

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the effective configuration, defaults included.")
        @OptionGroup var options: GlobalOptions
        func run() throws { print(ConfigParser.dump(try options.workspace().config), terminator: "") }
    }
}
