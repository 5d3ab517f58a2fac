import Foundation
import Testing
@testable import SORCore
@testable import SORSite

@Suite("Site rendering")
struct SiteRendererTests {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func templates() throws -> [String: String] {
        var result: [String: String] = [:]
        let folder = repository + "/templates"
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".mustache") {
            result[String(name.dropLast(9))] = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        }
        return result
    }

    static func document() -> CallDocument {
        let engine = EngineInfo(endpoint: "http://127.0.0.1:1/v1", model: "whisper-base")
        let transcript = Transcript(
            language: "pl", duration: 4.2, text: "Dzień dobry. W czym mogę pomóc?",
            segments: [
                Segment(id: 0, start: 0.2, end: 1.1, text: "Dzień dobry.", words: [
                    Word(text: "Dzień", start: 0.2, end: 0.6), Word(text: "dobry.", start: 0.6, end: 1.1),
                ]),
                Segment(id: 1, start: 1.5, end: 3.9, text: "W czym mogę <pomóc>?", words: []),
            ], engine: engine)
        let call = CallRecord(
            id: "abcdef0123456789", status: "transcribed",
            source: CallSource(fileName: "rozmowa.mp3", sha256: "abcdef0123456789ff", bytes: 10, receivedAt: "2026-11-24T10:00:00Z"),
            audioFile: "audio.mp3",
            audio: AudioInfo(format: "MPEG/MPEG_LAYER_III", sampleRate: 8000, channels: 1, duration: 4.2, peakDb: -3, rmsDb: -20),
            metadata: CallMetadata(agent: "Anna Nowak", team: "Zespół A", direction: "inbound", callTime: "2026-11-02T10:15:00+01:00"),
            processing: nil, revision: 3)
        let history = [
            HistoryEntry(
                edit: "e1", state: "applied", type: "transcript.text", user: "ewa.k", time: "2026-11-03T09:00:00Z", file: "a.json",
                baseRevision: 2, revision: 3, before: ["segment": "1", "text": "W czym mogę pomoc?"],
                after: ["segment": "1", "text": "W czym mogę <pomóc>?"]),
            HistoryEntry(
                edit: "e2", state: "rejected", type: "transcript.text", user: "jan", time: "2026-11-03T09:05:00Z", file: "b.json",
                reason: "stale: the change was made on revision 2"),
        ]
        return CallDocument(call: call, transcript: transcript, history: history)
    }

    /// The sample call with an analysis: three speakers' worth of utterances would be unusual, so two, with the
    /// client renamed, an interruption, roles to review, and a history of speaker corrections.
    static func analysedDocument() -> CallDocument {
        var document = document()
        document.call.id = "fedcba9876543210"
        let words = [
            Word(text: " Dzień", start: 0.2, end: 0.6), Word(text: " dobry,", start: 0.6, end: 1.1),
            Word(text: " w", start: 1.2, end: 1.3), Word(text: " czym", start: 1.3, end: 1.6), Word(text: " mogę", start: 1.6, end: 1.9),
            Word(text: " <pomóc>?", start: 1.9, end: 2.4),
        ]
        let utterances = [
            Utterance(id: 0, speaker: "S1", start: 0.2, end: 2.4, text: "Dzień dobry, w czym mogę <pomóc>?", words: words),
            Utterance(id: 1, speaker: "S2", start: 2.1, end: 3.9, text: "Chcę zmienić taryfę.", words: [
                Word(text: " Chcę", start: 2.1, end: 2.6), Word(text: " zmienić", start: 2.6, end: 3.2), Word(text: " taryfę.", start: 3.2, end: 3.9),
            ], overlap: true, interruption: true),
            Utterance(id: 2, speaker: "S1", start: 4.0, end: 4.2, text: "Aha.", words: []),
        ]
        document.analysis = Analysis(
            method: .neural,
            speakers: [Speaker(id: "S1", role: .konsultant), Speaker(id: "S2", name: "Pan Kowalski", role: .klient)],
            segments: [SpeakerSegment(speaker: "S1", start: 0.2, end: 2.4), SpeakerSegment(speaker: "S2", start: 2.1, end: 3.9)],
            utterances: utterances,
            roles: RoleDecision(method: .lexical, confidence: 0.55, cues: ["S1: „w czym mogę pomóc” (1.2 s)"], needsReview: true),
            stats: TalkStats(
                duration: 4.2,
                speakers: [
                    SpeakerStats(speaker: "S1", talkTime: 2.4, talkShare: 0.571, utterances: 2, words: 6, interruptions: 0),
                    SpeakerStats(speaker: "S2", talkTime: 1.8, talkShare: 0.429, utterances: 1, words: 3, interruptions: 1),
                ],
                overlaps: [Span(start: 2.1, end: 2.4)], interruptions: [Interruption(by: "S2", of: "S1", at: 2.1)],
                silences: [], holds: [], longestSilence: 0.1, talkListenRatio: 1.333))
        document.history = [
            HistoryEntry(
                edit: "e3", state: "applied", type: "roles.swap", user: "ewa.k", time: "2026-11-03T09:10:00Z", file: "c.json",
                baseRevision: 2, revision: 3, before: ["S1": "KLIENT", "S2": "KONSULTANT", "speakers": "[]"],
                after: ["S1": "KONSULTANT", "S2": "KLIENT", "speakers": "[]"]),
            HistoryEntry(
                edit: "e4", state: "applied", type: "speaker.rename", user: "ewa.k", time: "2026-11-03T09:11:00Z", file: "d.json",
                baseRevision: 3, revision: 4, before: ["speaker": "S2", "name": ""], after: ["speaker": "S2", "name": "Pan Kowalski"]),
        ]
        document.call.revision = 4
        return document
    }

    @Test("a call with an analysis shows utterances with speaker badges, controls, roles to review and talk statistics")
    func analysis() throws {
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let pages = renderer.render(calls: [Self.analysedDocument(), Self.document()])
        let page = String(decoding: try #require(pages["calls/fedcba9876543210/index.html"]), as: UTF8.self)
        try assertSnapshot(pages["calls/fedcba9876543210/index.html"], named: "call-analysis.html")
        #expect(!page.contains("data-segment="), "utterances replace segments")
        #expect(page.contains("<li class=\"segment utterance role-klient\" id=\"u1\" data-utterance=\"1\" data-speaker=\"S2\""))
        #expect(page.contains("Klient · Pan Kowalski") && page.contains("Konsultant · S1"))
        #expect(page.contains("<span class=\"w\" data-index=\"5\" data-start=\"1.90\" data-end=\"2.40\"> &lt;pomóc&gt;?</span>"))
        #expect(page.contains("⚡ wejście w słowo") && page.contains("⧉ mówią jednocześnie"))
        #expect(page.contains("<button class=\"move\" type=\"button\" data-to=\"S2\" title=\"→ Klient · Pan Kowalski\">↔ inny mówca</button>"))
        #expect(page.contains("id=\"swap-roles\">⇄ Zamień role</button>"))
        #expect(page.contains("title=\"pewność ról 55% · metoda: wypowiedziane słowa · S1: „w czym mogę pomóc” (1.2 s)\">do weryfikacji</span>"))
        #expect(page.contains("57.1%") && page.contains("Mówienie / słuchanie (konsultant / klient)</dt><dd>1.33</dd>"))
        #expect(page.contains("S1: Klient → Konsultant; S2: Konsultant → Klient"), "the swap in the history")
        #expect(page.contains("S2: — → „Pan Kowalski”"))
        #expect(!page.contains("class=\"split\"") || page.components(separatedBy: "class=\"split\"").count == 3, "no split for a wordless utterance")
        let index = String(decoding: try #require(pages["calls.html"]), as: UTF8.self)
        #expect(index.components(separatedBy: "<span class=\"review\">do weryfikacji</span>").count == 2, "one call to review")
        #expect(index.contains("Dzień dobry, w czym mogę &lt;pomóc&gt;? Chcę zmienić taryfę. Aha."), "the excerpt reads the utterances")
    }

    @Test("emotions: an utterance's mark explains its voice features; the summary gives each party's emotion and arousal, and a table the emotion per quarter with its reasons")
    func emotions() throws {
        var document = Self.analysedDocument()
        var analysis = try #require(document.analysis)
        var angry = UtteranceSentiment(score: -0.6, label: .negatywny, cues: [SentimentCue(text: "skandal", weight: -2)])
        angry.arousal = 0.62
        angry.arousalFeatures = ArousalFeatures(baseline: .speaker, loudness: 6.1, pitch: 3, pitchRange: 2.5, brightness: 1, rate: 12, interruption: true)
        angry.emotion = .zły
        analysis.utterances[1].sentiment = angry
        var calm = UtteranceSentiment(score: 0, label: .neutralny, cues: [])
        calm.emotion = .spokojny
        analysis.utterances[0].sentiment = calm
        var klient = PartySentiment(score: -0.6, label: .negatywny, quarters: [nil, nil, -0.6, nil], change: 0, mostNegative: nil, mostPositive: nil, utterances: 1)
        klient.arousal = 0.62
        klient.emotion = .zły
        klient.stretches = [EmotionStretch(quarter: 2, start: 2.0, end: 3.0, emotion: .zły, valence: -0.6, arousal: 0.62, interruptions: 1, reasons: ["głośniej niż zwykle o 6,1 dB", "1 wejście w słowo"])]
        let overall = PartySentiment(score: -0.3, label: .negatywny, quarters: [0, nil, -0.6, nil], change: -0.6, mostNegative: nil, mostPositive: nil, utterances: 2)
        analysis.sentiment = CallSentiment(overall: overall, klient: klient, konsultant: nil, lexicon: "pl-test")
        document.analysis = analysis
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let page = String(decoding: try #require(renderer.render(calls: [document])["calls/fedcba9876543210/index.html"]), as: UTF8.self)
        #expect(page.contains("<span class=\"mark emotion emotion-zly\" title=\"pobudzenie głosu +0.62 (głośność +6.1 dB, ton +3.0 półt., zakres tonu +2.5 półt., tempo +12 %, wejście w słowo)\">zły</span>"), "\(page)")
        #expect(page.components(separatedBy: "class=\"mark emotion ").count == 2, "a calm utterance has no mark")
        #expect(page.contains("<td>zły</td><td class=\"num\">+0.62</td>"), "the party's emotion and arousal")
        #expect(page.contains("<caption>Emocje stron w kolejnych ćwiartkach rozmowy</caption>"))
        #expect(page.contains("<button class=\"seek\" type=\"button\" data-start=\"2.00\">3. 00:02–00:03</button>"), "\(page)")
        #expect(page.contains("<td class=\"reasons\">głośniej niż zwykle o 6,1 dB; 1 wejście w słowo</td>"))
    }

    @Test("an utterance shows the lexicon's label, and the LLM judge's emotion and quote marked as the model's opinion")
    func judge() throws {
        var document = Self.analysedDocument()
        var judged = UtteranceSentiment(score: -0.4, label: .negatywny, cues: [])
        judged.judge = EmotionJudgement(emotion: "zirytowany", quote: "zmienić <taryfę>", model: "bielik", judged: "Chcę zmienić taryfę.")
        document.analysis?.utterances[1].sentiment = judged
        document.analysis?.utterances[0].sentiment = UtteranceSentiment(score: 0, label: .neutralny, cues: [])
        let polish = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let page = String(decoding: try #require(polish.render(calls: [document])["calls/fedcba9876543210/index.html"]), as: UTF8.self)
        #expect(page.contains(#"<span class="mark sentiment sentiment-negatywny" title="nastawienie według słownika">negatywny</span> <span class="mark judge" title="opinia modelu językowego, nie wpływa na wynik nastawienia ani na ocenę; model: bielik">ocena modelu: zirytowany — „zmienić &lt;taryfę&gt;”</span></p>"#), "\(page)")
        #expect(page.contains(#"<span class="mark sentiment sentiment-neutralny" title="nastawienie według słownika">neutralny</span></p>"#), "no judgement, no mark")
        #expect(page.components(separatedBy: "class=\"mark judge\"").count == 2)
        let english = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "en"))
        let translated = String(decoding: try #require(english.render(calls: [document])["calls/fedcba9876543210/index.html"]), as: UTF8.self)
        #expect(translated.contains("model’s view: irritated — „zmienić &lt;taryfę&gt;”"))
    }

    @Test("the calls list's data file: every call with its cards, failed criteria and client sentiment, newest first, the same bytes for the same calls")
    func callsData() throws {
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        var analysed = Self.analysedDocument()
        let klient = PartySentiment(score: -0.4, label: .negatywny, quarters: [nil, -0.4, nil, nil], change: 0, mostNegative: nil, mostPositive: nil, utterances: 1)
        analysed.analysis?.sentiment = CallSentiment(overall: klient, klient: klient, konsultant: nil, lexicon: "pl-test")
        analysed.call.metadata.direction = "outbound"
        let criterion = { (id: String, critical: Bool, answer: String) in
            CriterionResult(id: id, name: id, answerType: "yes_no", naAllowed: false, critical: critical, points: 1, final: Answer(answer))
        }
        var scored = Self.document()
        scored.evaluation = Evaluation(
            scorecardsSha256: "x", scorecardsCommit: nil, scoredAt: "2026-11-24T10:00:00Z",
            cards: [CardResult(
                card: "SERVICE", name: "Obsługa", passThreshold: 80, total: 0, passed: false, criticalFailures: ["weryfikacja"],
                unanswered: [], sections: [SectionResult(id: "s", name: "S", weight: 100, percent: 33, criteria: [
                    criterion("powitanie", false, "yes"), criterion("weryfikacja", true, "no"), criterion("pozegnanie", false, "no"),
                ])])])
        let entries = [renderer.indexEntry(scored), renderer.indexEntry(analysed)]
        let data = renderer.callsData(entries)
        #expect(data == renderer.callsData(entries.reversed()), "the order of the entries given does not matter")
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let calls = try #require(object["calls"] as? [[String: Any]])
        #expect(calls.count == 2 && object["version"] as? Int == 1)
        let times = calls.compactMap { $0["time"] as? String }
        #expect(times == times.sorted(by: >), "newest first: \(times)")
        let call = try #require(calls.first { $0["id"] as? String == "fedcba9876543210" })
        #expect(call["sentiment"] as? String == "negatywny" && call["direction"] as? String == "outbound" && call["review"] as? Bool == true)
        let plain = try #require(calls.first { $0["id"] as? String != "fedcba9876543210" })
        let cards = try #require(plain["cards"] as? [[String: Any]])
        #expect(cards.count == 1)
        #expect(cards.first?["card"] as? String == "SERVICE" && cards.first?["passed"] as? Bool == false && cards.first?["critical"] as? Bool == true)
        #expect(cards.first?["failed"] as? [String] == ["weryfikacja", "pozegnanie"])
    }

    @Test("evaluators' comments and the scorecard's guidance are Markdown on the call page: emphasis and lists rendered, raw HTML and script links dropped")
    func markdownComments() throws {
        let guidance = ["SERVICE/weryfikacja": Markdown.html("Zapytaj o **datę urodzenia** <img src=x onerror=alert(3)>")]
        let renderer = try SiteRenderer(templates: try Self.templates(), settings: SiteSettings(title: "SOR", language: "pl", guidance: guidance))
        var scored = Self.document()
        var criterion = CriterionResult(id: "weryfikacja", name: "Weryfikacja", answerType: "yes_no", naAllowed: false, critical: true, points: 1, final: Answer("no"))
        criterion.manual = ManualAnswer(
            answer: .no, comment: "Brak **weryfikacji**:\n\n- data urodzenia\n- adres\n\n<script>alert(1)</script> [x](javascript:alert(2))",
            evaluator: "ewa.kowalczyk", time: "2026-11-24T10:00:00Z")
        var card = CardResult(
            card: "SERVICE", name: "Obsługa", passThreshold: 80, total: 0, passed: false, criticalFailures: ["weryfikacja"], unanswered: [],
            sections: [SectionResult(id: "s", name: "S", weight: 100, percent: 0, criteria: [criterion])])
        card.evaluator = "ewa.kowalczyk"
        card.comment = "Do omówienia *z zespołem*."
        scored.evaluation = Evaluation(scorecardsSha256: "x", scorecardsCommit: nil, scoredAt: "2026-11-24T10:00:00Z", cards: [card])
        let page = String(decoding: renderer.callPage(scored), as: UTF8.self)
        #expect(page.contains("Brak <strong>weryfikacji</strong>") && page.contains("<li>data urodzenia</li>"))
        #expect(page.contains("Do omówienia <em>z zespołem</em>."))
        #expect(!page.contains("<script>alert(1)") && !page.contains("javascript:alert(2)"))
        #expect(page.contains("<details class=\"guidance\"><summary>wskazówki</summary>") && page.contains("Zapytaj o <strong>datę urodzenia</strong>"))
        #expect(!page.contains("onerror=alert(3)"))
    }

    @Test("calls.html lists the newest 200 calls itself and says how many older ones the script shows")
    func callsPageListsTheNewest() throws {
        let renderer = try SiteRenderer(templates: try Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let entries = (0..<250).map { index in
            Self.entry(String(format: "%016x", index), day: Day.adding(-index, to: "2026-11-30"), agent: "Anna", team: "A", card: "SALES", total: 90)
        }
        let page = String(decoding: renderer.callsPage(entries.shuffled()), as: UTF8.self)
        #expect(page.components(separatedBy: "<tr data-call=").count - 1 == 200)
        #expect(page.contains("<tr data-call=\"\(String(format: "%016x", 0))\"") && !page.contains("<tr data-call=\"\(String(format: "%016x", 200))\""))
        #expect(page.contains("id=\"older-calls\">Starsze rozmowy (pokazuje je lista z włączonym JavaScriptem): 50</p>"))
        #expect(page.contains("<strong id=\"call-count\">250</strong>"), "the count is of all calls")
    }

    /// An entry as the dashboard reads it.
    static func entry(_ id: String, day: String, agent: String, team: String, card: String, total: Double, failed: [String] = [],
                      critical: Bool = false, sentiment: String? = nil, review: Bool = false) -> IndexEntry {
        IndexEntry(
            id: id, time: day + "T10:00:00Z", file: id + ".wav", duration: 120, agent: agent, team: team, language: "pl",
            status: "", needsReview: review, excerpt: "",
            scores: [IndexEntry.Score(card: card, total: total, passed: total >= 80, critical: critical, failed: failed, failedNames: failed.map { "Nazwa " + $0 })],
            direction: "inbound", sentiment: sentiment, sentimentScore: nil, emotion: nil)
    }

    @Test("AutoQA agreement: over calls an evaluator reviewed, automatic answers left standing agree; unreviewed calls do not count")
    func agreement() throws {
        func answers(_ pairs: [(String, String, String?)]) -> [IndexEntry.CriterionAnswer] {
            pairs.map { IndexEntry.CriterionAnswer(id: $0.0, name: "Nazwa " + $0.0, value: $0.1, earned: nil, points: 1, critical: false, automatic: $0.2) }
        }
        var reviewed = Self.entry("a", day: "2026-11-30", agent: "Anna", team: "A", card: "SALES", total: 90)
        reviewed.scores[0].evaluated = true
        reviewed.scores[0].answers = answers([("powitanie", "yes", "yes"), ("cena", "yes", "no"), ("ton", "4", nil)])
        var second = Self.entry("b", day: "2026-11-30", agent: "Anna", team: "A", card: "SALES", total: 90)
        second.scores[0].evaluated = true
        second.scores[0].answers = answers([("powitanie", "yes", "yes"), ("cena", "yes", "yes")])
        var unreviewed = Self.entry("c", day: "2026-11-30", agent: "Anna", team: "A", card: "SALES", total: 90)
        unreviewed.scores[0].answers = answers([("powitanie", "no", "no"), ("cena", "no", "no")])
        let figures = DashboardFigures.compute([reviewed, second, unreviewed], period: .of(.all, entries: [reviewed]))
        #expect(figures.agreement == [DashboardFigures.Agreement(card: "SALES", name: "SALES", calls: 2, compared: 4, agreed: 3)])
        #expect(figures.leastAgreed.map { [$0.criterion, "\($0.agreed)/\($0.compared)"] } == [["cena", "1/2"]])
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let page = String(decoding: try #require(renderer.dashboardPages([reviewed, second, unreviewed])["all.html"]), as: UTF8.self)
        #expect(page.contains(#"<tr data-card="SALES"><th scope="row">SALES</th><td class="num">2</td><td class="num">3 z 4</td><td class="num">75%</td></tr>"#), "\(page)")
        #expect(page.contains(#"<tr data-card="SALES" data-criterion="cena"><th scope="row">Nazwa cena</th>"#))
    }

    @Test("dashboard figures: periods end on the newest call's day; counts, pass rate, critical errors, most failed criteria, agents best first")
    func dashboardFigures() throws {
        let entries = [
            Self.entry("a", day: "2026-11-30", agent: "Anna", team: "A", card: "SALES", total: 90, sentiment: "pozytywny"),
            Self.entry("b", day: "2026-11-30", agent: "Piotr", team: "A", card: "SALES", total: 40, failed: ["oferta", "zgoda"], critical: true, sentiment: "negatywny", review: true),
            Self.entry("c", day: "2026-11-25", agent: "Piotr", team: "A", card: "SALES", total: 60, failed: ["oferta"]),
            Self.entry("d", day: "2026-11-01", agent: "Ewa", team: "B", card: "SERVICE", total: 85),
            Self.entry("e", day: "2026-10-01", agent: "Ewa", team: "B", card: "SERVICE", total: 20, failed: ["powitanie"]),
        ]
        #expect(DashboardPeriod.of(.day, entries: entries) == DashboardPeriod(kind: .day, from: "2026-11-30", to: "2026-11-30"))
        #expect(DashboardPeriod.of(.week, entries: entries) == DashboardPeriod(kind: .week, from: "2026-11-24", to: "2026-11-30"))
        #expect(DashboardPeriod.of(.month, entries: entries) == DashboardPeriod(kind: .month, from: "2026-11-01", to: "2026-11-30"))
        #expect(DashboardPeriod.of(.all, entries: entries) == DashboardPeriod(kind: .all, from: "2026-10-01", to: "2026-11-30"))

        let week = DashboardFigures.compute(entries, period: .of(.week, entries: entries))
        #expect(week.calls == 3 && week.scored == 3 && week.passed == 1 && week.critical == 1 && week.review == 1)
        #expect(week.seconds == 360)
        #expect(week.sentiment == ["pozytywny": 1, "negatywny": 1])
        #expect(week.failed.map(\.criterion) == ["oferta", "zgoda"] && week.failed.first?.calls == 2 && week.failed.first?.of == 3)
        #expect(week.failed.first?.name == "Nazwa oferta")
        #expect(week.agents.map(\.name) == ["Anna", "Piotr"] && week.agents.last?.average == 50)
        #expect(week.cards == [DashboardFigures.Card(card: "SALES", calls: 3, average: 190.0 / 3, passRate: 1.0 / 3, critical: 1)])
        #expect(week.distribution[9] == 1 && week.distribution[4] == 1 && week.distribution[6] == 1)
        #expect(week.daily["SALES"]?["2026-11-30"]?.count == 2 && week.daily["SALES"]?["2026-11-30"]?.total == 130)

        let month = DashboardFigures.compute(entries, period: .of(.month, entries: entries))
        #expect(month.calls == 4 && month.teams.map(\.name) == ["B", "A"], "team B (85) before team A (63.3)")

        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let pages = renderer.dashboardPages(entries)
        let page = String(decoding: try #require(pages["week.html"]), as: UTF8.self)
        #expect(page.contains(#"<a href="week.html" aria-current="page" class="current">7 dni</a>"#))
        #expect(page.contains("2026-11-24 – 2026-11-30"))
        #expect(page.contains(#"<a class="show-calls" href="calls.html?from=2026-11-24&amp;to=2026-11-30&amp;card=SALES&amp;failed=oferta">pokaż rozmowy</a>"#), "\(page)")
        #expect(page.contains(#"<div class="kpi" id="kpi-calls"><span class="label">Rozmowy</span><a class="value" href="calls.html?from=2026-11-24&amp;to=2026-11-30">3</a></div>"#))
        #expect(page.contains(#"<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart""#) && page.contains("<title>2026-11-30 · SALES: 65% (2 rozm.)</title>"), "the day's mean and count in the point's title")
        #expect(page.contains(#"class="distribution-chart""#) && page.contains("<title>90–100%: 1</title>"))
        #expect(page.contains(#"<a href="agents/anna.html">Anna</a>"#), "an agent links to their page")

        // Agents' and teams' pages: all their calls, links to the calls list kept to them.
        let people = renderer.personPages(entries)
        #expect(people.keys.sorted() == ["agents/anna.html", "agents/ewa.html", "agents/piotr.html", "teams/a.html", "teams/b.html"])
        let piotr = String(decoding: try #require(people["agents/piotr.html"]), as: UTF8.self)
        #expect(piotr.contains("<h1>Konsultant: Piotr</h1>"))
        #expect(piotr.contains(#"<div class="kpi" id="kpi-calls"><span class="label">Rozmowy</span><a class="value" href="../calls.html?from=2026-11-25&amp;to=2026-11-30&amp;agent=Piotr">2</a></div>"#), "\(piotr)")
        #expect(piotr.contains(#"href="../calls.html?from=2026-11-25&amp;to=2026-11-30&amp;agent=Piotr&amp;card=SALES&amp;failed=oferta""#))
        #expect(piotr.components(separatedBy: "<tr data-call=").count == 3 && !piotr.contains("id=\"best-agents\""))
        let team = String(decoding: try #require(people["teams/a.html"]), as: UTF8.self)
        #expect(team.contains("<h1>Zespół: A</h1>") && team.contains("id=\"best-agents\""))
        // A scorecard's page: only its own results, every criterion that failed.
        let cards = renderer.cardPages(entries)
        #expect(cards.keys.sorted() == ["cards/sales.html", "cards/service.html"])
        let sales = String(decoding: try #require(cards["cards/sales.html"]), as: UTF8.self)
        #expect(sales.contains("<h1>Karta: SALES</h1>") && !sales.contains("data-card=\"SERVICE\""))
        #expect(sales.contains(#"href="../calls.html?from=2026-11-25&amp;to=2026-11-30&amp;card=SALES&amp;failed=zgoda""#), "\(sales)")
        #expect(page.contains(#"<th scope="row"><a href="cards/sales.html">SALES</a></th>"#), "the dashboard's card links to its page")
        #expect(SiteRenderer.slugs(["Łukasz Mazur", "Lukasz Mazur", "Ewa"]) == ["Lukasz Mazur": "lukasz-mazur", "Łukasz Mazur": "lukasz-mazur-2", "Ewa": "ewa"])

        let empty = String(decoding: try #require(renderer.dashboardPages([])["index.html"]), as: UTF8.self)
        #expect(empty.contains("Brak ocenionych rozmów w tym okresie."))
    }

    @Test("an automatic answer reads in plain Polish; a regular expression is one click away", arguments: [
        ("wzorzec /pod ?sum|reasum/ nie pasuje (KONSULTANT)", "nie padło sformułowanie, którego szuka reguła (KONSULTANT)", "/pod ?sum|reasum/"),
        ("wzorzec /(termin[a-z]*|platn[a-z]*)/ pasuje 2× (KONSULTANT)", "padło sformułowanie, którego szuka reguła: 2× (KONSULTANT)", "/(termin[a-z]*|platn[a-z]*)/"),
        ("nie znaleziono żadnej z fraz (KONSULTANT): „dzień dobry”; wzorzec /a b/ nie pasuje", "nie znaleziono żadnej z fraz (KONSULTANT): „dzień dobry”; nie padło sformułowanie, którego szuka reguła", "/a b/"),
        ("nieprawidłowy wzorzec: [a-", "reguła w karcie jest błędna: do poprawy w scorecards.yaml", "[a-"),
        ("nie padła żadna z fraz (KONSULTANT)", "nie padła żadna z fraz (KONSULTANT)", nil),
    ] as [(String, String, String?)])
    func plainNotes(note: String, plain: String, rule: String?) {
        let (text, shown) = SiteRenderer.plainNote(note, language: "pl")
        #expect(text == plain)
        #expect(shown == rule)
    }

    @Test("the Polish and English strings have the same keys")
    func stringTables() {
        #expect(Set(Strings.polish.keys).subtracting(Strings.english.keys).sorted() == [])
        #expect(Set(Strings.english.keys).subtracting(Strings.polish.keys).sorted() == [])
    }

    /// Compares with the golden file in __Snapshots__; `SOR_RECORD=1` rewrites it and fails so that it is reviewed.
    func assertSnapshot(_ data: Data?, named name: String) throws {
        let path = Self.repository + "/Tests/SORSiteTests/__Snapshots__/" + name
        let text = String(decoding: data ?? Data(), as: UTF8.self)
        if ProcessInfo.processInfo.environment["SOR_RECORD"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            Issue.record("recorded \(name); review it and run again without SOR_RECORD")
            return
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == golden, "\(name) differs from its snapshot; if intended, re-record with SOR_RECORD=1")
    }

    @Test("the calls list, the dashboard and a call page match their snapshots")
    func snapshots() throws {
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let pages = renderer.render(calls: [Self.document()])
        #expect(pages.keys.sorted() == [
            "agents/anna-nowak.html", "all.html", "calls.html", "calls/abcdef0123456789/index.html", "data/calls.json", "index.html",
            "quarantine.html", "search.html", "teams/zespol-a.html", "today.html", "week.html",
        ])
        try assertSnapshot(pages["calls.html"], named: "calls.html")
        try assertSnapshot(pages["index.html"], named: "dashboard.html")
        try assertSnapshot(pages["calls/abcdef0123456789/index.html"], named: "call.html")
    }

    @Test("text from transcripts is escaped; words carry their times")
    func escaping() throws {
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "pl"))
        let page = String(decoding: renderer.render(calls: [Self.document()])["calls/abcdef0123456789/index.html"]!, as: UTF8.self)
        #expect(page.contains("W czym mogę &lt;pomóc&gt;?"))
        #expect(!page.contains("<pomóc>"))
        #expect(page.contains("<span class=\"w\" data-start=\"0.60\" data-end=\"1.10\">dobry.</span>"))
        #expect(page.contains("Konsultant</dt><dd>Anna Nowak"))
        #expect(page.contains("data-revision=\"3\""), "edits are based on the revision shown")
        #expect(page.contains("fragment 1: „W czym mogę pomoc?” → „W czym mogę &lt;pomóc&gt;?”"))
        #expect(page.contains("<tr class=\"rejected\"><td>2026-11-03 09:05</td><td>jan</td>"))
    }

    @Test("English interface when configured")
    func english() throws {
        let renderer = try SiteRenderer(templates: Self.templates(), settings: SiteSettings(title: "SOR", language: "en"))
        let index = String(decoding: renderer.render(calls: [])["calls.html"]!, as: UTF8.self)
        #expect(index.contains("lang=\"en\""))
        #expect(index.contains("No calls yet."))
    }

    @Test("a missing template is named with the fix")
    func missingTemplate() throws {
        var templates = try Self.templates()
        templates["call"] = nil
        #expect(throws: SiteError.missingTemplate(name: "call", directory: "templates")) {
            try SiteRenderer(templates: templates, settings: SiteSettings(title: "SOR", language: "pl"))
        }
    }
}
