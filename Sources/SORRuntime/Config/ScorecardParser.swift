import Foundation
import SORCore
import SORScoring
import Yams

/// Reads `scorecards.yaml`. Every problem is listed as `file:line:col: error: …`; the set is nil when there is any.
///
/// Shape (README "Scorecards"): `version`, optional `matching.threshold`, optional shared `sections` (reused by cards
/// with `- use: ID`), and `cards`, each with `id`, `name`, `description`, `pass_threshold`, and `sections` whose
/// `weight`s add up to 100; each section has `criteria` with `id`, `name`, `description`, `points`, `answer`
/// (`yes_no`, `partial`, `scale` + `scale`), `critical`, `na_allowed`, `auto` and `applicable_if` rules.
public enum ScorecardParser {
    public static func parse(_ text: String, file: String = "scorecards.yaml") -> (ScorecardSet?, [Diagnostic]) {
        var reader = YAMLReader(file: file)
        var set = ScorecardSet()
        guard let root = reader.root(text) else {
            if reader.diagnostics.isEmpty { reader.error(at: nil, "the file is empty; it must define cards") }
            return (nil, reader.diagnostics)
        }
        let top = reader.mapping(root, allowed: ["version", "matching", "sections", "cards"], context: "the scorecards file")
        if let version = top["version"] {
            reader.int(version, "version", range: 1...1, into: &set.version)
        }
        if let node = top["matching"] {
            let matching = reader.mapping(node, allowed: ["threshold", "forbidden_threshold", "min_confidence"], context: "matching")
            reader.double(matching["threshold"], "matching.threshold", range: 0.5...1, into: &set.matchThreshold)
            reader.double(matching["forbidden_threshold"], "matching.forbidden_threshold", range: 0.5...1, into: &set.forbiddenThreshold)
            reader.double(matching["min_confidence"], "matching.min_confidence", range: 0...1, into: &set.minimumConfidence)
        }
        var shared: [String: (Scorecard.Section, Node)] = [:]
        if let node = top["sections"] {
            for item in sequence(node, "sections", reader: &reader) {
                guard let section = parseSection(item, shared: [:], context: "shared section", reader: &reader) else { continue }
                if shared[section.id] != nil {
                    reader.error(item, "duplicate shared section id '\(section.id)'")
                } else {
                    shared[section.id] = (section, item)
                }
            }
        }
        guard let cardsNode = top["cards"] else {
            reader.error(root, "missing 'cards': the file must define at least one scorecard")
            return (nil, reader.diagnostics)
        }
        var seen: Set<String> = []
        for item in sequence(cardsNode, "cards", reader: &reader) {
            let keys = reader.mapping(item, allowed: ["id", "name", "description", "pass_threshold", "sections"], context: "a card")
            guard let id = identifier(keys["id"], "card id", in: item, reader: &reader) else { continue }
            if !seen.insert(id).inserted { reader.error(keys["id"]!, "duplicate card id '\(id)'") }
            var card = Scorecard(id: id, name: id, passThreshold: 80, sections: [])
            reader.string(keys["name"], "cards.\(id).name", into: &card.name)
            reader.string(keys["description"], "cards.\(id).description", into: &card.description)
            if keys["pass_threshold"] == nil {
                reader.error(item, "card \(id) has no pass_threshold (the percent a call needs to pass, e.g. 80)")
            }
            reader.double(keys["pass_threshold"], "cards.\(id).pass_threshold", range: 0...100, into: &card.passThreshold)
            guard let sectionsNode = keys["sections"] else {
                reader.error(item, "card \(id) has no sections")
                continue
            }
            var sectionIDs: Set<String> = []
            var criterionIDs: Set<String> = []
            for sectionNode in sequence(sectionsNode, "cards.\(id).sections", reader: &reader) {
                guard let section = parseSection(sectionNode, shared: shared, context: "a section of card \(id)", reader: &reader) else { continue }
                if !sectionIDs.insert(section.id).inserted { reader.error(sectionNode, "duplicate section id '\(section.id)' in card \(id)") }
                for criterion in section.criteria where !criterionIDs.insert(criterion.id).inserted {
                    reader.error(sectionNode, "duplicate criterion id '\(criterion.id)' in card \(id) (criterion ids must be unique within a card)")
                }
                card.sections.append(section)
            }
            if card.sections.isEmpty {
                reader.error(sectionsNode, "card \(id) has no sections")
            } else {
                let total = card.sections.reduce(0) { $0 + $1.weight }
                if abs(total - 100) > 0.001 {
                    let list = card.sections.map { "\($0.id) \(YAMLReader.format($0.weight))" }.joined(separator: " + ")
                    reader.error(sectionsNode, "the section weights of card \(id) add up to \(YAMLReader.format(total)), not 100 (\(list))")
                }
            }
            set.cards.append(card)
        }
        if set.cards.isEmpty && reader.diagnostics.isEmpty { reader.error(cardsNode, "'cards' is empty") }
        return (reader.diagnostics.isEmpty ? set : nil, reader.diagnostics)
    }

