import Foundation
import SORCore

/// What a FreePBX recording's name says: `TYPE-DEST-SRC-YYYYMMDD-HHMMSS-UNIQUEID.EXT`, read from the right (the
/// unique id is `EPOCH.SEQUENCE`; DEST and SRC may themselves hold dashes only in the middle part). TYPE is one of
/// in, out, internal, external, q, rg, force, exten. A name that does not follow the convention gives what can be
/// read (at least the file) and a warning, never nothing.
public struct RecordingName: Sendable, Equatable {
    public var file: String
    public var type: String?
    public var destination: String?
    public var source: String?
    /// `YYYYMMDD-HHMMSS` as written (the exchange's local time).
    public var stamp: String?
    public var uniqueID: String?
    public var warning: String?

    static let types: Set<String> = ["in", "out", "internal", "external", "q", "rg", "force", "exten"]

    public init(_ file: String) {
        self.file = file
        let stem = (file as NSString).deletingPathExtension
        var parts = stem.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 6,
            let unique = parts.last, Self.isUniqueID(unique),
            parts[parts.count - 2].count == 6, parts[parts.count - 2].allSatisfy(\.isASCIIDigit),
            parts[parts.count - 3].count == 8, parts[parts.count - 3].allSatisfy(\.isASCIIDigit)
        else {
            warning = "\(file) does not follow FreePBX's TYPE-DEST-SRC-YYYYMMDD-HHMMSS-UNIQUEID naming; imported with what the CDR says, or without metadata"
            if let unique = parts.last, Self.isUniqueID(unique) { uniqueID = unique }
            return
        }
        uniqueID = parts.removeLast()
        let time = parts.removeLast()
        let day = parts.removeLast()
        stamp = day + "-" + time
        guard let first = parts.first, Self.types.contains(first), parts.count >= 3 else {
            warning = "\(file): the call type \"\(parts.first ?? "")\" is not one FreePBX writes (in, out, internal, external, q, rg, force, exten)"
            return
        }
        type = first
        source = parts.last
        destination = parts[1..<(parts.count - 1)].joined(separator: "-")
    }

    static func isUniqueID(_ text: String) -> Bool {
        let halves = text.split(separator: ".", omittingEmptySubsequences: false)
        return halves.count == 2 && halves.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
    }

    /// The call's start in the server's time zone (the exchange writes local time).
    public func time(in zone: TimeZone = .current) -> Date? {
        guard let stamp, stamp.count == 15 else { return nil }
        let digits = stamp.replacingOccurrences(of: "-", with: "")
        func number(_ range: Range<Int>) -> Int? {
            Int(digits[digits.index(digits.startIndex, offsetBy: range.lowerBound)..<digits.index(digits.startIndex, offsetBy: range.upperBound)])
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8), let hour = number(8..<10),
            let minute = number(10..<12), let second = number(12..<14)
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components), calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date) == components
        else { return nil }
        return date
    }

    /// The direction the type says: in, q, rg inbound; out, external outbound; internal internal; others unknown.
    public var direction: String? {
        switch type {
        case "in", "q", "rg": "inbound"
        case "out", "external": "outbound"
        case "internal": "internal"
        default: nil
        }
    }
}

/// The extension in an Asterisk channel name: `PJSIP/201-0000002a`, `SIP/201-…`, `Local/201@from-queue-…`.
func extensionOf(channel: String) -> String? {
    guard let slash = channel.firstIndex(of: "/") else { return nil }
    let rest = channel[channel.index(after: slash)...]
    let number = rest.prefix { $0.isASCIIDigit }
    return number.isEmpty ? nil : String(number)
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
