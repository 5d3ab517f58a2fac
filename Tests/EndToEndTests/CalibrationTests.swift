import Foundation
import Testing

/// `sor eval scoring` on the project's calibration set (`calibration/`, rendered by `make demo` into
/// demo/calibration): 24 calls through the real engine, diarizer and scorecards, against the answers an evaluator
/// wrote for them.
@Suite("Calibration set, end to end", .serialized)
struct CalibrationEndToEndTests {
    @Test("the automatic answers agree with the evaluator's on at least 90% of automatic criteria, with no false critical failure; the refused sale owes no withdrawal notice")
    func calibrationSet() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let folder = Paths.demo + "/calibration"
        let recordings = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".wav") }.sorted().map { folder + "/" + $0 }
        #expect(recordings.count >= 24, "make demo renders the calibration set (scripts/make-calibration.py)")
        let expected = Paths.repository + "/calibration/expected.yaml"
        let run = try workspace.sor(["eval", "scoring", "--expected", expected, "--json"] + recordings)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        // The table for the log (and the README): per criterion, agreed of compared.
        for row in report["criteria"] as? [[String: Any]] ?? [] {
            print("calibration \(row["card"] ?? "?") \(row["criterion"] ?? "?"): \(row["agreed"] ?? 0)/\(row["compared"] ?? 0) κ \(row["kappa"] ?? "—")")
        }
        let overall = try #require(report["overall"] as? [String: Any])
        let agreement = overall["agreement"] as? Double ?? 0
        print("calibration overall: \(overall["agreed"] ?? 0)/\(overall["compared"] ?? 0) = \(agreement), left to an evaluator: \(overall["left_to_evaluator"] ?? 0)")
        let calls = report["calls"] as? [[String: Any]] ?? []
        #expect(calls.count == recordings.count, "every recording is labelled and scored")
        let compared = overall["compared"] as? Int ?? 0
        #expect(compared >= calls.count * 15, "most criteria are answered automatically (\(compared) answers compared)")
        #expect(agreement >= 0.90, "agreement over automatic criteria: \(agreement)")
        let falseCritical = report["false_critical"] as? [[String: Any]] ?? []
        #expect(falseCritical.isEmpty, "false critical failures: \(falseCritical.map { "\($0["call"] ?? "?") \($0["criterion"] ?? "?")" })")
        #expect(run.status == 0, "sor eval scoring exits 1 on a false critical failure: \(run.stderr)")
        // The refused sale: no critical failure for the withdrawal right.
        let refused = try #require(calls.first { $0["call"] as? String == "sales-refused" })
        #expect(!((refused["sor_critical"] as? [String]) ?? ["?"]).contains("prawo_odstapienia"), "\(refused)")
        let verdicts = calls.filter { ($0["expected_passed"] as? Bool) == ($0["sor_passed"] as? Bool) }.count
        print("calibration pass/fail agreement: \(verdicts)/\(calls.count)")
    }
}
