import Foundation
import SORCore
import Yams

/// Reads a recording's sidecar (`NAME.yaml`, `NAME.yml` or `NAME.json`; JSON is read as the YAML it is).
public enum MetadataParser {
    public static func parse(_ source: String, file: String) -> (CallMetadata?, [Diagnostic]) {
        var reader = YAMLReader(file: file)
        var metadata = CallMetadata()
        guard let root = reader.root(source) else {
            return reader.diagnostics.isEmpty ? (metadata, []) : (nil, reader.diagnostics)
        }
        let keys = reader.mapping(root, allowed: CallMetadata.keys, context: "the metadata")
        func text(_ key: String) -> String? {
            guard let node = keys[key] else { return nil }
            guard case .scalar(let scalar) = node else {
                reader.error(node, "\(key) must be text")
                return nil
            }
            return scalar.string
        }
        metadata.agent = text("agent")
        metadata.team = text("team")
        metadata.direction = text("direction")
        metadata.clientNumber = text("client_number")
        metadata.campaign = text("campaign")
        metadata.scorecard = text("scorecard")
        metadata.callTime = text("call_time")
        metadata.language = text("language")
        if let direction = metadata.direction, !["inbound", "outbound"].contains(direction), let node = keys["direction"] {
            reader.error(node, "direction must be inbound or outbound")
        }
        if let language = metadata.language, !ConfigParser.isLanguage(language), let node = keys["language"] {
            reader.error(node, "language must be a two-letter code such as pl or en, or auto")
        }
        if let callTime = metadata.callTime, let node = keys["call_time"] {
            if Timestamp.date(callTime) == nil {
                reader.error(node, "call_time must be a real date or time in ISO 8601, such as 2026-11-02 or 2026-11-02T10:15:00+01:00")
            }
        }
        if let node = keys["channels"] {
            let channels = reader.mapping(node, allowed: ["left", "right"], context: "channels")
            var roles: [String: String] = [:]
            for (channel, value) in channels {
                guard let role = value.string, ["KLIENT", "KONSULTANT"].contains(role) else {
                    reader.error(value, "channels.\(channel) must be KLIENT or KONSULTANT")
                    continue
                }
                roles[channel] = role
            }
            metadata.channels = roles
        }
        return (reader.diagnostics.isEmpty ? metadata : nil, reader.diagnostics)
    }
}
