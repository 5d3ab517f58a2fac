import Foundation
import SORCore
@testable import SORReports

/// A realistic Polish call, built in code: two parties with diacritics in every line, one long utterance that must
/// wrap, two cards (one failed on a critical criterion by an evaluator's manual answer with a Markdown comment),
/// evidence with times, sentiment per utterance, a role decision to verify and a history of edits.
enum ReportFixtures {
    static let lines: [(speaker: String, start: Double, end: Double, text: String, score: Double)] = [
        ("S1", 0.4, 5.2, "Dzień dobry, nazywam się Małgorzata Żółkiewska, Telekom Polska, w czym mogę pomóc?", 0.45),
        ("S2", 5.8, 11.0, "Dzień dobry, dzwonię, bo od trzech miesięcy płacę więcej, niż było w umowie.", -0.35),
        ("S1", 11.4, 16.9, "Rozumiem, to na pewno nieprzyjemne. Sprawdzę to od razu, proszę chwilę poczekać.", 0.2),
        ("S2", 17.5, 58.0, "Już trzeci raz dzwonię w tej sprawie i za każdym razem ktoś obiecuje, że oddzwoni, a potem cisza; "
            + "w październiku naliczono mi opłatę za usługę, której nigdy nie zamawiałem, w listopadzie znowu to samo, "
            + "a na dodatek faktura przyszła pocztą, choć zgodziłem się na e-fakturę, więc płacę jeszcze za przesyłkę. "
            + "Szczerze mówiąc, zastanawiam się, czy nie zrezygnować z państwa usług i nie przejść do konkurencji, "
            + "bo tam przynajmniej ktoś odbiera telefon i odpowiada na reklamacje w terminie.", -0.8),
        ("S1", 58.6, 70.2, "Bardzo przepraszam za te kłopoty. Widzę tę opłatę: to pakiet „Ochrona Plus”, włączony jedenastego października.", 0.1),
        ("S1", 70.8, 79.5, "Mogę ją wyłączyć od dziś i zwrócić pieniądze za oba miesiące, łącznie 59,98 zł.", 0.55),
        ("S2", 80.1, 84.0, "No dobrze, to już coś. A co z tą papierową fakturą?", 0.05),
        ("S1", 84.6, 93.0, "Zmieniam formę na e-fakturę, a opłatę za przesyłkę również zwrócimy. Czy mogę jeszcze w czymś pomóc?", 0.5),
        ("S2", 93.6, 97.0, "Nie, dziękuję, to wszystko. Miłego dnia.", 0.6),
        ("S1", 97.4, 101.0, "Dziękuję za rozmowę, do usłyszenia, życzę miłego dnia!", 0.7),
    ]

    static let longUtterance = lines[3].text

    static let managerComment = "**Brak weryfikacji tożsamości** — konsultantka *nie zapytała* o datę urodzenia.\n\n"
        + "- przed zmianą umowy zawsze potwierdzić dane klienta\n- omówić na najbliższym coachingu"

    static let overallComment = "Dobra, empatyczna rozmowa; **jeden błąd krytyczny** do omówienia z zespołem."

    static var call: CallRecord {
        var record = CallRecord(
            id: "4f2a9c1e7b3d5a60", status: "transcribed",
            source: CallSource(fileName: "2025-11-14_1032_reklamacja_źródło.wav", sha256: String(repeating: "ab", count: 32), bytes: 1_612_844,
                               receivedAt: "2025-11-14T10:35:12Z"),
            audioFile: "audio.wav",
            audio: AudioInfo(format: "WAV/PCM_16", sampleRate: 8000, channels: 2, duration: 101.4, peakDb: -2.1, rmsDb: -19.5),
            metadata: CallMetadata(
                agent: "Małgorzata Żółkiewska", team: "Zespół Łódź — Retencja", direction: "inbound", clientNumber: "+48 601 234 567",
                campaign: "Reklamacje Q4", scorecard: "obsluga", callTime: "2025-11-14T10:32:00+01:00", language: "pl"),
            processing: ProcessingInfo(engine: EngineInfo(endpoint: "http://127.0.0.1:8123", model: "large-v3"), language: "pl",
                                       startedAt: "2025-11-14T10:35:13Z", finishedAt: "2025-11-14T10:36:01Z", transcriptionSeconds: 48),
            revision: 4)
        record.updatedBy = "ewa.kowalczyk"
        record.updatedAt = "2025-11-15T09:12:00+01:00"
        return record
    }

