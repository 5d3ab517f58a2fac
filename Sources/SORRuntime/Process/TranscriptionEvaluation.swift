import Foundation
import SORCore
import SORSpeech

/// `sor eval transcription`: the word error rate of SOR's transcripts against reference sentences, per file and
/// overall, at the recordings' own band and narrowed to the telephone band, beside the bare engine's on the same
/// files in the same run.
///
/// SOR's transcript is made as the pipeline makes it (the working copy, the configured engine, language and prompt).
/// The bare engine is faster-whisper with its defaults on the file as it is (`sor_engine.py --bare`: its own
/// decoding and resampling, the configured model, beam and threads): the baseline SOR's choices must not lose to.
/// The telephone band is what a PBX records: `sox FILE -r 8000 … sinc 300-3400`, 8 kHz 16-bit mono, given to both.
public struct TranscriptionEvaluation: Sendable {
    public enum Band: String, Sendable, Codable, CaseIterable {
        /// The recording as it is.
        case wide
        /// Narrowed to 300–3400 Hz and 8 kHz, as a telephone line carries it.
        case telephone
    }

    /// Errors counted over words, as `WordErrorRate` counts them.
    public struct Tally: Sendable, Codable, Equatable {
        public var substitutions = 0
        public var deletions = 0
        public var insertions = 0
        public var referenceWords = 0
        public var wer: Double { referenceWords == 0 ? 0 : Double(substitutions + deletions + insertions) / Double(referenceWords) }

        mutating func add(_ rate: WordErrorRate) {
            substitutions += rate.substitutions
            deletions += rate.deletions
            insertions += rate.insertions
            referenceWords += rate.referenceWords
        }

        init(_ rate: WordErrorRate? = nil) { if let rate { add(rate) } }

