import ArgumentParser
import Foundation
import SORCore
import SORRuntime

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
