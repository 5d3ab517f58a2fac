import Foundation
import SORCore
import SORReports
import Yams

extension ConfigParser {
    /// `reports:`: the CSV separator and the scheduled reports, each entry checked (its cron expression, period and
    /// formats) with the file and line of what is wrong.
    static func parseReports(_ node: Node, reader: inout YAMLReader, into reports: inout Config.Reports) {
        let keys = reader.mapping(node, allowed: ["csv_separator", "schedule"], context: "reports")
        if let node = keys["csv_separator"] {
            if let text = node.string, [";", ",", "\t"].contains(text) { reports.csvSeparator = text } else {
                reader.error(node, "reports.csv_separator must be \";\" (Polish Excel), \",\" or \"\\t\"")
            }
        }
        guard let schedule = keys["schedule"] else { return }
        guard case .sequence(let items) = schedule else { return reader.error(schedule, "reports.schedule must be a list") }
        var names: Set<String> = []
        for item in items {
            let entry = reader.mapping(item, allowed: ["name", "cron", "period", "team", "formats", "note"], context: "a scheduled report")
            guard let name = entry["name"]?.string, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                reader.error(item, "a scheduled report needs a name of letters, digits, - and _ (its folder under site/reports/)")
                continue
            }
            if !names.insert(name).inserted { reader.error(item, "reports.schedule: the name \"\(name)\" is used twice") }
            var scheduled = Config.Reports.Scheduled(name: name, cron: "", period: "", formats: ["pdf", "xlsx"])
            if let cron = entry["cron"]?.string {
                do {
                    let parsed = try Schedule(parsing: cron)
                    if case .every = parsed { reader.error(entry["cron"]!, "reports.schedule \(name): cron must be a cron expression such as \"30 6 * * *\" or @daily") }
                    scheduled.cron = cron
                } catch {
                    reader.error(entry["cron"]!, "reports.schedule \(name): \(error.localizedDescription)")
                }
            } else {
                reader.error(item, "reports.schedule \(name) needs a cron expression (e.g. \"30 6 * * *\": every day at 6:30)")
            }
            if let period = entry["period"]?.string {
                do {
                    _ = try ReportPeriod.parse(period, entries: [], now: Date())
                    scheduled.period = period
                } catch {
                    reader.error(entry["period"]!, "reports.schedule \(name): \(error.localizedDescription)")
                }
            } else {
                reader.error(item, "reports.schedule \(name) needs a period (yesterday, last-week, last-month, …)")
            }
            scheduled.team = entry["team"]?.string
            scheduled.note = entry["note"]?.string
            if let formats = entry["formats"] {
                let list = formats.string.map { [$0] } ?? { if case .sequence(let items) = formats { return items.compactMap(\.string) } else { return [] } }()
                let unknown = list.filter { Reports.Format(rawValue: $0) == nil }
                if list.isEmpty || !unknown.isEmpty {
                    reader.error(formats, "reports.schedule \(name): formats must be a list of xlsx, csv, pdf")
                } else {
                    scheduled.formats = list
                }
            }
            reports.schedule.append(scheduled)
        }
    }
}
