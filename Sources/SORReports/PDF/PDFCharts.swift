import Foundation

/// One axis of a chart: its range, labelled ticks and title (which carries the unit: "ocena (%)", "min:s").
struct ChartAxis {
    var range: ClosedRange<Double>
    var ticks: [(value: Double, label: String)]
    var title: String
}

/// Lines over an x axis, as vectors: the sentiment of a call's utterances, a period's daily average. Readable
/// without colour, as the site's SVG charts are: each series has its own dash pattern and point shape, and the
/// legend names them.
struct LineChart {
    enum Marker { case circle, square, none }

    struct Series {
        var name: String
        var color: PDFColor
        var dash: [UInt16] = []
        var marker: Marker = .circle
        /// Points in x order; a nil y (a day without scored calls) breaks the line.
        var points: [(x: Double, y: Double?)]
    }

    var x: ChartAxis
    var y: ChartAxis
    var series: [Series]
    /// A y value drawn as a stronger line (sentiment's 0).
    var baseline: Double?
}

/// Bars over categories (calls per day). Category `i` is centred on x = i, so a line chart over the same days with
/// x range −0.5…n−0.5 lines up with it.
struct BarChart {
    var name: String
    var color: PDFColor
    var values: [Double]
    var x: ChartAxis
    var y: ChartAxis
}

/// Where a chart's plot area lies on the page, and how values map into it.
private struct Plot {
    var left: Double, top: Double, width: Double, height: Double
    var x: ChartAxis, y: ChartAxis

    func point(_ xValue: Double, _ yValue: Double) -> PDFPoint {
        func share(_ value: Double, _ range: ClosedRange<Double>) -> Double {
            let span = range.upperBound - range.lowerBound
            return span > 0 ? (min(max(value, range.lowerBound), range.upperBound) - range.lowerBound) / span : 0.5
        }
        return PDFPoint(x: left + width * share(xValue, x.range), y: top + height * (1 - share(yValue, y.range)))
    }
}

extension PDFWriter {
    /// Room the y tick labels take at the left of every chart, the same for all so charts above one another align.
    private static let axisGutter = 34.0

    func lineChart(_ chart: LineChart, height: Double = 170) {
        let legend = chart.series.map { ($0.name, $0.color, $0.dash, $0.marker) }
        let plot = frame(x: chart.x, y: chart.y, legend: legend, height: height)
        if let baseline = chart.baseline {
            document.line([plot.point(chart.x.range.lowerBound, baseline), plot.point(chart.x.range.upperBound, baseline)],
                          color: .muted, width: 0.7, page: page)
        }
        for series in chart.series {
            // Unbroken stretches of the line.
            var stretch: [PDFPoint] = []
            for point in series.points {
                if let value = point.y {
                    stretch.append(plot.point(point.x, value))
                } else {
                    document.line(stretch, color: series.color, width: 1.2, dash: series.dash, page: page)
                    stretch = []
                }
            }
            document.line(stretch, color: series.color, width: 1.2, dash: series.dash, page: page)
            for point in series.points {
                guard let value = point.y else { continue }
                marker(series.marker, at: plot.point(point.x, value), color: series.color)
            }
        }
    }

    func barChart(_ chart: BarChart, height: Double = 120) {
        let plot = frame(x: chart.x, y: chart.y, legend: [(chart.name, chart.color, [], .none)], height: height, bars: true)
        let slot = plot.width / max(chart.x.range.upperBound - chart.x.range.lowerBound, 1)
        for (index, value) in chart.values.enumerated() where value > 0 {
            let top = plot.point(Double(index), value)
            let base = plot.point(Double(index), chart.y.range.lowerBound)
            let barWidth = max(slot * 0.7, 1)
            document.fill(x: top.x - barWidth / 2, y: top.y, width: barWidth, height: base.y - top.y, color: chart.color, page: page)
        }
    }

    private func marker(_ marker: LineChart.Marker, at point: PDFPoint, color: PDFColor) {
        switch marker {
        case .circle: document.circle(center: point, radius: 2.3, color: color, page: page)
        case .square: document.fill(x: point.x - 2.2, y: point.y - 2.2, width: 4.4, height: 4.4, color: color, page: page)
        case .none: break
        }
    }

    /// Draws the legend, grid, ticks and axis titles of a chart `height` points tall at the cursor (on a new page
    /// when it does not fit) and returns its plot area; the cursor moves below the chart.
    private func frame(
        x: ChartAxis, y yAxis: ChartAxis, legend: [(String, PDFColor, [UInt16], LineChart.Marker)], height: Double, bars: Bool = false
    ) -> Plot {
        ensure(height + 4)
        let tick = TextStyle(size: 7, color: .muted)
        let chartTop = self.y
        // The y axis's title above its labels; the legend at the right of the same row.
        document.text(yAxis.title, at: .init(x: left, y: chartTop + 8), font: tick.font, size: tick.size, color: tick.color, page: page)
        var legendX = left + width
        let label = TextStyle(size: 7.5)
        for (name, color, dash, shape) in legend.reversed() {
            legendX -= measure(name, label) + 30
            if bars {
                document.fill(x: legendX, y: chartTop + 2, width: 16, height: 7, color: color, page: page)
            } else {
                document.line([.init(x: legendX, y: chartTop + 5.5), .init(x: legendX + 20, y: chartTop + 5.5)], color: color, width: 1.2, dash: dash, page: page)
                marker(shape, at: .init(x: legendX + 10, y: chartTop + 5.5), color: color)
            }
            document.text(name, at: .init(x: legendX + 24, y: chartTop + 8.5), font: label.font, size: label.size, color: label.color, page: page)
        }
        let plot = Plot(left: left + Self.axisGutter, top: chartTop + 18, width: width - Self.axisGutter - 4, height: height - 18 - 24, x: x, y: yAxis)
        for (value, text) in yAxis.ticks {
            let point = plot.point(x.range.lowerBound, value)
            document.line([point, .init(x: plot.left + plot.width, y: point.y)], color: .grid, width: 0.5, page: page)
            document.text(text, at: .init(x: plot.left - 4 - measure(text, tick), y: point.y + 2.5), font: tick.font, size: tick.size,
                          color: tick.color, page: page)
        }
        let axisY = plot.top + plot.height
        document.line([.init(x: plot.left, y: plot.top), .init(x: plot.left, y: axisY), .init(x: plot.left + plot.width, y: axisY)],
                      color: .muted, width: 0.7, page: page)
        // Tick labels that would overlap the previous one are left out (the mark stays).
        var lastRight = -Double.infinity
        for (value, text) in x.ticks {
            let point = plot.point(value, yAxis.range.lowerBound)
            document.line([point, .init(x: point.x, y: point.y + 3)], color: .muted, width: 0.5, page: page)
            let textWidth = measure(text, tick)
            let textX = min(max(point.x - textWidth / 2, left), left + width - textWidth)
            if textX > lastRight + 3 {
                document.text(text, at: .init(x: textX, y: axisY + 11), font: tick.font, size: tick.size, color: tick.color, page: page)
                lastRight = textX + textWidth
            }
        }
        let titleWidth = measure(x.title, tick)
        document.text(x.title, at: .init(x: left + width - titleWidth, y: axisY + 21), font: tick.font, size: tick.size, color: tick.color, page: page)
        self.space(height + 4)
        return plot
    }
}
