import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Site: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build the static site.", subcommands: [Build.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Regenerate site/ from data/ and templates/.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let runtime = try options.runtime()
            let workspace = runtime.workspace
            let (pages, problems) = try runtime.publisher().build()
            for problem in problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
            print("\(pages) pages written to \(workspace.site)")
        }
    }
}