    static func words(_ text: String, _ start: Double, _ end: Double) -> [Word] {
        let tokens = text.split(separator: " ").map(String.init)
        let step = (end - start) / Double(max(tokens.count, 1))
        return tokens.enumerated().map { Word(text: " " + $1, start: start + Double($0) * step, end: start + Double($0 + 1) * step, probability: 0.9) }
    }

    static var analysis: Analysis {
        let utterances = lines.enumerated().map { index, line -> Utterance in
            var utterance = Utterance(id: index, speaker: line.speaker, start: line.start, end: line.end, text: line.text,
                                      words: words(line.text, line.start, line.end), interruption: index == 4)
            utterance.sentiment = UtteranceSentiment(score: line.score, label: line.score > 0.2 ? .pozytywny : line.score < -0.2 ? .negatywny : .neutralny, cues: [])
            return utterance
        }
        var analysis = Analysis(
            method: .channels,
            speakers: [Speaker(id: "S1", name: "Małgorzata", role: .konsultant, channel: 0), Speaker(id: "S2", role: .klient, channel: 1)],
            segments: [], utterances: utterances,
            roles: RoleDecision(method: .firstSpeaker, confidence: 0.42, cues: ["S1: „nazywam się” (0,4 s)"], needsReview: true),
            stats: TalkStats(
                duration: 101.4,
                speakers: [SpeakerStats(speaker: "S1", talkTime: 48.2, talkShare: 0.46, utterances: 6, words: 95, interruptions: 1),
                           SpeakerStats(speaker: "S2", talkTime: 56.0, talkShare: 0.54, utterances: 4, words: 110, interruptions: 0)],
                overlaps: [], interruptions: [Interruption(by: "S1", of: "S2", at: 58.6)], silences: [], holds: [Span(start: 58.0, end: 58.6)],
                longestSilence: 4.2, talkListenRatio: 0.86))
        var klient = PartySentiment(score: -0.21, label: .negatywny, quarters: [-0.35, -0.8, 0.05, 0.6], change: 0.95,
                                    mostNegative: SentimentMoment(utterance: 3, start: 17.5, score: -0.8, text: longUtterance),
                                    mostPositive: SentimentMoment(utterance: 8, start: 93.6, score: 0.6, text: lines[8].text), utterances: 4)
        klient.emotion = .niezadowolony
        let konsultant = PartySentiment(score: 0.42, label: .pozytywny, quarters: [0.45, 0.2, 0.55, 0.7], change: 0.25,
                                        mostNegative: nil, mostPositive: nil, utterances: 6)
        let overall = PartySentiment(score: 0.08, label: .neutralny, quarters: [0.05, -0.3, 0.3, 0.65], change: 0.6,
                                     mostNegative: nil, mostPositive: nil, utterances: 10)
        analysis.sentiment = CallSentiment(overall: overall, klient: klient, konsultant: konsultant, lexicon: "pl-1")
        return analysis
    }

    static let serviceCard = Scorecard(id: "obsluga", name: "Obsługa klienta — standard", passThreshold: 80, sections: [
        .init(id: "otwarcie", name: "Otwarcie rozmowy", weight: 20, criteria: [
            Criterion(id: "powitanie", name: "Powitanie z nazwą firmy i przedstawienie się", points: 5),
            Criterion(id: "cel", name: "Ustalenie celu rozmowy", points: 5, answer: .partial),
        ]),
        .init(id: "rozwiazanie", name: "Rozwiązanie sprawy", weight: 60, criteria: [
            Criterion(id: "weryfikacja", name: "Weryfikacja tożsamości przed zmianą usług", points: 10, critical: true),
            Criterion(id: "empatia", name: "Empatia i przeprosiny za kłopot", points: 5, answer: .partial),
            Criterion(id: "oferta", name: "Propozycja utrzymania klienta (oferta retencyjna)", points: 5, naAllowed: true),
            Criterion(id: "podsumowanie", name: "Podsumowanie ustaleń", points: 5),
        ]),
        .init(id: "zamkniecie", name: "Zakończenie", weight: 20, criteria: [
            Criterion(id: "dodatkowe", name: "Pytanie o dodatkowe potrzeby", points: 5),
            Criterion(id: "pozegnanie", name: "Pożegnanie i podziękowanie", points: 5),
        ]),
    ])

