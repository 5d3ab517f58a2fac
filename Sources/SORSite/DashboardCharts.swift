import Foundation

/// The dashboard's charts as inline SVG, readable without colour: each card's line has its own dash pattern and
/// point shape, the legend names them, every point's tooltip says its day, card, mean and number of calls, and the
/// axes carry units.
struct DashboardCharts {
    static let width = 760.0
    static let height = 260.0
    static let left = 48.0, right = 16.0, top = 40.0, bottom = 40.0
    /// Dash patterns and point shapes, one per card in order.
    static let dashes = ["", "6 4", "2 3", "10 3 2 3"]
    static let shapes = ["circle", "square", "triangle", "diamond"]

    let strings: [String: String]

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func marker(_ shape: String, x: Double, y: Double, title: String, index: Int) -> String {
        let t = "<title>\(escape(title))</title>"
        switch shape {
        case "square":
            return #"<rect class="point c\#(index)" x="\#(f(x - 3.5))" y="\#(f(y - 3.5))" width="7" height="7">\#(t)</rect>"#
        case "triangle":
            return #"<path class="point c\#(index)" d="M\#(f(x)) \#(f(y - 4.5)) L\#(f(x + 4.5)) \#(f(y + 3.5)) L\#(f(x - 4.5)) \#(f(y + 3.5)) Z">\#(t)</path>"#
        case "diamond":
            return #"<path class="point c\#(index)" d="M\#(f(x)) \#(f(y - 5)) L\#(f(x + 5)) \#(f(y)) L\#(f(x)) \#(f(y + 5)) L\#(f(x - 5)) \#(f(y)) Z">\#(t)</path>"#
        default:
            return #"<circle class="point c\#(index)" cx="\#(f(x))" cy="\#(f(y))" r="3.5">\#(t)</circle>"#
        }
    }

    /// The mean card total per day, one line per card; nil when nothing was scored.
    func trend(_ figures: DashboardFigures) -> String? {
        let cards = figures.daily.keys.sorted()
        guard !cards.isEmpty else { return nil }
        let days = Day.range(figures.period.from, figures.period.to)
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        func x(_ index: Int) -> Double { Self.left + (days.count > 1 ? plotWidth * Double(index) / Double(days.count - 1) : plotWidth / 2) }
        func y(_ percent: Double) -> Double { Self.top + plotHeight * (1 - min(max(percent, 0), 100) / 100) }
        var parts = [#"<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 \#(Self.f(Self.width)) \#(Self.f(Self.height))" role="img" aria-labelledby="trend-title">"#]
        parts.append(#"<title id="trend-title">\#(Self.escape(strings["trend_title"] ?? ""))</title>"#)
        for percent in stride(from: 0.0, through: 100, by: 25) {
            parts.append(#"<line class="grid" x1="\#(Self.f(Self.left))" x2="\#(Self.f(Self.width - Self.right))" y1="\#(Self.f(y(percent)))" y2="\#(Self.f(y(percent)))"/>"#)
            parts.append(#"<text class="tick" x="\#(Self.f(Self.left - 6))" y="\#(Self.f(y(percent) + 4))" text-anchor="end">\#(Int(percent))%</text>"#)
        }
        // Day labels: at most eight, evenly spread, always the first and the last.
        let step = max(1, Int((Double(days.count) / 8).rounded(.up)))
        for (index, day) in days.enumerated()
        where (index % step == 0 && (index == days.count - 1 || days.count - 1 - index >= max(1, step / 2))) || index == days.count - 1 {
            parts.append(#"<text class="tick" x="\#(Self.f(x(index)))" y="\#(Self.f(Self.height - Self.bottom + 16))" text-anchor="middle">\#(day.dropFirst(5))</text>"#)
        }
        parts.append(#"<text class="axis-label" x="\#(Self.f(Self.width - Self.right))" y="\#(Self.f(Self.height - 4))" text-anchor="end">\#(Self.escape(strings["trend_axis"] ?? ""))</text>"#)
        for (order, card) in cards.enumerated() {
            let index = order % Self.dashes.count
            let series = figures.daily[card] ?? [:]
            let points = days.enumerated().compactMap { position, day -> (Double, Double, String, Int)? in
                guard let value = series[day], value.count > 0 else { return nil }
                let mean = value.total / Double(value.count)
                return (x(position), y(mean), "\(day) · \(card): \(Format.percent(mean)) (\(value.count) \(strings["calls_short"] ?? ""))", value.count)
            }
            let path = points.enumerated().map { ($0.offset == 0 ? "M" : "L") + Self.f($0.element.0) + " " + Self.f($0.element.1) }.joined(separator: " ")
            let dash = Self.dashes[index].isEmpty ? "" : #" stroke-dasharray="\#(Self.dashes[index])""#
            parts.append(#"<g class="series c\#(index)" data-card="\#(Self.escape(card))"><path class="line c\#(index)" d="\#(path)"\#(dash)/>"#)
            for point in points { parts.append(Self.marker(Self.shapes[index], x: point.0, y: point.1, title: point.2, index: index)) }
            parts.append("</g>")
            // Legend along the top.
            let legendX = Self.left + Double(order) * 150
            parts.append(#"<g class="legend"><line class="line c\#(index)" x1="\#(Self.f(legendX))" x2="\#(Self.f(legendX + 28))" y1="16" y2="16"\#(dash)/>"#
                + Self.marker(Self.shapes[index], x: legendX + 14, y: 16, title: card, index: index)
                + #"<text x="\#(Self.f(legendX + 34))" y="20">\#(Self.escape(card))</text></g>"#)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// How many card results fell in each tenth of the scale; nil when nothing was scored.
    func distribution(_ figures: DashboardFigures) -> String? {
        let total = figures.distribution.reduce(0, +)
        guard total > 0 else { return nil }
        let height = 200.0
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = height - 30 - Self.bottom
        let top = Double(figures.distribution.max() ?? 1)
        let barWidth = plotWidth / 10
        var parts = [#"<svg xmlns="http://www.w3.org/2000/svg" class="distribution-chart" viewBox="0 0 \#(Self.f(Self.width)) \#(Self.f(height))" role="img" aria-labelledby="distribution-title">"#]
        parts.append(#"<title id="distribution-title">\#(Self.escape(strings["distribution_title"] ?? ""))</title>"#)
        for (bin, count) in figures.distribution.enumerated() {
            let barHeight = plotHeight * Double(count) / top
            let x = Self.left + Double(bin) * barWidth
            let y = 30 + plotHeight - barHeight
            let range = bin == 9 ? "90–100%" : "\(bin * 10)–\(bin * 10 + 9)%"
            parts.append(#"<rect class="bar\#(bin < 5 ? " low" : "")" x="\#(Self.f(x + 2))" y="\#(Self.f(y))" width="\#(Self.f(barWidth - 4))" height="\#(Self.f(barHeight))"><title>\#(range): \#(count)</title></rect>"#)
            if count > 0 { parts.append(#"<text class="value" x="\#(Self.f(x + barWidth / 2))" y="\#(Self.f(y - 4))" text-anchor="middle">\#(count)</text>"#) }
            parts.append(#"<text class="tick" x="\#(Self.f(x + barWidth / 2))" y="\#(Self.f(30 + plotHeight + 16))" text-anchor="middle">\#(bin * 10)</text>"#)
        }
        parts.append(#"<text class="axis-label" x="\#(Self.f(Self.width - Self.right))" y="\#(Self.f(height - 4))" text-anchor="end">\#(Self.escape(strings["distribution_axis"] ?? ""))</text>"#)
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}
