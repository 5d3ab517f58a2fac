import Crypto
import Foundation
import SORCore

/// One recording found on a source, with what its name and its CDR row say about the call.
public struct ImportCandidate: Sendable {
    /// The path under the source's root (`2026/11/02/in-600-…wav`), which is also its key when it has no unique id.
    public var path: String
    public var name: RecordingName
    public var cdr: CDRRecord?
    public var direction: String?
    /// The agent's extension.
    public var extensionNumber: String?
    /// The client's number.
    public var callerNumber: String?
    public var queue: String?
    public var time: Date?
    /// Seconds of talk (the CDR's billsec); nil without a CDR row.
    public var talk: Double?

    /// What the state remembers it by: the unique id, else the path.
    public var key: String { name.uniqueID ?? path }

    public init(path: String, cdr index: CDRIndex?) {
        self.path = path
        name = RecordingName((path as NSString).lastPathComponent)
        cdr = index?.record(for: name)
        direction = name.direction ?? cdr.flatMap(Self.direction(of:))
        switch direction {
        case "outbound"?:
            extensionNumber = name.source ?? cdr.map(\.source) ?? cdr.flatMap { extensionOf(channel: $0.channel) }
            callerNumber = name.destination ?? cdr?.destination
        case "internal"?:
            extensionNumber = name.source ?? cdr?.source
            callerNumber = name.destination ?? cdr?.destination
        default:
            // Inbound: the extension that answered is the CDR's destination channel (a queue's member, a ring
            // group's phone); a direct call names it as the destination.
            extensionNumber = cdr.flatMap { extensionOf(channel: $0.destinationChannel) }
                ?? (name.type == "in" || name.type == "exten" ? name.destination : nil)
            callerNumber = name.source ?? cdr?.source
        }
        queue = name.type == "q" ? name.destination : cdr?.queue
        time = name.time() ?? cdr.flatMap { Self.cdrTime($0.start) }
        talk = cdr?.billsec
    }

    /// The direction a CDR row's context gives: calls from a trunk are inbound; calls from an extension to a
    /// number longer than an extension's are outbound, to another extension internal.
    static func direction(of record: CDRRecord) -> String? {
        let context = record.context.lowercased()
        if context.contains("from-trunk") || context.contains("from-pstn") || context.contains("from-did") { return "inbound" }
        if context.contains("from-internal") { return record.destination.count > 6 ? "outbound" : "internal" }
        return nil
    }

    /// cdr_csv's `YYYY-MM-DD HH:MM:SS`, in the server's time zone.
    static func cdrTime(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).compactMap { Int($0) }
        guard parts.count == 6 else { return nil }
        return Calendar.current.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4], second: parts[5]))
    }
}

/// Why a recording is not imported: `kind` is what the counts group by ("extension"), `reason` reads as a whole
/// ("extension 299 excluded").
public struct ImportSkip: Sendable, Equatable {
    public var kind: String
    public var reason: String

    init(_ kind: String, _ detail: String = "") {
        self.kind = kind
        reason = detail.isEmpty ? kind : kind + " " + detail
    }
}

/// A source's import rules applied to candidates: why one is left out, the deterministic sample, and the metadata
/// an imported recording gets.
public struct ImportRuleSet: Sendable {
    public let source: Config.Source
    var rules: Config.ImportRules { source.rules }

    public init(source: Config.Source) {
        self.source = source
    }

