import Foundation
import SORSite

/// A period's report for managers: the headline figures, the daily trend (average score as a line, calls as bars),
/// each card's results, every consultant, and the criteria failed most often. Long tables continue on the next
/// page under their repeated header.
public enum PeriodPDF {
    /// The report's PDF; the same report gives the same bytes.
    public static func render(_ report: PeriodReport) throws(ReportError) -> Data {
        let pdf = try PDFDocument(name: "\(report.title) \(report.period)", title: "\(report.title) \(report.period) — \(report.scope)")
        let writer = PDFWriter(
            document: pdf, header: (left: "\(report.title) · \(report.scope)", right: report.period),
            footer: "SOR — System Oceny Rozmów", pageLabel: { "Strona \($0) z \($1)" })
        let t = Strings.table("pl")
        let small = TextStyle(size: 8, color: .muted)

        writer.text(report.title, TextStyle(font: .bold, size: 17), spacing: 2)
        writer.text("\(t["period"]!): \(report.period) · \(report.scope)", TextStyle(size: 10), spacing: 2)
        writer.text(report.generated, small, spacing: 8)
        if let note = report.note, !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            writer.markdown(note)
            writer.space(6)
        }
        if !report.kpis.isEmpty { writer.tiles(report.kpis.map { ($0.label, $0.value) }) }

        writer.heading("Trend dzienny", level: 2)
        if report.days.isEmpty {
            writer.text(t["no_scored"]!, small)
        } else {
            trend(report.days, writer: writer, t: t)
        }

        let body = Table.body
        func percent(_ value: Double?) -> String { value.map(Format.percent) ?? "—" }
        writer.heading(t["cards"]!, level: 2)
        if report.cards.isEmpty {
            writer.text(t["no_scored"]!, small)
        } else {
            writer.table(Table(
                columns: [.init(t["filter_card"]!, width: 0.52), .init(t["calls"]!, width: 0.16, alignment: .right),
                          .init(t["average"]!, width: 0.16, alignment: .right), .init(t["pass_rate"]!, width: 0.16, alignment: .right)],
                rows: report.cards.map { card in
                    [Table.Cell(card.name, body), Table.Cell("\(card.calls)", body), Table.Cell(percent(card.average), body.with(font: .bold)),
                     Table.Cell(percent(card.passRate), body)]
                }))
        }

        writer.heading("Konsultanci", level: 2)
        if report.agents.isEmpty {
            writer.text(t["no_scored"]!, small)
        } else {
            writer.table(Table(
                columns: [.init(t["agent"]!, width: 0.25), .init(t["team"]!, width: 0.26), .init(t["calls"]!, width: 0.11, alignment: .right),
                          .init(t["average"]!, width: 0.11, alignment: .right), .init(t["pass_rate"]!, width: 0.11, alignment: .right),
                          .init(t["kpi_critical"]!, width: 0.16, alignment: .right)],
                rows: report.agents.map { agent in
                    [Table.Cell(agent.name, body), Table.Cell(agent.team, body), Table.Cell("\(agent.calls)", body),
                     Table.Cell(percent(agent.average), body.with(font: .bold)), Table.Cell(percent(agent.passRate), body),
                     Table.Cell("\(agent.criticalFailures)", body.with(color: agent.criticalFailures > 0 ? .fail : .text))]
                },
                rules: false, stripes: true))
        }

        writer.heading(t["most_failed"]!, level: 2)
        if report.failedCriteria.isEmpty {
            writer.text(t["no_scored"]!, small)
        } else {
            writer.table(Table(
                columns: [.init(t["filter_card"]!, width: 0.30), .init(t["criterion"]!, width: 0.44),
                          .init("Niespełnione", width: 0.14, alignment: .right), .init("Udział", width: 0.12, alignment: .right)],
                rows: report.failedCriteria.map { item in
                    let share = item.of > 0 ? Format.percent(Double(item.failed) / Double(item.of) * 100) : "—"
                    return [Table.Cell(item.card, body), Table.Cell(item.criterion, body),
                            Table.Cell("\(item.failed) \(t["of"]!) \(item.of)", body), Table.Cell(share, body)]
                }))
        }
        return try writer.finish()
    }

    /// The average score per day as a line (gaps on days nothing was scored) over the calls per day as bars, both on
    /// the same days so they line up.
    static func trend(_ days: [PeriodReport.Day], writer: PDFWriter, t: [String: String]) {
        let range = -0.5...(Double(days.count) - 0.5)
        // About eight day labels, always the first and the last.
        let step = max(1, Int((Double(days.count) / 8).rounded(.up)))
        let ticks = days.indices.filter { $0 % step == 0 || $0 == days.count - 1 }.map { (value: Double($0), label: String(days[$0].day.dropFirst(5))) }
        let axis = ChartAxis(range: range, ticks: ticks, title: t["trend_axis"]!)
        writer.lineChart(LineChart(
            x: axis,
            y: ChartAxis(range: 0...100, ticks: stride(from: 0.0, through: 100, by: 25).map { ($0, "\(Int($0))%") }, title: t["distribution_axis"]!),
            series: [.init(name: t["kpi_average"]!, color: .klient, points: days.enumerated().map { (x: Double($0.offset), y: $0.element.average) })]),
            height: 160)
        let most = Double(days.map(\.calls).max() ?? 0)
        let tickStep = niceStep(most / 4)
        let top = max(tickStep * (most / tickStep).rounded(.up), tickStep)
        writer.barChart(BarChart(
            name: "Rozmowy dziennie", color: PDFColor(hex: 0x8c959f), values: days.map { Double($0.calls) }, x: axis,
            y: ChartAxis(range: 0...top, ticks: stride(from: 0.0, through: top + 0.001, by: tickStep).map { ($0, Format.number($0)) },
                         title: t["calls"]!.lowercased())),
            height: 110)
    }

    /// 1, 2 or 5 times a power of ten, at least `raw` (and at least 1: calls are whole).
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 1 else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * power >= raw { return factor * power }
        return 10 * power
    }
}

extension PDFWriter {
    /// Headline figures as tiles, `columns` to a row: the label small above the value.
    func tiles(_ pairs: [(String, String)], columns: Int = 4) {
        let gap = 8.0
        let tileWidth = (width - gap * Double(columns - 1)) / Double(columns)
        let label = TextStyle(size: 7.5, color: .muted)
        let value = TextStyle(font: .bold, size: 14)
        for start in stride(from: 0, to: pairs.count, by: columns) {
            let row = pairs[start..<min(start + columns, pairs.count)]
            // A long value ("41% / 38% / 21%") is set smaller to stay on one line, down to 9 points.
            let laidOut = row.map { pair -> ([TextLine], [TextLine]) in
                let fitted = value.with(size: max(9, min(value.size, value.size * 0.97 * (tileWidth - 12) / max(measure(pair.1, value), 1))))
                return (breaker.lines(Paragraph(pair.0, label), width: tileWidth - 12), breaker.lines(Paragraph(pair.1, fitted), width: tileWidth - 12))
            }
            let height = (laidOut.map { $0.0.height + $0.1.height }.max() ?? 0) + 14
            ensure(height + gap)
            for (index, (labels, values)) in laidOut.enumerated() {
                let x = left + Double(index) * (tileWidth + gap)
                document.fill(x: x, y: y, width: tileWidth, height: height, color: .shade, page: page)
                var top = y + 6
                for line in labels + values {
                    draw(line, x: x + 6, top: top)
                    top += line.height
                }
            }
            y += height + gap
        }
        space(2)
    }
}
