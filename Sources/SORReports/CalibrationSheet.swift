import Foundation
import SORCore

extension Sheet {
    /// A complete calibration session's answers: one row per call, card and criterion, each evaluator's answer in
    /// a column of their own, then the automatic answer, the majority's and whether all agreed (in Polish, as the
    /// other exports).
    public static func calibration(_ session: CalibrationSession, _ results: CalibrationResults) -> Sheet {
        var columns: [Column] = [
            .init(title: "Sesja", width: 22), .init(title: "ID rozmowy", width: 18), .init(title: "Rozmowa", width: 36),
            .init(title: "Karta", width: 12), .init(title: "Kryterium", width: 22), .init(title: "Nazwa kryterium", width: 36),
            .init(title: "Krytyczne", width: 10),
        ]
        columns += session.evaluators.map { .init(title: "Oceniający: \($0)", width: 14) }
        columns += [.init(title: "Automatycznie", width: 14), .init(title: "Większość", width: 12), .init(title: "Zgodni", width: 8)]
        let labels = Dictionary(session.items.map { ($0.call, $0.label) }, uniquingKeysWith: { a, _ in a })
        let rows = results.rows.map { row -> [Cell] in
            let given = Dictionary(row.answers.map { ($0.user, $0.answer) }, uniquingKeysWith: { a, _ in a })
            return [
                .text(session.id), .text(row.call), .text(labels[row.call] ?? ""), .text(row.card), .text(row.criterion.id),
                .text(row.criterion.name), Sheets.yesNo(row.criterion.critical),
            ] + session.evaluators.map { .text(Sheets.answer(given[$0])) } + [
                .text(row.criterion.automatic.map(Sheets.answer) ?? "brak reguły"), .text(Sheets.answer(row.majority)), Sheets.yesNo(row.unanimous),
            ]
        }
        return Sheet(name: "Kalibracja", columns: columns, rows: rows)
    }
}