    static let retentionCard = Scorecard(id: "retencja", name: "Retencja — ryzyko odejścia", passThreshold: 70, sections: [
        .init(id: "ryzyko", name: "Rozpoznanie ryzyka", weight: 1, criteria: [
            Criterion(id: "sygnal", name: "Reakcja na sygnał rezygnacji", points: 10),
            Criterion(id: "zwrot", name: "Zaproponowanie rekompensaty", points: 10),
        ]),
    ])

    static var evaluation: Evaluation {
        let auto: [String: AutoAnswer] = [
            "powitanie": AutoAnswer(answer: .yes, note: "padło: „nazywam się” (KONSULTANT)",
                                    evidence: [Evidence(start: 0.4, end: 5.2, quote: "nazywam się Małgorzata Żółkiewska, Telekom Polska", role: "KONSULTANT")]),
            "cel": AutoAnswer(answer: .partial, note: "padło 1 z 2 sformułowań"),
            "weryfikacja": AutoAnswer(answer: .yes, note: "wzorzec /data urodzenia|pesel/ pasuje (KONSULTANT)",
                                      evidence: [Evidence(start: 84.6, quote: "czy mogę jeszcze w czymś pomóc", role: "KONSULTANT")]),
            "empatia": AutoAnswer(answer: .yes, note: "padło: „przepraszam”",
                                  evidence: [Evidence(start: 58.6, quote: "Bardzo przepraszam za te kłopoty", role: "KONSULTANT"),
                                             Evidence(start: 11.4, quote: "to na pewno nieprzyjemne", role: "KONSULTANT")]),
            "oferta": AutoAnswer(answer: .notApplicable, note: "klient nie zapowiedział rezygnacji wprost"),
            "dodatkowe": AutoAnswer(answer: .yes, note: "padło: „w czymś pomóc”",
                                    evidence: [Evidence(start: 84.6, quote: "Czy mogę jeszcze w czymś pomóc?", role: "KONSULTANT")]),
            "pozegnanie": AutoAnswer(answer: .yes, note: "padło: „dziękuję za rozmowę”",
                                     evidence: [Evidence(start: 97.4, quote: "Dziękuję za rozmowę, do usłyszenia", role: "KONSULTANT")]),
        ]
        let manual = ["weryfikacja": ManualAnswer(answer: .no, comment: managerComment, evaluator: "ewa.kowalczyk", time: "2025-11-15T09:12:00+01:00")]
        let service = Scoring.score(card: serviceCard, auto: auto, manual: manual, evaluator: "ewa.kowalczyk", comment: overallComment)
        let retention = Scoring.score(
            card: retentionCard,
            auto: ["sygnal": AutoAnswer(answer: .yes, note: "padło: „zrezygnować”", evidence: [Evidence(start: 17.5, quote: "zastanawiam się, czy nie zrezygnować", role: "KLIENT")]),
                   "zwrot": AutoAnswer(answer: .yes, note: "padło: „zwrócić pieniądze”", evidence: [Evidence(start: 70.8, quote: "zwrócić pieniądze za oba miesiące", role: "KONSULTANT")])],
            manual: [:])
        return Evaluation(scorecardsSha256: String(repeating: "c0ffee", count: 10) + "abcd", scorecardsCommit: "9f8e7d6c5b4a", scoredAt: "2025-11-15T09:12:01+01:00",
                          cards: [service, retention])
    }

    static let history = [
        HistoryEntry(edit: "e1", state: "applied", type: "utterance.text", user: "ewa.kowalczyk", time: "2025-11-14T16:02:00+01:00", file: "a.json",
                     baseRevision: 1, revision: 2, before: ["utterance": "5", "text": "Mogę ją wyłączyć od dziś i zwrócić pieniądze za oba miesiące, łącznie 59 zł."],
                     after: ["utterance": "5", "text": "Mogę ją wyłączyć od dziś i zwrócić pieniądze za oba miesiące, łącznie 59,98 zł."]),
        HistoryEntry(edit: "e2", state: "rejected", type: "utterance.speaker", user: "jan.wiśniewski", time: "2025-11-14T16:05:00+01:00", file: "b.json",
                     baseRevision: 1, reason: "wersja 1 jest nieaktualna (obecna: 2)"),
        HistoryEntry(edit: "e3", state: "applied", type: "evaluation.manual", user: "ewa.kowalczyk", time: "2025-11-15T09:12:00+01:00", file: "c.json",
                     baseRevision: 3, revision: 4, before: ["card": "obsluga", "weryfikacja": "auto"], after: ["card": "obsluga", "weryfikacja": "no"],
                     comment: "ocena po odsłuchu"),
    ]

