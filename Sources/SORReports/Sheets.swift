import Foundation
import SORSite

/// A table as the spreadsheet exports write it: typed cells, so numbers stay numbers and dates stay dates.
public struct Sheet: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        case text(String)
        case number(Double)
        /// A local date and time, `YYYY-MM-DDTHH:MM:SS` (what the call's metadata says, as the pages show it).
        case date(String)
        case empty
    }

    public struct Column: Sendable, Equatable {
        public var title: String
        /// In characters, as spreadsheets measure column widths.
        public var width: Double
    }

    public var name: String
    public var columns: [Column]
    public var rows: [[Cell]]
}

/// The three sheets of an export, from the calls' index entries (the data the site's pages are made of).
public enum Sheets {
    /// Answers in Polish, as an evaluator writes them.
    static func answer(_ value: String?) -> String {
        switch value {
        case "yes": "tak"
        case "no": "nie"
        case "partial": "częściowo"
        case "na": "nie dotyczy"
        case nil: ""
        case let scale?: scale
        }
    }

    static func yesNo(_ value: Bool) -> Sheet.Cell { .text(value ? "tak" : "nie") }

    /// "Rozmowy": one row per call and card, newest first, with every criterion's answer in a column of its own (the
    /// cards' criteria side by side, in card order, headed "CARD: criterion name").
    public static func calls(_ entries: [IndexEntry]) -> Sheet {
        var criteria: [(card: String, id: String, name: String)] = []
        var seen: Set<String> = []
        for score in entries.flatMap(\.scores).sorted(by: { $0.card < $1.card }) {
            for answer in score.answers where seen.insert(score.card + "/" + answer.id).inserted {
                criteria.append((score.card, answer.id, answer.name))
            }
        }
        criteria.sort { $0.card < $1.card }  // stable: each card's criteria stay in its order
        let column = Dictionary(uniqueKeysWithValues: criteria.enumerated().map { ($0.element.card + "/" + $0.element.id, $0.offset) })
        var columns: [Sheet.Column] = [
            .init(title: "ID rozmowy", width: 18), .init(title: "Data i godzina", width: 18), .init(title: "Agent", width: 20),
            .init(title: "Zespół", width: 14), .init(title: "Kierunek", width: 11), .init(title: "Czas trwania (s)", width: 10),
            .init(title: "Karta", width: 13), .init(title: "Wynik (%)", width: 10), .init(title: "Zaliczona", width: 10),
            .init(title: "Błąd krytyczny", width: 10), .init(title: "Do weryfikacji", width: 10),
            .init(title: "Sentyment klienta", width: 12), .init(title: "Plik", width: 28),
        ]
        columns += criteria.map { .init(title: "\($0.card): \($0.name)", width: 14) }
        var rows: [[Sheet.Cell]] = []
        for entry in entries.sorted(by: { ($0.time, $0.id) > ($1.time, $1.id) }) {
            let common: [Sheet.Cell] = [
                .text(entry.id), .date(String(entry.time.prefix(19))), .text(entry.agent), .text(entry.team),
                entry.direction.map { .text($0 == "inbound" ? "przychodząca" : $0 == "outbound" ? "wychodząca" : $0) } ?? .empty,
                .number((entry.duration * 10).rounded() / 10),
            ]
            let tail: [Sheet.Cell] = [yesNo(entry.needsReview), entry.sentiment.map { .text($0) } ?? .empty, .text(entry.file)]
            if entry.scores.isEmpty {
                rows.append(common + [.empty, .empty, .empty, .empty] + tail + Array(repeating: .empty, count: criteria.count))
            }
            for score in entry.scores {
                var answers = [Sheet.Cell](repeating: .empty, count: criteria.count)
                for answer in score.answers {
                    if let index = column[score.card + "/" + answer.id] { answers[index] = answer.value == nil ? .empty : .text(Self.answer(answer.value)) }
                }
                rows.append(common + [.text(score.card), .number((score.total * 100).rounded() / 100), yesNo(score.passed), yesNo(score.critical)] + tail + answers)
            }
        }
        return Sheet(name: "Rozmowy", columns: columns, rows: rows)
    }

    /// "Agenci": each agent's calls, average, pass rate and critical failures over the period, best first.
    public static func agents(_ figures: DashboardFigures) -> Sheet {
        Sheet(
            name: "Agenci",
            columns: [
                .init(title: "Agent", width: 22), .init(title: "Zespół", width: 14), .init(title: "Rozmowy", width: 10),
                .init(title: "Średni wynik (%)", width: 12), .init(title: "Zaliczone (%)", width: 12),
                .init(title: "Błędy krytyczne", width: 12),
            ],
            rows: figures.agents.map { person in
                [.text(person.name), .text(person.team), .number(Double(person.calls)), .number((person.average * 100).rounded() / 100),
                 .number((person.passRate * 10_000).rounded() / 100), .number(Double(person.critical))]
            })
    }

    /// "Kryteria": per card and criterion, how often it was met, partly met, not met or did not apply.
    public static func criteria(_ entries: [IndexEntry]) -> Sheet {
        struct Count { var name = "", critical = false, yes = 0, partial = 0, no = 0, na = 0, open = 0, order = 0 }
        var counts: [String: [String: Count]] = [:]
        for score in entries.flatMap(\.scores) {
            for (order, answer) in score.answers.enumerated() {
                var count = counts[score.card, default: [:]][answer.id] ?? Count(name: answer.name, critical: answer.critical, order: order)
                switch answer.value {
                case "yes": count.yes += 1
                case "no": count.no += 1
                case "partial": count.partial += 1
                case "na": count.na += 1
                case nil: count.open += 1
                default:  // a scale: full marks count as met, none as not met, the rest as partly met
                    if let earned = answer.earned, earned >= answer.points { count.yes += 1 } else if (answer.earned ?? 0) <= 0 { count.no += 1 } else { count.partial += 1 }
                }
                counts[score.card, default: [:]][answer.id] = count
            }
        }
        var rows: [[Sheet.Cell]] = []
        for card in counts.keys.sorted() {
            for (id, count) in counts[card]!.sorted(by: { $0.value.order < $1.value.order }) {
                let answered = count.yes + count.partial + count.no
                rows.append([
                    .text(card), .text(id), .text(count.name), yesNo(count.critical), .number(Double(answered)),
                    .number(Double(count.yes)), .number(Double(count.partial)), .number(Double(count.no)), .number(Double(count.na)),
                    .number(Double(count.open)),
                    answered > 0 ? .number((Double(count.yes) * 10_000 / Double(answered)).rounded() / 100) : .empty,
                ])
            }
        }
        return Sheet(
            name: "Kryteria",
            columns: [
                .init(title: "Karta", width: 13), .init(title: "Kryterium", width: 24), .init(title: "Nazwa", width: 40),
                .init(title: "Krytyczne", width: 10), .init(title: "Ocenione", width: 10), .init(title: "Spełnione", width: 10),
                .init(title: "Częściowo", width: 10), .init(title: "Niespełnione", width: 12), .init(title: "Nie dotyczy", width: 11),
                .init(title: "Bez odpowiedzi", width: 12), .init(title: "Spełnione (%)", width: 12),
            ],
            rows: rows)
    }
}
