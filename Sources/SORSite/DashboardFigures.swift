import Foundation
import SORCore

/// A stretch of days the dashboard covers, ending on the newest call's day (so a page is the same whenever it is
/// built: it depends on the calls, not on the clock).
public struct DashboardPeriod: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        case day, week, month, all
        /// The page it is written to.
        var page: String {
            switch self {
            case .month: "index.html"
            case .day: "today.html"
            case .week: "week.html"
            case .all: "all.html"
            }
        }
        var days: Int? {
            switch self {
            case .day: 1
            case .week: 7
            case .month: 30
            case .all: nil
            }
        }
    }

    public var kind: Kind
    /// First and last day, YYYY-MM-DD, inclusive.
    public var from: String
    public var to: String

    public init(kind: Kind, from: String, to: String) {
        self.kind = kind
        self.from = from
        self.to = to
    }

    /// The period of `kind` over these calls' days.
    public static func of(_ kind: Kind, entries: [IndexEntry]) -> DashboardPeriod {
        let days = entries.map { String($0.time.prefix(10)) }.sorted()
        let last = days.last ?? "1970-01-01"
        guard let length = kind.days else { return DashboardPeriod(kind: kind, from: days.first ?? last, to: last) }
        return DashboardPeriod(kind: kind, from: Day.adding(-(length - 1), to: last), to: last)
    }

    public func contains(_ entry: IndexEntry) -> Bool {
        let day = String(entry.time.prefix(10))
        return day >= from && day <= to
    }
}

/// Calendar days as YYYY-MM-DD strings, in UTC.
public enum Day {
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    public static func date(_ day: String) -> Date? {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    public static func string(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }

    public static func adding(_ days: Int, to day: String) -> String {
        guard let date = date(day), let moved = calendar.date(byAdding: .day, value: days, to: date) else { return day }
        return string(moved)
    }

    /// Every day from `from` to `to`, inclusive (at most 400, for a chart).
    public static func range(_ from: String, _ to: String) -> [String] {
        var days: [String] = []
        var day = from
        while day <= to && days.count < 400 {
            days.append(day)
            day = adding(1, to: day)
        }
        return days
    }
}

/// The dashboard's figures for one period, from the calls' index entries.
public struct DashboardFigures: Sendable {
    public struct Card: Sendable, Equatable {
        public var card: String
        public var calls: Int
        public var average: Double
        public var passRate: Double
        public var critical: Int
    }

    public struct Failed: Sendable, Equatable {
        public var card: String
        public var criterion: String
        public var name: String
        /// Calls in which it was answered "no".
        public var calls: Int
        /// Of the calls scored on its card.
        public var of: Int
    }

    public struct Person: Sendable, Equatable {
        public var name: String
        public var team: String
        public var calls: Int
        /// Mean of the person's card totals.
        public var average: Double
        public var passRate: Double
        /// Card results with a critical failure.
        public var critical = 0
    }

    /// AutoQA against evaluators: over the calls an evaluator reviewed on a card, how many automatic answers they
    /// left standing (agreed) of those compared.
    public struct Agreement: Sendable, Equatable {
        public var card: String
        public var criterion: String?
        public var name: String
        public var calls: Int
        public var compared: Int
        public var agreed: Int
        public var rate: Double { compared > 0 ? Double(agreed) / Double(compared) : 0 }
    }

    public var period: DashboardPeriod
    /// Per card, and per criterion lowest first.
    public var agreement: [Agreement] = []
    public var leastAgreed: [Agreement] = []
    public var calls = 0
    public var seconds = 0.0
    public var review = 0
    /// Calls with a critical error on some card.
    public var critical = 0
    /// Scored card results, and how many passed.
    public var scored = 0
    public var passed = 0
    /// The client's sentiment label → calls.
    public var sentiment: [String: Int] = [:]
    public var cards: [Card] = []
    public var failed: [Failed] = []
    public var agents: [Person] = []
    public var teams: [Person] = []
    /// Per card, per day: the mean total and the number of results.
    public var daily: [String: [String: (total: Double, count: Int)]] = [:]
    /// Card totals in ten bins of 10 points (the last holds 100).
    public var distribution = [Int](repeating: 0, count: 10)

    /// Card results summed for one card, agent or team.
    struct Tally {
        var team = ""
        var calls = 0
        var sum = 0.0
        var count = 0
        var passed = 0
        var critical = 0