        enum CodingKeys: String, CodingKey { case substitutions, deletions, insertions, referenceWords, wer }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(substitutions, forKey: .substitutions)
            try container.encode(deletions, forKey: .deletions)
            try container.encode(insertions, forKey: .insertions)
            try container.encode(referenceWords, forKey: .referenceWords)
            try container.encode((wer * 10_000).rounded() / 10_000, forKey: .wer)
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            substitutions = try container.decode(Int.self, forKey: .substitutions)
            deletions = try container.decode(Int.self, forKey: .deletions)
            insertions = try container.decode(Int.self, forKey: .insertions)
            referenceWords = try container.decode(Int.self, forKey: .referenceWords)
        }
    }

    /// One file in one band.
    public struct FileResult: Sendable, Codable {
        public var file: String
        public var reference: String
        public var hypothesis: String
        public var sor: Tally
        public var bareHypothesis: String?
        public var bare: Tally?
        /// Seconds of audio, and seconds SOR's engine took on it.
        public var duration: Double
        public var seconds: Double
    }

    /// One band over every file.
    public struct BandResult: Sendable, Codable {
        public var band: Band
        public var files: [FileResult]
        public var sor: Tally
        public var bare: Tally?
        /// SOR's engine seconds per second of audio.
        public var realTimeFactor: Double
    }

    public struct Report: Sendable, Codable {
        public var engine: String
        public var language: String?
        public var bands: [BandResult]
    }

    let runtime: Runtime

    public init(runtime: Runtime) {
        self.runtime = runtime
    }

    /// The reference sentence of each recording, by file name (with and without extension): a TSV with a header
    /// naming a `file` (or `path`) and a `sentence` (or `text`) column, as Common Voice's are, or a folder of
    /// `NAME.txt` files.
    public static func references(_ path: String) throws -> [String: String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw RuntimeError.cannotRead(path: path, detail: "no such file or folder (give a references TSV or a folder of NAME.txt)")
        }
        var result: [String: String] = [:]
        if isFolder.boolValue {
            for name in try FileManager.default.contentsOfDirectory(atPath: path) where name.hasSuffix(".txt") {
                let text = try String(contentsOfFile: path + "/" + name, encoding: .utf8)
                result[String(name.dropLast(4))] = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return result
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RuntimeError.cannotRead(path: path, detail: "not UTF-8 text (\(error.localizedDescription))")
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw RuntimeError.cannotRead(path: path, detail: "the file is empty") }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map { $0.lowercased() }
        guard let fileColumn = header.firstIndex(where: { $0 == "file" || $0 == "path" }),
            let textColumn = header.firstIndex(where: { $0 == "sentence" || $0 == "text" })
        else {
            throw RuntimeError.cannotRead(path: path, detail: "its first line must name a file (or path) and a sentence (or text) column, tab-separated; it names \(header.joined(separator: ", "))")
        }
        for (index, line) in lines.enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > max(fileColumn, textColumn) else {
                throw RuntimeError.cannotRead(path: path, detail: "line \(index + 2) has \(fields.count) fields, fewer than the header's \(header.count)")
            }
            let name = (fields[fileColumn] as NSString).lastPathComponent
            result[name] = fields[textColumn]
            result[(name as NSString).deletingPathExtension] = fields[textColumn]
        }
        return result
    }

    /// Transcribes every file in each band, SOR's way and (with `bare`) the bare engine's, and counts the errors.
    public func evaluate(_ files: [String], references: [String: String], bands: [Band], bare: Bool, progress: (String) -> Void = { _ in }) throws -> Report {
        let config = runtime.config.speech
        var missing: [String] = []
        for file in files {
            let name = (file as NSString).lastPathComponent
            if references[name] == nil && references[(name as NSString).deletingPathExtension] == nil { missing.append(name) }
        }
        guard missing.isEmpty else {
            throw RuntimeError.cannotRead(path: files.first ?? "", detail: "no reference sentence for \(missing.joined(separator: ", "))")
        }
        if bare && config.engine != .embedded {
            throw RuntimeError.commandFailed(
                command: "sor eval transcription", detail: "the bare engine is the embedded one (speech.engine: embedded); with a remote engine add --no-bare")
        }
        let language = config.language == "auto" ? nil : config.language
        let scratch = runtime.workspace.work + "/tmp/eval-transcription-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var report = Report(engine: "", language: language, bands: [])
        for band in bands {
            // The band's inputs: the files as they are, or narrowed copies.
            var inputs: [(file: String, input: String)] = []
            for (index, file) in files.enumerated() {
                inputs.append((file, band == .wide ? file : try narrow(file, to: scratch + "/\(index).8k.wav")))
            }
            var results: [FileResult] = []
            var total = Tally()
            var audio = 0.0
            var busy = 0.0
            for (file, input) in inputs {
                let name = (file as NSString).lastPathComponent
                let reference = references[name] ?? references[(name as NSString).deletingPathExtension] ?? ""
                let copy: WorkingCopy
                do {
                    copy = try runtime.copies.make(from: input, label: "eval")
                } catch {
                    throw RuntimeError.cannotRead(path: file, detail: error.localizedDescription)
                }
                defer { copy.remove() }
                let started = Date()
                let transcript: Transcript
                do {
                    transcript = try runtime.speech.transcribe(TranscriptionRequest(audioPath: copy.path, language: language, prompt: config.prompt))
                } catch {
                    throw RuntimeError.cannotRead(path: file, detail: "the engine failed: \(error.localizedDescription)")
                }
                let seconds = Date().timeIntervalSince(started)
                if report.engine.isEmpty { report.engine = "\(transcript.engine.endpoint) \(transcript.engine.model)" }
                let rate = WordErrorRate(reference: reference, hypothesis: transcript.text)
                total.add(rate)
                audio += copy.audio.duration
                busy += seconds
                results.append(FileResult(
                    file: name, reference: reference, hypothesis: transcript.text.trimmingCharacters(in: .whitespaces), sor: Tally(rate),
                    duration: copy.audio.duration, seconds: seconds))
                progress("\(band.rawValue) \(results.count)/\(files.count) \(name): WER \(String(format: "%.1f%%", rate.rate * 100))")
            }
            var result = BandResult(band: band, files: results, sor: total, realTimeFactor: audio > 0 ? busy / audio : 0)
            if bare {
                let hypotheses = try bareTranscripts(inputs.map(\.input), language: language, log: scratch + "/bare.log")
                var bareTotal = Tally()
                for index in result.files.indices {
                    let text = hypotheses[index]
                    let rate = WordErrorRate(reference: result.files[index].reference, hypothesis: text)
                    bareTotal.add(rate)
                    result.files[index].bareHypothesis = text
                    result.files[index].bare = Tally(rate)
                }
                result.bare = bareTotal
                progress("\(band.rawValue): bare engine done")
            }
            report.bands.append(result)
        }
        return report
    }

    /// The bare engine's text for each input, in order.
    func bareTranscripts(_ inputs: [String], language: String?, log: String) throws -> [String] {
        let embedded = runtime.config.speech.embedded
        let workspace = runtime.workspace
        let threads = embedded.threads > 0 ? embedded.threads : ProcessInfo.processInfo.activeProcessorCount
        var arguments = [
            workspace.resolve(embedded.script), "--model", workspace.resolve(embedded.modelDir), "--threads", String(threads),
            "--compute-type", embedded.computeType, "--beam-size", String(embedded.beamSize),
        ]
        if let language { arguments += ["--language", language] }
        arguments += ["--bare"] + inputs
        let python = workspace.resolve(embedded.python)
        let (status, output) = try Command.capture(python, arguments, errorLog: log)
        guard status == 0 else {
            let errors = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw RuntimeError.commandFailed(command: python + " " + embedded.script + " --bare", detail: "exit \(status): " + errors.suffix(600))
        }
        var texts: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let file = object["file"] as? String else { continue }
            if let error = object["error"] as? String { throw RuntimeError.cannotRead(path: file, detail: "the bare engine failed: \(error)") }
            texts[file] = object["text"] as? String ?? ""
        }
        return try inputs.map { input in
            guard let text = texts[input] else { throw RuntimeError.cannotRead(path: input, detail: "the bare engine gave no transcript") }
            return text
        }
    }

    /// A copy of `file` as a telephone line carries it: 300–3400 Hz, 8 kHz, 16-bit mono (sox's sinc filter and
    /// its resampler; no dither, so a run is repeatable). SOR's own decoder reads the file first (MP3 included)
    /// into its 16 kHz working copy.
    func narrow(_ file: String, to target: String) throws -> String {
        guard let sox = ["/usr/bin/sox", "/usr/local/bin/sox"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw RuntimeError.commandFailed(command: "sox", detail: "not installed; the telephone band needs it (apt-get install sox; make setup installs it)")
        }
        let wide: WorkingCopy
        do {
            wide = try runtime.copies.make(from: file, label: "band")
        } catch {
            throw RuntimeError.cannotRead(path: file, detail: error.localizedDescription)
        }
        defer { wide.remove() }
        let (status, errors) = try Command.run(sox, ["-D", wide.path, "-r", "8000", "-b", "16", "-c", "1", target, "sinc", "300-3400"], errorLog: target + ".log")
        unlink(target + ".log")
        guard status == 0 else { throw RuntimeError.commandFailed(command: "sox", detail: "exit \(status) on \(file): \(errors)") }
        return target
    }
}
