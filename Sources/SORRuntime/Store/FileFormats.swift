import Foundation
import SORCore
import Yams

/// How result files are written: JSON and YAML with snake_case keys, sorted, so they diff well in git.
public enum FileFormats {
    public static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func jsonDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// `compact` leaves out indentation (for large files read by `sor show`, not by people in an editor).
    public static func json<T: Encodable>(_ value: T, compact: Bool = false) throws -> Data {
        let encoder = jsonEncoder()
        if compact { encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes] }
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// YAML through the same snake_case JSON model, so both formats name keys alike.
    public static func yaml<T: Encodable>(_ value: T) throws -> Data {
        let tree = try JSONDecoder().decode(JSONValue.self, from: jsonEncoder().encode(value))
        return Data(try Yams.serialize(node: tree.node(), allowUnicode: true, sortKeys: true).utf8)
    }

    /// Reads YAML written by `yaml(_:)` (or by hand) through the JSON model. Scalars are resolved here, simply
    /// (plain `null`/`~`, `true`/`false`, integers, decimals; anything quoted is text), rather than by Yams' regular
    /// expression resolver, which made reading a call's `call.yaml` the slowest part of `sor rescore`.
    public static func decodeYAML<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self), .basic)
        let object = node.map(plain) ?? [String: Any]()
        let json = try JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])
        return try jsonDecoder().decode(type, from: json)
    }

    static func plain(_ node: Node) -> Any {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string
            guard scalar.style == .plain || scalar.style == .any else { return text }
            switch text {
            case "null", "~", "": return NSNull()
            case "true", "True": return true
            case "false", "False": return false
            default:
                if let value = Int(text) { return value }
                if let value = Double(text), text.contains(where: { $0.isNumber }) { return value }
                return text
            }
        case .mapping(let mapping):
            var result: [String: Any] = [:]
            for (key, value) in mapping { result[key.string ?? "\(key)"] = plain(value) }
            return result
        case .sequence(let sequence):
            return sequence.map(plain)
        case .alias:
            return NSNull()
        }
    }
}

/// A JSON document as a value, so YAML gets integers as integers and decimals in plain notation
/// (Yams would write every number of a Foundation object tree in scientific notation).
enum JSONValue: Decodable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func node() throws -> Node {
        switch self {
        case .null: return Node("null", Tag(.null))
        case .bool(let value): return try value.represented()
        case .int(let value): return try value.represented()
        case .double(let value): return Node("\(value)", Tag(.float))
        case .string(let value): return try value.represented()
        case .array(let values): return Node(try values.map { try $0.node() })
        case .object(let pairs):
            var mapping: [(Node, Node)] = []
            for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
                mapping.append((try key.represented(), try value.node()))
            }
            return Node(mapping)
        }
    }
}
