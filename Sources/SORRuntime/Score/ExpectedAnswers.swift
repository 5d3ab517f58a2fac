import Foundation
import SORCore
import Yams

/// The answers a careful evaluator gives to every criterion of a call's card: a calibration set's `expected.yaml`,
/// against which `sor eval scoring` measures the automatic answers.
///
/// ```yaml
/// calls:
///   sales-refused:                 # the recording's name without extension
///     card: SALES
///     answers:
///       powitanie_formula: tak — Wita „Dzień dobry” w pierwszym zdaniu.
///       prawo_odstapienia: nie dotyczy — Klient odmówił, umowy nie zawarto.
///       ton_i_kultura: 4 — Uprzejmy, raz wchodzi w słowo.
/// ```
/// An answer is `tak`, `nie`, `częściowo`, `nie dotyczy` (or `yes`, `no`, `partial`, `na`), or a scale value, then an
/// em dash (or `--`) and the reason. Other keys of a call (`passed`, `critical`, `note`) are the labeller's own
/// summary and are checked against the answers, not used instead of them.
public struct ExpectedAnswers: Sendable {
    public struct Label: Sendable, Codable, Equatable {
        public var answer: Answer
        public var reason: String
    }

    public struct Call: Sendable {
        public var name: String
        public var card: String
        /// By criterion id.
        public var answers: [String: Label]
        /// The labeller's own verdict and critical failures, where given.
        public var passed: Bool?
        public var critical: [String]?
        public var line: Int
    }

    public var file: String
    public var calls: [Call]
    /// Not errors, but worth saying: criteria left without an expected answer, a summary that disagrees with the
    /// answers.
    public var notes: [String]

    public func call(_ name: String) -> Call? { calls.first { $0.name == name } }

    /// Reads the file; every problem is reported with its line, and the set is nil while there is any.
    public static func load(_ path: String, scorecards: ScorecardSet) throws -> ExpectedAnswers {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError.cannotRead(path: path, detail: "no such file or permission denied")
        }
        let (parsed, diagnostics) = parse(String(decoding: data, as: UTF8.self), file: path, scorecards: scorecards)
        guard let parsed else {
            throw RuntimeError.cannotRead(
                path: path, detail: "the expected answers are invalid; fix them and run again:\n" + diagnostics.map(\.description).joined(separator: "\n"))
        }
        return parsed
    }

    public static func parse(_ text: String, file: String, scorecards: ScorecardSet) -> (ExpectedAnswers?, [Diagnostic]) {
        var reader = YAMLReader(file: file)
        guard let root = reader.root(text) else { return (nil, reader.diagnostics) }
        let top = reader.mapping(root, allowed: ["calls"], context: "the expected answers")
        guard let callsNode = top["calls"], case .mapping(let mapping) = callsNode else {
            reader.error(top["calls"] ?? root, "the file needs `calls:`, a mapping of each recording's name (without extension) to its card and answers")
            return (nil, reader.diagnostics)
        }
        var calls: [Call] = []
        var notes: [String] = []
        for (nameNode, callNode) in mapping {
            guard let name = nameNode.string, !name.isEmpty else {
                reader.error(nameNode, "each call is named by its recording's name without extension")
                continue
            }
            let keys = reader.mapping(callNode, allowed: ["card", "answers", "passed", "critical", "note"], context: "call \(name)")
            guard let cardID = keys["card"]?.string else {
                reader.error(callNode, "call \(name) needs `card:` (one of \(scorecards.cards.map(\.id).joined(separator: ", ")))")
                continue
            }
            guard let card = scorecards.card(cardID) else {
                reader.error(keys["card"]!, "call \(name): no card \(cardID) in scorecards.yaml (cards: \(scorecards.cards.map(\.id).joined(separator: ", ")))")
                continue
            }
            var call = Call(name: name, card: cardID, answers: [:], passed: keys["passed"]?.bool, line: (nameNode.mark?.line ?? 1))
            if let critical = keys["critical"] {
                if case .sequence(let items) = critical {
                    call.critical = items.compactMap(\.string)
                } else {
                    reader.error(critical, "call \(name): critical is a list of criterion ids, e.g. [prawo_odstapienia] or []")
                }
            }
            let criteria = Dictionary(card.sections.flatMap(\.criteria).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            if let answersNode = keys["answers"] {
                guard case .mapping(let answers) = answersNode else {
                    reader.error(answersNode, "call \(name): answers is a mapping of criterion id to „answer — reason”")
                    continue
                }
                for (idNode, valueNode) in answers {
                    guard let id = idNode.string else { continue }
                    guard let criterion = criteria[id] else {
                        let hint = YAMLReader.closest(id, in: Set(criteria.keys)).map { " (did you mean '\($0)'?)" } ?? ""
                        reader.error(idNode, "call \(name): card \(cardID) has no criterion '\(id)'\(hint)")
                        continue
                    }
                    guard let value = valueNode.string else {
                        reader.error(valueNode, "call \(name), \(id): write the answer as text, „tak — reason”")
                        continue
                    }
                    switch label(value, for: criterion) {
                    case .success(let label): call.answers[id] = label
                    case .failure(let problem): reader.error(valueNode, "call \(name), \(id): \(problem.message)")
                    }
                }
            }
            let missing = card.sections.flatMap(\.criteria).map(\.id).filter { call.answers[$0] == nil }
            if !missing.isEmpty {
                notes.append("\(file):\(call.line): \(name) has no expected answer for \(missing.joined(separator: ", ")) (not compared)")
            }
            calls.append(call)
        }
        guard reader.diagnostics.isEmpty else { return (nil, reader.diagnostics) }
        return (ExpectedAnswers(file: file, calls: calls, notes: notes), [])
    }

    struct Problem: Error { var message: String }

    /// The answers' words, Polish and English, as `Answer` values.
    static let vocabulary = [
        "tak": "yes", "yes": "yes", "nie": "no", "no": "no", "częściowo": "partial", "czesciowo": "partial",
        "partial": "partial", "nie dotyczy": "na", "nd": "na", "n/d": "na", "na": "na", "n/a": "na",
    ]

    /// „tak — reason”: the answer before the dash, the reason after it.
    static func label(_ text: String, for criterion: Criterion) -> Result<Label, Problem> {
        var head = text
        var reason = ""
        for dash in [" — ", " -- ", " – "] {
            if let range = text.range(of: dash) {
                head = String(text[..<range.lowerBound])
                reason = String(text[range.upperBound...]).trimmingCharacters(in: .whitespaces)
                break
            }
        }
        let word = head.trimmingCharacters(in: .whitespaces).lowercased()
        guard let value = vocabulary[word] ?? (Int(word) != nil ? word : nil) else {
            return .failure(Problem(message: "„\(head)” is not an answer; write tak, nie, częściowo, nie dotyczy or a scale value, then „ — ” and the reason"))
        }
        // A criterion with `applicable_if` allows „nie dotyczy” (the parser sets `naAllowed` for it).
        guard Answer.isValid(value, for: criterion) else {
            let allowed: String
            switch criterion.answer {
            case .yesNo: allowed = "tak or nie"
            case .partial: allowed = "tak, częściowo or nie"
            case .scale: allowed = "a whole number from 0 to \(criterion.scale)"
            }
            let na = criterion.naAllowed ? " or nie dotyczy" : " (the card does not allow „nie dotyczy” here)"
            return .failure(Problem(message: "„\(head)” does not fit this criterion; answer \(allowed)\(na)"))
        }
        return .success(Label(answer: Answer(value), reason: reason))
    }
}
