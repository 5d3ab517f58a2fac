import Foundation
import Testing
@testable import SORCore

@Suite("Emotion judgement")
struct EmotionJudgementTests {
    @Test("the text's fingerprint is FNV-1a 64, stable across runs, and tells a corrected text apart")
    func fingerprint() {
        #expect(EmotionJudgement.fingerprint(of: "") == "fnv1a64:cbf29ce484222325")
        #expect(EmotionJudgement.fingerprint(of: "a") == "fnv1a64:af63dc4c8601ec8c")
        let judgement = EmotionJudgement(emotion: "zły", quote: "skandal", model: "m", judged: "To skandal.")
        #expect(judgement.judges("To skandal.") && !judgement.judges("To skandal!"))
    }

    @Test("an utterance's sentiment written before the judge existed still reads; without a judgement none is written")
    func codable() throws {
        let old = Data(#"{"score": -0.5, "label": "negatywny", "cues": [{"text": "skandal", "weight": -0.5}]}"#.utf8)
        let decoded = try JSONDecoder().decode(UtteranceSentiment.self, from: old)
        #expect(decoded.judge == nil && decoded.label == .negatywny)
        #expect(!String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self).contains("judge"))
        var judged = decoded
        judged.judge = EmotionJudgement(emotion: "zły", quote: "skandal", model: "m", judged: "To skandal.")
        #expect(try JSONDecoder().decode(UtteranceSentiment.self, from: JSONEncoder().encode(judged)) == judged)
    }
}
