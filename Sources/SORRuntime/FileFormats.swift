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

    public static func json<T: Encodable>(_ value: T) throws -> Data {
        var data = try jsonEncoder().encode(value)
        data.append(0x0A)
        return data
    }

    /// YAML through the same snake_case JSON model, so both formats name keys alike.
    public static func yaml<T: Encodable>(_ value: T) throws -> Data {
        let tree = try JSONDecoder().decode(JSONValue.self, from: jsonEncoder().encode(value))
        return Data(try Yams.serialize(node: tree.node(), allowUnicode: true, sortKeys: true).utf8)
    }

    public static func decodeYAML<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let object = try Yams.load(yaml: String(decoding: data, as: UTF8.self)) ?? [String: Any]()
        let json = try JSONSerialization.data(withJSONObject: object)
        return try jsonDecoder().decode(type, from: json)
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
