import CSV
import Foundation
import SORCore

/// One call in Asterisk's cdr_csv file (`Master.csv`): every field quoted, commas inside fields, no header. The
/// columns are accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end,
/// duration, billsec, disposition, amaflags, and, when `loguniqueid` and `loguserfield` are on, uniqueid and
/// userfield.
public struct CDRRecord: Sendable, Equatable {
    public var source: String
    public var destination: String
    public var context: String
    public var callerID: String
    public var channel: String
    public var destinationChannel: String
    public var lastApplication: String
    public var lastData: String
    public var start: String
    public var answer: String
    public var end: String
    /// Seconds from start to end, and of talk (from answer).
    public var duration: Double
    public var billsec: Double
    /// ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION.
    public var disposition: String
    public var uniqueID: String?
    public var userField: String?

    /// The CSV line's fields, or nil with why when they are not a CDR line.
    struct Malformed: Error {
        var why: String
    }

    static func parse(_ fields: [String]) -> Result<CDRRecord, Malformed> {
        guard fields.count >= 16 else { return .failure(Malformed(why: "it has \(fields.count) fields; a cdr_csv line has 16 to 18")) }
        guard let duration = Double(fields[12]), let billsec = Double(fields[13]) else {
            return .failure(Malformed(why: "duration \"\(fields[12])\" and billsec \"\(fields[13])\" must be whole seconds"))
        }
        return .success(CDRRecord(
            source: fields[1], destination: fields[2], context: fields[3], callerID: fields[4], channel: fields[5],
            destinationChannel: fields[6], lastApplication: fields[7], lastData: fields[8], start: fields[9], answer: fields[10],
            end: fields[11], duration: duration, billsec: billsec, disposition: fields[14],
            uniqueID: fields.count > 16 && !fields[16].isEmpty ? fields[16] : nil,
            userField: fields.count > 17 && !fields[17].isEmpty ? fields[17] : nil))
    }

    public var answered: Bool { disposition == "ANSWERED" }

    /// The queue the call went through: `Queue` as the last application names it in its data (`600,t,,,300`).
    public var queue: String? {
        guard lastApplication == "Queue" else { return nil }
        let name = lastData.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return name.isEmpty ? nil : name
    }
}

/// The CDR file read once per import: by unique id (the row of the call's answered leg with the longest talk, as a
/// queue or transfer writes several), and by the recording file named in userfield or lastdata.
public struct CDRIndex: Sendable {
    public var byUniqueID: [String: CDRRecord] = [:]
    public var byFile: [String: CDRRecord] = [:]
    /// Lines that are not CDR lines: `Master.csv:LINE: why`.
    public var problems: [String] = []
    public var count = 0

    public init() {}

    /// Reads `path` with CSV.swift, a row at a time from the mapped file (a year of calls is a large file).
    public static func read(_ path: String) throws -> CDRIndex {
        // Mapped, not read into memory; a stream over the mapping (a file stream on Linux reports bytes available
        // at its end, which the reader takes for a read error).
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw RuntimeError.cannotRead(path: path, detail: "the CDR file cannot be opened (\(error.localizedDescription)); check the source's cdr path and its permissions")
        }
        let stream = InputStream(data: data)
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: false, trimFields: false)
        } catch {
            throw RuntimeError.cannotRead(path: path, detail: "it is not readable as CSV: \(error)")
        }
        var index = CDRIndex()
        var line = 0
        let name = (path as NSString).lastPathComponent
        while let fields = reader.next() {
            line += 1
            if fields == [""] { continue }
            switch CDRRecord.parse(fields) {
            case .failure(let malformed):
                if index.problems.count < 100 { index.problems.append("\(name):\(line): \(malformed.why)") }
            case .success(let record):
                index.count += 1
                if let id = record.uniqueID { index.byUniqueID[id] = better(index.byUniqueID[id], record) }
                for field in [record.userField ?? "", record.lastData] where field.contains(".") {
                    let file = (field as NSString).lastPathComponent
                    if InboxLayout.isCandidate(file) { index.byFile[file] = better(index.byFile[file], record) }
                }
            }
        }
        if let error = reader.error {
            index.problems.append("\(name):\(line + 1): the CSV stops being readable here (\(error)); the lines before it are used")
        }
        return index
    }

    /// Of two rows of one call, the answered one with the longer talk.
    static func better(_ a: CDRRecord?, _ b: CDRRecord) -> CDRRecord {
        guard let a else { return b }
        if a.answered != b.answered { return a.answered ? a : b }
        return b.billsec > a.billsec ? b : a
    }

    /// The row of this recording: by its unique id, else by its file name.
    public func record(for name: RecordingName) -> CDRRecord? {
        name.uniqueID.flatMap { byUniqueID[$0] } ?? byFile[name.file]
    }
}
