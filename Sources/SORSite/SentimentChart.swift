import Foundation
import SORCore

/// The call page's sentiment chart as inline SVG: one line per role over the call's time (minutes on the axis),
/// a point per utterance that plays the recording from there when clicked, and markers at each party's most negative
/// and most positive moments. Readable without colour: the roles differ in line pattern and point shape as well,
/// and the legend and every point's tooltip say it in words.
struct SentimentChart {
    static let width = 760.0
    static let height = 240.0
    static let left = 64.0
    static let right = 16.0
    static let top = 34.0
    static let bottom = 34.0

    let analysis: Analysis
    let duration: Double
    let strings: [String: String]

    private var plotWidth: Double { Self.width - Self.left - Self.right }
    private var plotHeight: Double { Self.height - Self.top - Self.bottom }

    func x(_ seconds: Double) -> Double { Self.left + plotWidth * min(max(seconds / max(duration, 1), 0), 1) }
    func y(_ score: Double) -> Double { Self.top + plotHeight * (1 - (min(max(score, -1), 1) + 1) / 2) }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// nil when no utterance has a sentiment.
    func svg() -> String? {
        guard analysis.utterances.contains(where: { $0.sentiment != nil }) else { return nil }
        let title = strings["sentiment_chart"] ?? "Sentiment"
        var parts: [String] = []
        parts.append(#"<svg xmlns="http://www.w3.org/2000/svg" class="sentiment-chart" viewBox="0 0 \#(Self.format(Self.width)) \#(Self.format(Self.height))" role="img" aria-labelledby="sentiment-title sentiment-desc">"#)
        parts.append(#"<title id="sentiment-title">\#(Self.escape(title))</title>"#)
        parts.append(#"<desc id="sentiment-desc">\#(Self.escape(strings["sentiment_desc"] ?? ""))</desc>"#)
        parts.append(axes())
        for role in Role.allCases {
            let points = analysis.utterances.filter { analysis.role(of: $0.speaker) == role && $0.sentiment != nil }
            guard !points.isEmpty else { continue }
            parts.append(series(points, role: role))
        }
        parts.append(extremes())
        parts.append(legend(present: Set(analysis.utterances.compactMap { analysis.role(of: $0.speaker) })))
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private func axes() -> String {
        var parts = [#"<g class="axes">"#]
        // Score axis: -1, 0 and +1, with the words at the ends.
        for (score, label) in [(1.0, "+1"), (0.0, "0"), (-1.0, "−1")] {
            let position = Self.format(y(score))
            parts.append(#"<line class="\#(score == 0 ? "zero" : "grid")" x1="\#(Self.format(Self.left))" x2="\#(Self.format(Self.width - Self.right))" y1="\#(position)" y2="\#(position)"/>"#)
            parts.append(#"<text class="tick" x="\#(Self.format(Self.left - 6))" y="\#(position)" text-anchor="end" dominant-baseline="middle">\#(label)</text>"#)
        }
        parts.append(#"<text class="axis-label" x="\#(Self.format(Self.left + 4))" y="\#(Self.format(y(1) + 13))" text-anchor="start">\#(Self.escape(strings["sentiment_positive"] ?? "+"))</text>"#)
        parts.append(#"<text class="axis-label" x="\#(Self.format(Self.left + 4))" y="\#(Self.format(y(-1) - 5))" text-anchor="start">\#(Self.escape(strings["sentiment_negative"] ?? "−"))</text>"#)
        // Time axis: a tick every minute (every 15 s or 30 s in a short call, every 5 minutes in a long one).
        let step: Double = duration <= 60 ? 15 : duration <= 240 ? 30 : duration <= 1200 ? 60 : 300
        var tick = 0.0
        while tick <= duration + 0.001 {
            let position = Self.format(x(tick))
            parts.append(#"<line class="tick-mark" x1="\#(position)" x2="\#(position)" y1="\#(Self.format(Self.height - Self.bottom))" y2="\#(Self.format(Self.height - Self.bottom + 5))"/>"#)
            parts.append(#"<text class="tick time" x="\#(position)" y="\#(Self.format(Self.height - Self.bottom + 18))" text-anchor="middle">\#(Self.clock(tick))</text>"#)
            tick += step
        }
        parts.append(#"<text class="axis-label" x="\#(Self.format(Self.width - Self.right))" y="\#(Self.format(Self.height - 2))" text-anchor="end">\#(Self.escape(strings["sentiment_time"] ?? "min"))</text>"#)
        parts.append("</g>")
        return parts.joined(separator: "\n")
    }

    private func series(_ utterances: [Utterance], role: Role) -> String {
        let css = role == .klient ? "klient" : "konsultant"
        let name = strings["role_" + role.rawValue] ?? role.rawValue
        let coordinates = utterances.map { ($0, x(($0.start + $0.end) / 2), y($0.sentiment!.score)) }
        var parts = [#"<g class="series \#(css)">"#]
        let line = coordinates.map { "\(Self.format($0.1)),\(Self.format($0.2))" }.joined(separator: " ")
        parts.append(#"<polyline class="line" points="\#(line)"/>"#)
        for (utterance, px, py) in coordinates {
            let sentiment = utterance.sentiment!
            let label = strings["sentiment_" + sentiment.label.rawValue] ?? sentiment.label.rawValue
            let tooltip = "\(name), \(Self.clock(utterance.start)): \(label) \(String(format: "%+.2f", sentiment.score)): \(utterance.text.prefix(120))"
            let start = String(format: "%.2f", utterance.start)
            // Clients are circles, consultants squares.
            if role == .klient {
                parts.append(#"<circle class="point" cx="\#(Self.format(px))" cy="\#(Self.format(py))" r="5" data-start="\#(start)" data-utterance="\#(utterance.id)" tabindex="0"><title>\#(Self.escape(tooltip))</title></circle>"#)
            } else {
                parts.append(#"<rect class="point" x="\#(Self.format(px - 4.5))" y="\#(Self.format(py - 4.5))" width="9" height="9" data-start="\#(start)" data-utterance="\#(utterance.id)" tabindex="0"><title>\#(Self.escape(tooltip))</title></rect>"#)
            }
        }
        parts.append("</g>")
        return parts.joined(separator: "\n")
    }

    /// Each party's most negative (▼) and most positive (▲) moment, labelled with its time.
    private func extremes() -> String {
        guard let sentiment = analysis.sentiment else { return "" }
        var parts = [#"<g class="extremes">"#]
        for role in Role.allCases {
            guard let party = sentiment[role] else { continue }
            for (moment, symbol, css) in [(party.mostNegative, "▼", "most-negative"), (party.mostPositive, "▲", "most-positive")] {
                guard let moment, abs(moment.score) >= 0.3, let utterance = analysis.utterances.first(where: { $0.id == moment.utterance }) else { continue }
                let px = x((utterance.start + utterance.end) / 2)
                let py = y(moment.score)
                let labelY = css == "most-negative" ? py + 20 : py - 12
                let start = String(format: "%.2f", moment.start)
                parts.append(#"<circle class="marker \#(css)" cx="\#(Self.format(px))" cy="\#(Self.format(py))" r="9" data-start="\#(start)"/>"#)
                parts.append(#"<text class="marker-label \#(css)" x="\#(Self.format(px))" y="\#(Self.format(min(max(labelY, 12), Self.height - 4)))" text-anchor="middle" data-start="\#(start)">\#(symbol) \#(Self.clock(moment.start))</text>"#)
            }
        }
        parts.append("</g>")
        return parts.joined(separator: "\n")
    }

    private func legend(present: Set<Role>) -> String {
        var parts = [#"<g class="legend">"#]
        var offset = Self.left
        for role in Role.allCases where present.contains(role) {
            let css = role == .klient ? "klient" : "konsultant"
            let name = strings["role_" + role.rawValue] ?? role.rawValue
            parts.append(#"<g class="series \#(css)"><line class="line" x1="\#(Self.format(offset))" x2="\#(Self.format(offset + 28))" y1="14" y2="14"/>"#)
            if role == .klient {
                parts.append(#"<circle class="point" cx="\#(Self.format(offset + 14))" cy="14" r="5"/>"#)
            } else {
                parts.append(#"<rect class="point" x="\#(Self.format(offset + 9.5))" y="9.5" width="9" height="9"/>"#)
            }
            parts.append(#"<text class="legend-label" x="\#(Self.format(offset + 34))" y="14" dominant-baseline="middle">\#(Self.escape(name))</text></g>"#)
            offset += 150
        }
        parts.append(#"<text class="legend-label" x="\#(Self.format(offset))" y="14" dominant-baseline="middle">▼ ▲ \#(Self.escape(strings["sentiment_extremes"] ?? ""))</text>"#)
        parts.append("</g>")
        return parts.joined(separator: "\n")
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        return String(format: "%d:%02d", whole / 60, whole % 60)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
