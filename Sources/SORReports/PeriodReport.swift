import Foundation

/// What a period's report shows: the dashboard's figures for a stretch of days, already counted and worded. Plain
/// values so whoever fills it (the site's `DashboardFigures`, a scheduled job) decides what the numbers are and
/// `PeriodPDF` only lays them out. Percentages are 0…100; nil where nothing was scored.
public struct PeriodReport: Sendable, Equatable {
    /// The report's title, e.g. "Raport okresowy".
    public var title: String
    /// The period as people read it, e.g. "2025-11-01 – 2025-11-30".
    public var period: String
    /// Whom it covers: "Całe centrum" or a team's name.
    public var scope: String
    /// The line saying when it was made, as printed ("Wygenerowano: 2025-12-01 06:00"; on the site "Stan danych: …"):
    /// the only thing that varies between two reports of the same figures.
    public var generated: String
    /// The headline figures in order, worded and formatted by the caller: calls, hours, average score, pass rate,
    /// critical failures, "do weryfikacji", sentiment balance…
    public var kpis: [KPI]
    /// Per scorecard: calls scored on it, the average total and the pass rate.
    public var cards: [Card]
    /// Every day of the period in order, days without calls included (they show as gaps in the trend).
    public var days: [Day]
    /// Per consultant, in the order to print (e.g. by average, best first).
    public var agents: [Agent]
    /// The criteria failed most often, most first.
    public var failedCriteria: [FailedCriterion]
    /// A note for the readers (Markdown), printed under the title: what the author of a scheduled or hand-made
    /// report wants to say about the period.
    public var note: String?

    public init(
        title: String, period: String, scope: String, generated: String, kpis: [KPI] = [], cards: [Card] = [], days: [Day] = [],
        agents: [Agent] = [], failedCriteria: [FailedCriterion] = [], note: String? = nil
    ) {
        self.note = note
        self.title = title
        self.period = period
        self.scope = scope
        self.generated = generated
        self.kpis = kpis
        self.cards = cards
        self.days = days
        self.agents = agents
        self.failedCriteria = failedCriteria
    }

    /// One headline figure: its label ("Średnia ocena") and its value as printed ("82,5%").
    public struct KPI: Sendable, Equatable {
        public var label: String
        public var value: String

        public init(label: String, value: String) {
            self.label = label
            self.value = value
        }
    }

    /// One scorecard's results over the period.
    public struct Card: Sendable, Equatable {
        /// The card's name as the site shows it.
        public var name: String
        /// Calls scored on the card.
        public var calls: Int
        /// Mean total in percent.
        public var average: Double?
        /// Share of those calls that passed, in percent.
        public var passRate: Double?

        public init(name: String, calls: Int, average: Double?, passRate: Double?) {
            self.name = name
            self.calls = calls
            self.average = average
            self.passRate = passRate
        }
    }

    /// One day of the trend.
    public struct Day: Sendable, Equatable {
        /// `YYYY-MM-DD`.
        public var day: String
        /// Calls that day.
        public var calls: Int
        /// Mean score of the day's scored calls in percent; nil when none was scored.
        public var average: Double?

        public init(day: String, calls: Int, average: Double?) {
            self.day = day
            self.calls = calls
            self.average = average
        }
    }

    /// One consultant's results.
    public struct Agent: Sendable, Equatable {
        public var name: String
        /// Their team; empty when not known.
        public var team: String
        public var calls: Int
        /// Mean score in percent.
        public var average: Double?
        /// Share of their scored calls that passed, in percent.
        public var passRate: Double?
        /// Calls with at least one critical criterion failed.
        public var criticalFailures: Int

        public init(name: String, team: String, calls: Int, average: Double?, passRate: Double?, criticalFailures: Int) {
            self.name = name
            self.team = team
            self.calls = calls
            self.average = average
            self.passRate = passRate
            self.criticalFailures = criticalFailures
        }
    }

    /// A criterion and how often it was failed.
    public struct FailedCriterion: Sendable, Equatable {
        /// The card's name.
        public var card: String
        /// The criterion's name.
        public var criterion: String
        /// Calls where it was answered "no" (0).
        public var failed: Int
        /// Calls where it applied (answered, not "nie dotyczy").
        public var of: Int

        public init(card: String, criterion: String, failed: Int, of: Int) {
            self.card = card
            self.criterion = criterion
            self.failed = failed
            self.of = of
        }
    }
}
