import Foundation
import SORCore
import Yams

/// Reads typed values out of a YAML node tree and records every problem with its line and column.
///
/// Codable would silently drop unknown keys and stop at the first error; a configuration file deserves a list of
/// everything wrong with it, each located like a compiler message.
struct YAMLReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    /// Parses `text`; a syntax error becomes a diagnostic and the result is nil.
    mutating func root(_ text: String) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                self.error(at: mark, "YAML syntax: \(problem)")
            default:
                diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)"))
            }
            return nil
        } catch {
            diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)"))
            return nil
        }
    }

    mutating func error(at mark: Mark?, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    mutating func error(_ node: Node, _ message: String) { error(at: node.mark, message) }

    /// The pairs of a mapping; unknown keys and duplicates are reported.
    mutating func mapping(_ node: Node, allowed: Set<String>, context: String) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            error(node, "\(context) must be a mapping of keys to values")
            return [:]
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                error(keyNode, "keys in \(context) must be text")
                continue
            }
            if !allowed.contains(key) {
                let hint = Self.closest(key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                error(keyNode, "unknown key '\(key)' in \(context)\(hint); allowed: \(allowed.sorted().joined(separator: ", "))")
                continue
            }
            if result[key] != nil {
                error(keyNode, "duplicate key '\(key)' in \(context)")
                continue
            }
            result[key] = value
        }
        return result
    }

    mutating func string(_ node: Node?, _ name: String, into target: inout String) {
        guard let node else { return }
        guard case .scalar(let scalar) = node else { return error(node, "\(name) must be text") }
        target = scalar.string
    }

    mutating func double(_ node: Node?, _ name: String, range: ClosedRange<Double>, into target: inout Double) {
        guard let node else { return }
        guard case .scalar = node, let value = node.float ?? node.int.map(Double.init) else {
            return error(node, "\(name) must be a number")
        }
        guard range.contains(value) else {
            return error(node, "\(name) must be between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound)), not \(Self.format(value))")
        }
        target = value
    }

    mutating func bool(_ node: Node?, _ name: String, into target: inout Bool) {
        guard let node else { return }
        guard case .scalar = node, let value = node.bool else { return error(node, "\(name) must be true or false") }
        target = value
    }

    mutating func int(_ node: Node?, _ name: String, range: ClosedRange<Int>, into target: inout Int) {
        guard let node else { return }
        guard case .scalar = node, let value = node.int else { return error(node, "\(name) must be a whole number") }
        guard range.contains(value) else {
            return error(node, "\(name) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
        target = value
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ node: Node?, _ name: String, into target: inout T) where T.RawValue == String {
        guard let node else { return }
        guard let text = node.string, let value = T(rawValue: text) else {
            return error(node, "\(name) must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        target = value
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// The allowed key nearest to a misspelt one, if it is close enough to be a likely typo.
    static func closest(_ key: String, in allowed: Set<String>) -> String? {
        var best: (key: String, distance: Int)?
        for candidate in allowed.sorted() {
            let distance = Levenshtein.distance(Array(key), Array(candidate))
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, key.count / 3) else { return nil }
        return best.key
    }
}