    static var document: CallDocument {
        let analysis = analysis
        let segments = analysis.utterances.map { Segment(id: $0.id, start: $0.start, end: $0.end, text: $0.text, words: $0.words) }
        let transcript = Transcript(language: "pl", duration: 101.4, text: segments.map(\.text).joined(separator: " "), segments: segments,
                                    engine: EngineInfo(endpoint: "http://127.0.0.1:8123", model: "large-v3"))
        return CallDocument(call: call, transcript: transcript, evaluation: evaluation, analysis: analysis, history: history)
    }

    static let agentNames = [
        "Anna Nowak", "Łukasz Wójcik", "Zofia Kamińska", "Grzegorz Lewandowski", "Żaneta Zielińska", "Michał Szymański",
        "Katarzyna Woźniak", "Paweł Dąbrowski", "Agnieszka Kozłowska", "Tomasz Jankowski", "Magdalena Mazur", "Krzysztof Kwiatkowski",
        "Joanna Krawczyk", "Piotr Kaczmarek", "Aleksandra Piotrowska", "Marcin Grabowski", "Ewelina Zając", "Jakub Pawłowski",
        "Natalia Michalska", "Dawid Król", "Weronika Wieczorek", "Mateusz Jabłoński", "Karolina Wróbel", "Bartłomiej Nowakowski",
        "Monika Majewska", "Sebastian Olszewski", "Patrycja Stępień", "Kamil Malinowski", "Dominika Jaworska", "Adrian Adamczyk",
        "Justyna Dudek", "Rafał Nowicki", "Sylwia Pawlak", "Wojciech Górski", "Beata Witkowska", "Szymon Walczak",
        "Iwona Sikora", "Damian Baran", "Renata Rutkowska", "Przemysław Michalak", "Elżbieta Szewczyk", "Maciej Ostrowski",
        "Halina Tomaszewska", "Robert Pietrzak", "Ślęzak Ćwikliński",
    ]

    static var period: PeriodReport {
        let teams = ["Zespół Łódź — Retencja", "Zespół Kraków", "Zespół Gdańsk — Sprzedaż"]
        let days = (1...30).map { day -> PeriodReport.Day in
            let weekend = (day + 5) % 7 >= 5
            let calls = weekend ? (day % 3 == 0 ? 0 : 4) : 30 + (day * 7) % 23
            return PeriodReport.Day(day: String(format: "2025-11-%02d", day), calls: calls, average: calls == 0 ? nil : 68 + Double((day * 13) % 25))
        }
        return PeriodReport(
            title: "Raport okresowy", period: "2025-11-01 – 2025-11-30", scope: "Całe centrum", generated: "Wygenerowano: 2025-12-01 06:00",
            kpis: [
                .init(label: "Rozmowy", value: "812"), .init(label: "Czas rozmów", value: "143.5 h"), .init(label: "Średnia ocena", value: "81.2%"),
                .init(label: "Zaliczone oceny", value: "74%"), .init(label: "Z błędem krytycznym", value: "37"), .init(label: "Do weryfikacji", value: "52"),
                .init(label: "Nastawienie klientów (poz. / neutr. / neg.)", value: "41% / 38% / 21%"),
            ],
            cards: [.init(name: "Obsługa klienta — standard", calls: 790, average: 80.6, passRate: 72.4),
                    .init(name: "Retencja — ryzyko odejścia", calls: 214, average: 77.25, passRate: 65),
                    .init(name: "Sprzedaż — nowa karta", calls: 0, average: nil, passRate: nil)],
            days: days,
            agents: agentNames.enumerated().map { index, name in
                .init(name: name, team: teams[index % teams.count], calls: 10 + (index * 11) % 31, average: 95 - Double(index) * 0.9,
                      passRate: 100 - Double(index) * 1.5, criticalFailures: index % 4 == 0 ? index / 4 : 0)
            },
            failedCriteria: [
                .init(card: "Obsługa klienta — standard", criterion: "Weryfikacja tożsamości przed zmianą usług", failed: 37, of: 640),
                .init(card: "Obsługa klienta — standard", criterion: "Pytanie o dodatkowe potrzeby", failed: 121, of: 790),
                .init(card: "Retencja — ryzyko odejścia", criterion: "Zaproponowanie rekompensaty", failed: 58, of: 214),
                .init(card: "Obsługa klienta — standard", criterion: "Podsumowanie ustaleń", failed: 44, of: 790),
            ])
    }
}
