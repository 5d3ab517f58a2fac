import ArgumentParser
import Foundation
import SORCore
import SORRuntime

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show everything known about a call.")

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON (the stable interface for scripts).") var json = false
    @Argument(help: "Call id (a unique prefix is enough).") var id: String

    func run() throws {
        let document = try options.runtime().store.load(id)
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
