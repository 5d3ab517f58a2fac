import Foundation
import SORCore
import SORSite

extension CallReport {
    /// Each card the call was scored on: the verdict against its threshold, critical failures, the evaluator and
    /// their comment, then every criterion by section with its answer, points, evidence and comments.
    func evaluation() {
        writer.heading(t["evaluation"]!, level: 1)
        guard let evaluation = document.evaluation, !evaluation.cards.isEmpty else {
            writer.text(t["no_evaluation"]!, small)
            return
        }
        for card in evaluation.cards {
            writer.heading(card.name, level: 2)
            let verdict = card.passed ? t["passed"]! : t["failed"]!
            writer.badges(
                [(verdict.uppercased(), card.passed ? .pass : .fail)],
                after: [Span("\(t["score"]!) \(Format.percent(card.total))", TextStyle(font: .bold, size: 11)),
                        Span(" · \(t["threshold"]!) \(Format.percent(card.passThreshold))", TextStyle(size: 9, color: .muted))])
            let names = Dictionary(card.sections.flatMap(\.criteria).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            var facts: [(String, String)] = []
            if !card.criticalFailures.isEmpty {
                facts.append((t["critical_failed"]!, card.criticalFailures.map { names[$0] ?? $0 }.joined(separator: "; ")))
            }
            if !card.unanswered.isEmpty { facts.append((t["unanswered"]!.sentenceCased, "\(card.unanswered.count) \(t["to_evaluate"]!)")) }
            if let evaluator = card.evaluator { facts.append((t["evaluator"]!, evaluator)) }
            var version = String(evaluation.scorecardsSha256.prefix(12))
            if let commit = evaluation.scorecardsCommit { version += " (git \(commit.prefix(10)))" }
            facts.append((t["scorecards_version"]!.sentenceCased, version))
            writer.facts(facts, labelWidth: 150)
            if let comment = card.comment, !comment.isEmpty {
                writer.space(2)
                writer.text(t["comment"]!, TextStyle(font: .bold, size: 9), spacing: 2)
                writer.markdown(comment)
            }
            for section in card.sections {
                writer.space(4)
                let percent = section.percent.map(Format.percent) ?? t["not_applicable"]!
                writer.heading("\(section.name) — \(percent) (\(t["weight"]!) \(Format.number(section.weight)))", level: 3)
                writer.table(Table(
                    columns: [.init(t["criterion"]!, width: 0.27), .init(t["final"]!, width: 0.16), .init(t["points"]!, width: 0.09, alignment: .right),
                              .init("\(t["evidence"]!) i \(t["comment"]!.lowercased())", width: 0.48)],
                    rows: section.criteria.map(criterionRow)))
            }
        }
    }

    /// One criterion: its name (and whether it is critical), the answer that counts and where it came from, the
    /// points, and why: the evidence with its time, the rule's note, the evaluator's comment.
    func criterionRow(_ criterion: CriterionResult) -> [Table.Cell] {
        let body = Table.body
        var name = [Paragraph(criterion.name, body)]
        if criterion.critical { name.append(Paragraph(t["critical"]!, TextStyle(font: .bold, size: 7.5, color: .fail))) }

        let failed = criterion.final?.fraction(scale: max(criterion.scale ?? 1, 1)) == 0
        let finalText = criterion.final.map { Strings.answer($0.value, Self.language) } ?? t["unanswered"]!
        var answer = [Paragraph(finalText, body.with(font: .bold).with(color: failed ? .fail : criterion.final == nil ? .warning : .text))]
        if let manual = criterion.manual {
            answer.append(Paragraph(t["manual"]!.lowercased() + ":", small))
            answer.append(Paragraph(manual.evaluator, small))
            if let automatic = criterion.auto?.answer, automatic != manual.answer {
                answer.append(Paragraph("\(t["automatic"]!.lowercased()): \(Strings.answer(automatic.value, Self.language))", small))
            }
        } else if criterion.auto?.answer != nil {
            answer.append(Paragraph(t["automatic"]!.lowercased(), small))
        }

        let points = criterion.earned.map { "\(Format.number($0)) / \(Format.number(criterion.points))" } ?? "— / \(Format.number(criterion.points))"

        var why: [Paragraph] = []
        for item in (criterion.auto?.evidence ?? []).prefix(5) {
            var spans: [Span] = []
            if let start = item.start { spans.append(Span(Format.clock(start) + " ", body.with(font: .bold).with(color: .muted))) }
            spans.append(Span("„\(item.quote)”", body.with(font: .italic)))
            if let role = item.role { spans.append(Span(" (\(t["role_\(role)"] ?? role))", small)) }
            why.append(Paragraph(spans, spacing: 1.5))
        }
        if let note = criterion.auto?.note, !note.isEmpty {
            let (plain, rule) = SiteRenderer.plainNote(note, language: Self.language)
            why.append(Paragraph(plain + (rule.map { " (\(t["rule"]!) \($0))" } ?? ""), small, spacing: 1.5))
        }
        if let manual = criterion.manual, let comment = manual.comment, !comment.isEmpty {
            why.append(Paragraph("\(t["comment"]!) (\(manual.evaluator), \(Format.dateTime(manual.time))):", small.with(font: .bold), spacing: 1))
            why += PDFWriter.paragraphs(markdown: comment, style: body)
        }
        return [Table.Cell(name), Table.Cell(answer), Table.Cell(points, body), Table.Cell(why)]
    }

    /// Each utterance's sentiment over the call's time, one line per role (the call page's chart, as vectors), and
    /// each party's overall score, change and emotion.
    func sentiment() {
        guard let analysis = document.analysis, analysis.utterances.contains(where: { $0.sentiment != nil }) else { return }
        // The heading, its note and the chart together: a chart never starts a page without its title.
        writer.heading(t["sentiment_chart"]!, level: 2, keep: 200)
        writer.text("Wynik każdej wypowiedzi od −1 (negatywny) do +1 (pozytywny), w połowie jej trwania.", small, spacing: 4)
        let duration = max(analysis.stats.duration, analysis.utterances.map(\.end).max() ?? 0, 1)
        let step: Double = duration <= 60 ? 15 : duration <= 240 ? 30 : duration <= 1200 ? 60 : 300
        let ticks = stride(from: 0.0, through: duration + 0.001, by: step).map { (value: $0, label: Format.clock($0)) }
        let series = Role.allCases.compactMap { role -> LineChart.Series? in
            let points = analysis.utterances.filter { analysis.role(of: $0.speaker) == role }.compactMap { utterance in
                utterance.sentiment.map { (x: (utterance.start + utterance.end) / 2, y: Optional($0.score)) }
            }
            guard !points.isEmpty else { return nil }
            return LineChart.Series(
                name: role.rawValue, color: role == .klient ? .klient : .konsultant, dash: role == .klient ? [] : [4, 2],
                marker: role == .klient ? .circle : .square, points: points)
        }
        writer.lineChart(LineChart(
            x: ChartAxis(range: 0...duration, ticks: ticks, title: t["sentiment_time"]!),
            y: ChartAxis(range: -1...1, ticks: [(1, "+1"), (0.5, "+0,5"), (0, "0"), (-0.5, "−0,5"), (-1, "−1")], title: t["sentiment_score"]!),
            series: series, baseline: 0))
        guard let sentiment = analysis.sentiment else { return }
        let parties: [(String, PartySentiment?)] = [
            (Role.klient.rawValue, sentiment.klient), (Role.konsultant.rawValue, sentiment.konsultant), (t["sentiment_overall"]!, sentiment.overall),
        ]
        let body = Table.body
        writer.table(Table(
            columns: [.init("", width: 0.24), .init(t["sentiment_score"]!.sentenceCased, width: 0.12, alignment: .right),
                      .init(t["sentiment"]!, width: 0.16), .init(t["sentiment_change"]!.sentenceCased, width: 0.24, alignment: .right),
                      .init(t["emotion"]!.sentenceCased, width: 0.24)],
            rows: parties.compactMap { name, party in
                party.map { party in
                    [Table.Cell(name, body.with(font: .bold)), Table.Cell(String(format: "%+.2f", party.score), body),
                     Table.Cell(t["sentiment_" + party.label.rawValue] ?? party.label.rawValue, body),
                     Table.Cell(String(format: "%+.2f", party.change), body),
                     Table.Cell(party.emotion.map { t["emotion_" + $0.rawValue] ?? $0.rawValue } ?? "—", body)]
                }
            }))
    }
}