    static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// `HH:MM-HH:MM` as minutes of the day (the end may be before the start: a night shift).
    static func window(_ text: String) -> (Int, Int)? {
        let ends = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        func minutes(_ clock: String) -> Int? {
            let parts = clock.split(separator: ":")
            guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0...24).contains(hour), (0..<60).contains(minute),
                hour * 60 + minute <= 1440
            else { return nil }
            return hour * 60 + minute
        }
        guard ends.count == 2, let start = minutes(ends[0]), let end = minutes(ends[1]), start != end else { return nil }
        return (start, end)
    }

    /// Why the candidate is not imported, before sampling; nil when the rules take it.
    public func refusal(_ candidate: ImportCandidate) -> String? { skip(candidate)?.reason }

    /// The rule that leaves the candidate out: its kind (what `sor status` counts) and the reason with particulars.
    public func skip(_ candidate: ImportCandidate) -> ImportSkip? {
        if rules.answeredOnly, let cdr = candidate.cdr, !cdr.answered { return ImportSkip("not answered", "(\(cdr.disposition))") }
        if let talk = candidate.talk {
            if rules.minDuration > 0, talk < rules.minDuration {
                return ImportSkip("shorter than", "\(YAMLReader.format(rules.minDuration)) s of talk (\(YAMLReader.format(talk)) s)")
            }
            if rules.maxDuration > 0, talk > rules.maxDuration {
                return ImportSkip("longer than", "\(YAMLReader.format(rules.maxDuration)) s of talk (\(YAMLReader.format(talk)) s)")
            }
        }
        if !rules.directions.isEmpty {
            guard let direction = candidate.direction else {
                return ImportSkip("direction", "unknown (the rules take \(rules.directions.joined(separator: ", ")))")
            }
            if !rules.directions.contains(direction) { return ImportSkip("direction", direction) }
        }
        if let skip = Self.filtered(candidate.queue, by: rules.queues, what: "queue") { return skip }
        if let skip = Self.filtered(candidate.extensionNumber, by: rules.extensions, what: "extension") { return skip }
        if !rules.callerNumbers.isEmpty {
            let number = candidate.callerNumber ?? ""
            func matches(_ pattern: String) -> Bool { (try? Regex(pattern)).map { number.contains($0) } ?? false }
            if !rules.callerNumbers.include.isEmpty, !rules.callerNumbers.include.contains(where: matches) {
                return ImportSkip("caller number", "\(number) not included")
            }
            if let pattern = rules.callerNumbers.exclude.first(where: matches) { return ImportSkip("caller number", "\(number) excluded (\(pattern))") }
        }
        if !rules.hours.isEmpty || !rules.days.isEmpty {
            guard let time = candidate.time else { return ImportSkip("call time unknown", "(the rules take certain hours or days)") }
            let parts = Calendar.current.dateComponents([.hour, .minute, .weekday], from: time)
            if let (start, end) = Self.window(rules.hours) {
                let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
                let inside = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
                if !inside { return ImportSkip("outside", "\(rules.hours) (\(String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)))") }
            }
            let day = Self.weekdays[((parts.weekday ?? 1) - 1) % 7]
            if !rules.days.isEmpty, !rules.days.contains(day) { return ImportSkip("on", day) }
        }
        return nil
    }

    static func filtered(_ value: String?, by filter: Config.ImportRules.Filter, what: String) -> ImportSkip? {
        if !filter.include.isEmpty, !filter.include.contains(value ?? "") { return ImportSkip(what, "\(value ?? "none") not included") }
        if let value, filter.exclude.contains(value) { return ImportSkip(what, "\(value) excluded") }
        return nil
    }

    /// The sample's order: a hash of the source and the call's key, the same on every run.
    func rank(_ candidate: ImportCandidate) -> UInt64 {
        let digest = SHA256.hash(data: Data((source.name + ":" + candidate.key).utf8))
        return digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The sample's group: the agent (or extension) and the period of the call.
    func group(_ candidate: ImportCandidate) -> String {
        let who = person(candidate)?.agent ?? candidate.extensionNumber ?? "?"
        guard let time = candidate.time else { return who + " ?" }
        let calendar = Calendar(identifier: .iso8601)
        switch rules.samplePer {
        case "day": return who + " " + Timestamp.local(time).prefix(10)
        case "month": return who + " " + Timestamp.local(time).prefix(7)
        default:
            let week = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: time)
            return who + " \(week.yearForWeekOfYear ?? 0)-W\(week.weekOfYear ?? 0)"
        }
    }

    /// Of the candidates the rules take, those the sample picks: in each agent's period, the share of
    /// `sample.percent` (rounded up) with the lowest ranks, counting the calls of that group imported before.
    /// Returns the keys picked.
    func sample(_ candidates: [ImportCandidate], imported: Set<String>) -> Set<String> {
        guard rules.samplePercent < 100 else { return Set(candidates.map(\.key)) }
        var picked: Set<String> = []
        for (_, members) in Dictionary(grouping: candidates, by: group) {
            let quota = Int((Double(members.count) * rules.samplePercent / 100).rounded(.up))
            let already = members.filter { imported.contains($0.key) }
            picked.formUnion(already.map(\.key))
            let rest = members.filter { !imported.contains($0.key) }.sorted { rank($0) < rank($1) }
            picked.formUnion(rest.prefix(max(0, quota - already.count)).map(\.key))
        }
        return picked
    }

    func person(_ candidate: ImportCandidate) -> Config.ImportRules.Person? {
        candidate.extensionNumber.flatMap { rules.agents[$0] }
    }

    /// The metadata sidecar of an imported recording (what `MetadataParser` reads).
    public func metadata(_ candidate: ImportCandidate) -> [String: Any] {
        var fields: [String: Any] = [:]
        if let person = person(candidate) {
            fields["agent"] = person.agent
            if let team = person.team { fields["team"] = team }
        } else if let number = candidate.extensionNumber {
            fields["agent"] = "wew. \(number)"
        }
        if let direction = candidate.direction, direction != "internal" { fields["direction"] = direction }
        if let number = candidate.callerNumber, !number.isEmpty { fields["client_number"] = number }
        if let time = candidate.time { fields["call_time"] = Self.isoLocal(time) }
        if let queue = candidate.queue { fields["campaign"] = "Kolejka \(queue)" }
        if let card = rules.cards.first(where: { rule in
            (rule.queue == nil || rule.queue == candidate.queue) && (rule.direction == nil || rule.direction == candidate.direction)
        }) {
            fields["scorecard"] = card.card
        }
        switch source.agentChannel {
        case .mixed: break
        case .left: fields["channels"] = ["left": "KONSULTANT", "right": "KLIENT"]
        case .right: fields["channels"] = ["left": "KLIENT", "right": "KONSULTANT"]
        }
        return fields
    }

    /// `2026-11-02T10:15:00+01:00`: the exchange's local time with the server's offset.
    static func isoLocal(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = .current
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