        mutating func add(_ score: IndexEntry.Score) {
            sum += score.total
            count += 1
            if score.passed { passed += 1 }
            if score.critical { critical += 1 }
        }

        var average: Double { sum / Double(count) }
        var passRate: Double { Double(passed) / Double(count) }
    }

    /// Agents or teams with scored calls, best average first (then by name).
    static func ranked(_ tallies: [String: Tally]) -> [Person] {
        tallies.compactMap { name, tally in
            tally.count == 0 || name == "—" ? nil : Person(
                name: name, team: tally.team, calls: tally.calls, average: tally.average, passRate: tally.passRate,
                critical: tally.critical)
        }.sorted { ($1.average, $0.name) < ($0.average, $1.name) }
    }

    public static func compute(_ all: [IndexEntry], period: DashboardPeriod) -> DashboardFigures {
        var figures = DashboardFigures(period: period)
        let entries = all.filter(period.contains)
        var cards: [String: Tally] = [:]
        var failedCounts: [String: [String: Int]] = [:]
        var names: [String: String] = [:]
        var people: [String: Tally] = [:]
        var groups: [String: Tally] = [:]
        var cardAgreement: [String: Agreement] = [:]
        var criterionAgreement: [String: Agreement] = [:]
        for entry in entries {
            figures.calls += 1
            figures.seconds += entry.duration
            if entry.needsReview { figures.review += 1 }
            if entry.scores.contains(where: \.critical) { figures.critical += 1 }
            if let label = entry.sentiment { figures.sentiment[label, default: 0] += 1 }
            let day = String(entry.time.prefix(10))
            var person = people[entry.agent] ?? Tally(team: entry.team)
            var group = groups[entry.team] ?? Tally(team: entry.team)
            person.calls += 1
            group.calls += 1
            for score in entry.scores {
                figures.scored += 1
                if score.passed { figures.passed += 1 }
                cards[score.card, default: Tally()].add(score)
                person.add(score)
                group.add(score)
                for (index, criterion) in score.failed.enumerated() {
                    failedCounts[score.card, default: [:]][criterion, default: 0] += 1
                    if index < score.failedNames.count { names[score.card + "/" + criterion] = score.failedNames[index] }
                }
                var point = figures.daily[score.card, default: [:]][day] ?? (0, 0)
                point.total += score.total
                point.count += 1
                figures.daily[score.card, default: [:]][day] = point
                figures.distribution[min(9, max(0, Int(score.total / 10)))] += 1
                guard score.evaluated else { continue }
                var card = cardAgreement[score.card] ?? Agreement(card: score.card, name: score.card, calls: 0, compared: 0, agreed: 0)
                card.calls += 1
                for answer in score.answers {
                    guard let automatic = answer.automatic else { continue }
                    let same = answer.value == automatic ? 1 : 0
                    let key = score.card + "/" + answer.id
                    var criterion = criterionAgreement[key]
                        ?? Agreement(card: score.card, criterion: answer.id, name: answer.name, calls: 0, compared: 0, agreed: 0)
                    criterion.calls += 1
                    criterion.compared += 1
                    criterion.agreed += same
                    criterionAgreement[key] = criterion
                    card.compared += 1
                    card.agreed += same
                }
                cardAgreement[score.card] = card
            }
            people[entry.agent] = person
            groups[entry.team] = group
        }
        figures.cards = cards.map { card, tally in
            Card(card: card, calls: tally.count, average: tally.average, passRate: tally.passRate, critical: tally.critical)
        }.sorted { $0.card < $1.card }
        figures.failed = failedCounts.flatMap { card, criteria in
            criteria.map { criterion, count in
                Failed(card: card, criterion: criterion, name: names[card + "/" + criterion] ?? criterion, calls: count,
                       of: cards[card]?.count ?? count)
            }
        }.sorted { ($1.calls, $0.card, $0.criterion) < ($0.calls, $1.card, $1.criterion) }
        figures.agreement = cardAgreement.values.sorted { $0.card < $1.card }
        figures.leastAgreed = criterionAgreement.values.filter { $0.agreed < $0.compared }
            .sorted { ($0.rate, $0.card, $0.criterion ?? "") < ($1.rate, $1.card, $1.criterion ?? "") }
        figures.agents = ranked(people)
        figures.teams = ranked(groups)
        return figures
    }
}
