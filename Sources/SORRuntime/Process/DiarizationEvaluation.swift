import Foundation
import SORCore

/// `sor eval diarization`: diarizes recordings and scores them against reference RTTM files (DER).
public struct DiarizationEvaluation: Sendable {
    public struct FileResult: Codable, Sendable {
        public var file: String
        public var seconds: Double
        /// With the collar, and without one.
        public var collared: DERResult
        public var exact: DERResult
        public var hypothesis: [SpeakerSegment]
    }

    public let service: DiarizationService
    public let collar: Double

    public init(service: DiarizationService, collar: Double = 0.25) {
        self.service = service
        self.collar = collar
    }

    /// `reference` is one RTTM file holding every recording's turns (matched by file name without extension), or a
    /// folder with NAME.rttm per recording. `uem`, when given, is a UEM file of the scored stretches per recording;
    /// without one, all time is scored. One recording against a reference of one recording under another id is
    /// scored against it, with `notice` saying so.
    public func evaluate(
        _ files: [String], reference: String, uem: String? = nil, notice: (String) -> Void = { _ in }
    ) throws -> [FileResult] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory) else {
            throw RuntimeError.cannotRead(path: reference, detail: "no such file or folder; give an RTTM file or a folder of NAME.rttm files")
        }
        var pooled: [String: [SpeakerSegment]] = isDirectory.boolValue ? [:] : try Self.load(reference, RTTM.parse)
        let uemFile = try uem.map { path in (path: path, regions: try Self.load(path, UEM.parse)) }
        var results: [FileResult] = []
        for file in files {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            if isDirectory.boolValue {
                pooled.merge(try Self.load(reference + "/" + name + ".rttm", RTTM.parse)) { $1 }
            }
            var id = name
            if pooled[name] == nil, files.count == 1, pooled.count == 1, let only = pooled.keys.first {
                notice("\(reference): no turns for \"\(name)\"; scoring \(file) against the only recording there, \"\(only)\"")
                id = only
            }
            guard let turns = pooled[id] else {
                let known = pooled.keys.sorted().prefix(10).joined(separator: ", ")
                throw RuntimeError.cannotRead(
                    path: reference, detail: "no turns for \"\(name)\" (the file id must be the recording's name without extension; found: \(known))")
            }
            let scored = try uemFile.map { uem in
                guard let spans = uem.regions[id] else {
                    throw RuntimeError.cannotRead(
                        path: uem.path, detail: "no scored stretch for \"\(id)\" in the UEM file; add a line \"\(id) 1 START END\" (seconds) or leave out --uem to score all of it")
                }
                return spans
            }
            let (seconds, hypothesis) = try service.withConverted(file) { ($0.duration, try service.segments($0)) }
            results.append(FileResult(
                file: file, seconds: seconds,
                collared: DiarizationError.compute(reference: turns, hypothesis: hypothesis, collar: collar, scoredRegions: scored),
                exact: DiarizationError.compute(reference: turns, hypothesis: hypothesis, collar: 0, scoredRegions: scored),
                hypothesis: hypothesis))
        }
        return results
    }

    static func load<T>(_ path: String, _ parse: (String, String) throws(RTTMError) -> T) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError.cannotRead(path: path, detail: "no such file or permission denied")
        }
        return try parse(String(decoding: data, as: UTF8.self), path)
    }

    /// A readable table: per file, then the total over all files (errors summed, then divided).
    public func report(_ results: [FileResult]) -> [String] {
        func row(_ name: String, _ r: DERResult) -> String {
            name.padding(toLength: max(28, name.count), withPad: " ", startingAt: 0) + String(
                format: " %7.1f s  DER %5.1f%%  missed %5.1f%%  false alarm %5.1f%%  confusion %5.1f%%", r.scored, r.der * 100, r.missedFraction * 100, r.falseAlarmFraction * 100,
                   r.confusionFraction * 100)
        }
        func total(_ pick: (FileResult) -> DERResult) -> DERResult {
            let all = results.map(pick)
            return DERResult(
                scored: all.map(\.scored).reduce(0, +), missed: all.map(\.missed).reduce(0, +),
                falseAlarm: all.map(\.falseAlarm).reduce(0, +), confusion: all.map(\.confusion).reduce(0, +), mapping: [:])
        }
        var lines = [String(format: "collar %.2f s (each side of every reference boundary), overlapped speech scored", collar)]
        for result in results {
            lines.append(row((result.file as NSString).lastPathComponent, result.collared))
        }
        if results.count > 1 { lines.append(row("total", total(\.collared))) }
        lines.append("no collar")
        for result in results {
            lines.append(row((result.file as NSString).lastPathComponent, result.exact))
        }
        if results.count > 1 { lines.append(row("total", total(\.exact))) }
        return lines
    }
}