    private static func sequence(_ node: Node, _ name: String, reader: inout YAMLReader) -> [Node] {
        guard case .sequence(let items) = node else {
            reader.error(node, "\(name) must be a list (items starting with '- ')")
            return []
        }
        return Array(items)
    }

    private static func identifier(_ node: Node?, _ what: String, in parent: Node, reader: inout YAMLReader) -> String? {
        guard let node else {
            reader.error(parent, "missing \(what)")
            return nil
        }
        guard let text = node.string, !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            reader.error(node, "\(what) must be a word of letters, digits, '_' or '-'")
            return nil
        }
        return text
    }

    private static func parseSection(
        _ node: Node, shared: [String: (Scorecard.Section, Node)], context: String, reader: inout YAMLReader
    ) -> Scorecard.Section? {
        if case .mapping(let mapping) = node, mapping.keys.contains(where: { $0.string == "use" }) {
            let keys = reader.mapping(node, allowed: ["use", "weight"], context: "a reused section")
            guard let name = keys["use"]?.string else {
                reader.error(node, "use must name a shared section")
                return nil
            }
            guard var section = shared[name]?.0 else {
                let known = shared.keys.sorted()
                let hint = YAMLReader.closest(name, in: Set(known)).map { " (did you mean '\($0)'?)" } ?? ""
                reader.error(keys["use"]!, "unknown section '\(name)'\(hint); shared sections: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
                return nil
            }
            reader.double(keys["weight"], "weight", range: 0.001...100, into: &section.weight)
            return section
        }
        let keys = reader.mapping(node, allowed: ["id", "name", "weight", "criteria"], context: context)
        guard let id = identifier(keys["id"], "section id", in: node, reader: &reader) else { return nil }
        var section = Scorecard.Section(id: id, name: id, weight: 0, criteria: [])
        reader.string(keys["name"], "sections.\(id).name", into: &section.name)
        if keys["weight"] == nil { reader.error(node, "section \(id) has no weight") }
        reader.double(keys["weight"], "sections.\(id).weight", range: 0.001...100, into: &section.weight)
        guard let criteriaNode = keys["criteria"] else {
            reader.error(node, "section \(id) has no criteria")
            return section
        }
        for item in sequence(criteriaNode, "sections.\(id).criteria", reader: &reader) {
            if let criterion = parseCriterion(item, reader: &reader) { section.criteria.append(criterion) }
        }
        if section.criteria.isEmpty { reader.error(criteriaNode, "section \(id) has no criteria") }
        return section
    }

    private static func parseCriterion(_ node: Node, reader: inout YAMLReader) -> Criterion? {
        let keys = reader.mapping(
            node, allowed: ["id", "name", "description", "points", "answer", "scale", "critical", "na_allowed", "auto", "applicable_if"],
            context: "a criterion")
        guard let id = identifier(keys["id"], "criterion id", in: node, reader: &reader) else { return nil }
        var criterion = Criterion(id: id, name: id, points: 0)
        reader.string(keys["name"], "\(id).name", into: &criterion.name)
        reader.string(keys["description"], "\(id).description", into: &criterion.description)
        if keys["points"] == nil { reader.error(node, "criterion \(id) has no points") }
        reader.double(keys["points"], "\(id).points", range: 0.001...1000, into: &criterion.points)
        reader.choice(keys["answer"], "\(id).answer", into: &criterion.answer)
        reader.int(keys["scale"], "\(id).scale", range: 2...10, into: &criterion.scale)
        if keys["scale"] != nil && criterion.answer != .scale, let scale = keys["scale"] {
            reader.error(scale, "\(id).scale is only for answer: scale")
        }
        criterion.critical = flag(keys["critical"], "\(id).critical", reader: &reader)
        criterion.naAllowed = flag(keys["na_allowed"], "\(id).na_allowed", reader: &reader)
        if let auto = keys["auto"] { criterion.auto = parseRule(auto, context: "\(id).auto", reader: &reader) }
        if let condition = keys["applicable_if"] {
            criterion.applicableIf = parseRule(condition, context: "\(id).applicable_if", reader: &reader)
            criterion.naAllowed = true
        }
        return criterion
    }

    private static func flag(_ node: Node?, _ name: String, reader: inout YAMLReader) -> Bool {
        guard let node else { return false }
        guard let value = node.bool else {
            reader.error(node, "\(name) must be true or false")
            return false
        }
        return value
    }

    static let ruleKeys = [
        "said", "not_said", "pattern", "in_order", "talk_ratio", "longest_silence", "interruptions", "hold_announced",
        "sentiment_change", "sentiment_floor", "escalation_handled", "all", "any", "not",
    ]

    private static func parseRule(_ node: Node, context: String, reader: inout YAMLReader) -> Rule? {
        let keys = reader.mapping(node, allowed: Set(ruleKeys + ["by", "within", "min"]), context: context)
        let present = ruleKeys.filter { keys[$0] != nil }
        guard present.count == 1, let kind = present.first, let value = keys[kind] else {
            reader.error(node, present.isEmpty
                ? "\(context) needs one rule: \(ruleKeys.joined(separator: ", "))"
                : "\(context) has several rules (\(present.joined(separator: ", "))); combine them with all: or any:")
            return nil
        }
        var party = Party.any
        if let by = keys["by"] {
            if let text = by.string, let value = Party(rawValue: text), value != .any {
                party = value
            } else {
                reader.error(by, "\(context).by must be KONSULTANT or KLIENT")
            }
        }
        var window = Window.whole
        if let within = keys["within"] {
            if let parsed = within.string.flatMap(parseWindow) {
                window = parsed
            } else {
                reader.error(within, "\(context).within must be 'first N s' or 'last N s', e.g. 'first 30 s'")
            }
        }
        var minimum = 1
        reader.int(keys["min"], "\(context).min", range: 1...100, into: &minimum)
        func phrases(_ node: Node, _ name: String) -> [String] {
            let items: [Node]
            if case .sequence(let sequence) = node { items = Array(sequence) } else if node.string != nil { items = [node] } else { items = [] }
            var list: [String] = []
            for item in items {
                guard let text = item.string, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                    reader.error(item, "\(name) phrases must be non-empty text")
                    continue
                }
                if TextNormalizer.words(text).isEmpty {
                    reader.error(item, "\(name) phrase '\(text)' has no words")
                    continue
                }
                list.append(text)
            }
            if items.isEmpty { reader.error(node, "\(name) needs a list of phrases, e.g. [\"dzień dobry\", \"witam\"]") }
            return list
        }
        switch kind {
        case "said":
            let list = phrases(value, "\(context).said")
            if minimum > list.count, let node = keys["min"] { reader.error(node, "\(context).min is \(minimum) but there are only \(list.count) phrases") }
            return list.isEmpty ? nil : .said(phrases: list, party: party, window: window, min: minimum)
        case "not_said":
            let list = phrases(value, "\(context).not_said")
            return list.isEmpty ? nil : .notSaid(phrases: list, party: party, window: window)
        case "pattern":
            guard let text = value.string, !text.isEmpty else {
                reader.error(value, "\(context).pattern must be a regular expression")
                return nil
            }
            do {
                _ = try NSRegularExpression(pattern: text)
            } catch {
                reader.error(value, "\(context).pattern is not a valid regular expression: \(text)")
                return nil
            }
            return .pattern(text, party: party, window: window)
        case "in_order":
            guard case .sequence(let steps) = value, steps.count >= 2 else {
                reader.error(value, "\(context).in_order needs at least two steps, each a phrase or a list of phrases")
                return nil
            }
            let groups = steps.map { phrases($0, "\(context).in_order") }
            return groups.contains(where: \.isEmpty) ? nil : .inOrder(groups: groups, party: party)
        case "talk_ratio":
            let bounds = reader.mapping(value, allowed: ["min", "max"], context: "\(context).talk_ratio")
            var low = -1.0
            var high = -1.0
            reader.double(bounds["min"], "\(context).talk_ratio.min", range: 0...1, into: &low)
            reader.double(bounds["max"], "\(context).talk_ratio.max", range: 0...1, into: &high)
            if party == .any { reader.error(node, "\(context).talk_ratio needs by: KONSULTANT or KLIENT") }
            if bounds.isEmpty { reader.error(value, "\(context).talk_ratio needs min, max or both") }
            return .talkRatio(party: party, min: low < 0 ? nil : low, max: high < 0 ? nil : high)
        case "longest_silence":
            var seconds = 0.0
            reader.double(value, "\(context).longest_silence", range: 1...3600, into: &seconds)
            return .longestSilence(max: seconds)
        case "interruptions":
            var count = 0
            reader.int(value, "\(context).interruptions", range: 0...1000, into: &count)
            if party == .any { reader.error(node, "\(context).interruptions needs by: KONSULTANT or KLIENT (who interrupts)") }
            return .interruptions(party: party, max: count)
        case "sentiment_change":
            let bounds = reader.mapping(value, allowed: ["min"], context: "\(context).sentiment_change")
            var minimum = 0.0
            reader.double(bounds["min"], "\(context).sentiment_change.min", range: -2...2, into: &minimum)
            if party == .any { reader.error(node, "\(context).sentiment_change needs by: KLIENT or KONSULTANT (whose sentiment)") }
            return .sentimentChange(party: party, min: minimum)
        case "sentiment_floor":
            let bounds = reader.mapping(value, allowed: ["below"], context: "\(context).sentiment_floor")
            var floor = -0.3
            reader.double(bounds["below"], "\(context).sentiment_floor.below", range: -1...1, into: &floor)
            if party == .any { reader.error(node, "\(context).sentiment_floor needs by: KLIENT or KONSULTANT (whose utterances)") }
            return .sentimentFloor(party: party, below: floor)
        case "escalation_handled":
            let spec = reader.mapping(value, allowed: ["requests", "handled", "within"], context: "\(context).escalation_handled")
            var within = 60.0
            reader.double(spec["within"], "\(context).escalation_handled.within", range: 1...3600, into: &within)
            guard let requests = spec["requests"].map({ phrases($0, "\(context).escalation_handled.requests") }),
                let handled = spec["handled"].map({ phrases($0, "\(context).escalation_handled.handled") }),
                !requests.isEmpty, !handled.isEmpty
            else {
                if spec["requests"] == nil || spec["handled"] == nil {
                    reader.error(value, "\(context).escalation_handled needs requests (what the client says) and handled (what the consultant answers)")
                }
                return nil
            }
            return .escalationHandled(requests: requests, handled: handled, within: within)
        case "hold_announced":
            let hold = reader.mapping(value, allowed: ["min_silence", "phrases", "before"], context: "\(context).hold_announced")
            var silence = 15.0
            var before = 20.0
            reader.double(hold["min_silence"], "\(context).hold_announced.min_silence", range: 1...3600, into: &silence)
            reader.double(hold["before"], "\(context).hold_announced.before", range: 1...600, into: &before)
            guard let list = hold["phrases"].map({ phrases($0, "\(context).hold_announced") }), !list.isEmpty else {
                if hold["phrases"] == nil { reader.error(value, "\(context).hold_announced needs phrases") }
                return nil
            }
            return .holdAnnounced(minSilence: silence, phrases: list, before: before)
        case "not":
            return parseRule(value, context: "\(context).not", reader: &reader).map(Rule.not)
        default:  // all, any
            guard case .sequence(let items) = value, !items.isEmpty else {
                reader.error(value, "\(context).\(kind) needs a list of rules")
                return nil
            }
            let rules = items.compactMap { parseRule($0, context: "\(context).\(kind)", reader: &reader) }
            guard rules.count == items.count else { return nil }
            return kind == "all" ? .all(rules) : .any(rules)
        }
    }

    /// `first 30 s`, `last 60s`, `first 1 min`.
    static func parseWindow(_ text: String) -> Window? {
        guard let regex = try? NSRegularExpression(pattern: #"^\s*(first|last)\s*([0-9]+(?:\.[0-9]+)?)\s*(s|sec|min|m)?\s*$"#),
            let match = regex.firstMatch(in: text.lowercased(), range: NSRange(location: 0, length: text.utf16.count))
        else { return nil }
        let lower = text.lowercased() as NSString
        guard let value = Double(lower.substring(with: match.range(at: 2))), value > 0 else { return nil }
        let unit = match.range(at: 3).location == NSNotFound ? "s" : lower.substring(with: match.range(at: 3))
        let seconds = unit.hasPrefix("m") ? value * 60 : value
        return lower.substring(with: match.range(at: 1)) == "first" ? .first(seconds) : .last(seconds)
    }
}
