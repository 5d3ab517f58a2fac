import Foundation
import Testing
@testable import SORCore

/// An utterance of `text` starting at `start`, one word every 0.3 s, words with Whisper's leading space.
private func say(_ id: Int, _ speaker: String, _ start: Double, _ text: String) -> Utterance {
    let words = text.split(separator: " ").enumerated().map { index, token in
        Word(text: " \(token)", start: start + 0.3 * Double(index), end: start + 0.3 * Double(index + 1))
    }
    return Utterance(
        id: id, speaker: speaker, start: start, end: words.last?.end ?? start, text: text, words: words)
}

private let twoSpeakers = [Speaker(id: "S1"), Speaker(id: "S2")]

/// 1 / (1 + e^(−0.6·margin)), the labeller's confidence for a score margin.
private func logistic(_ margin: Double) -> Double { 1 / (1 + exp(-0.6 * margin)) }

@Suite("Role labeller")
struct RoleLabellerTests {
    let orange = RoleLabeller.Parameters(companyNames: ["Orange"])

    @Test("inbound: the consultant greets with the company name and introduces themself")
    func inboundGreeting() {
        let call = [
            say(0, "S1", 0, "Dzień dobry, infolinia Orange, nazywam się Anna Kowalska, w czym mogę pomóc?"),
            say(1, "S2", 5, "Dzień dobry, chciałbym zapytać o moją fakturę."),
            say(2, "S1", 9, "Proszę podać numer klienta."),
        ]
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: orange)
        #expect(result.roles == ["S1": .konsultant, "S2": .klient])
        #expect(result.decision.method == .lexical)
        // S1: infolinia 1.5 + Orange in the first 30 s 3 + nazywam się 2 + w czym mogę pomóc 3 + proszę podać 1.5
        // + first speaker 0.35 = 11.35; S2: chciałbym −1, moją fakturę −1.5 = −2.5. Margin 13.85: capped at 0.99.
        #expect(result.decision.confidence == 0.99)
        #expect(!result.decision.needsReview)
        // "nazywam" is the fifth word: 4 × 0.3 s = 1.2 s.
        #expect(result.decision.cues.contains("S1: „nazywam się” (1.2 s)"))
        #expect(result.decision.cues.contains("S1: „orange” (0.9 s)"))
        #expect(result.decision.cues.contains("S2: „chciałbym” (5.6 s)"))
    }

    @Test("no introduction: the consultant who opens „Halo, mamy dla pana świetną ofertę” is told apart by the offer, and the client by „kto mówi?”, against „halo” and the outbound direction")
    func withoutIntroduction() {
        let call = [
            say(0, "S1", 0, "Halo, mamy dla pana świetną ofertę na internet."),
            say(1, "S2", 4, "Ale kto mówi? Nie przedstawił się pan."),
            say(2, "S1", 8, "Proponuję panu nasz najnowszy pakiet."),
            say(3, "S2", 12, "Skąd pan ma mój numer? Proszę do mnie więcej nie dzwonić."),
        ]
        let outbound = RoleLabeller.Parameters(direction: .outbound)
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: outbound)
        #expect(result.roles == ["S1": .konsultant, "S2": .klient])
        // S1: halo −0.5, mamy dla pana 2, proponuję panu 1.5, first on an outbound call −0.35 = 2.65; S2: kto mówi
        // −2.5, nie przedstawił się −2.5, skąd pan ma mój −2.5, proszę do mnie więcej nie dzwonić −2.5, mój numer −1.5
        // = −11.5. Margin 14.15: capped at 0.99.
        #expect(result.decision.confidence == 0.99 && !result.decision.needsReview)
        #expect(result.decision.cues.contains("S2: „kto mówi” (4.3 s)"))
        // The same words, the speakers' order reversed: the roles follow the words, not who speaks first.
        let swapped = call.map { utterance -> Utterance in
            var copy = utterance
            copy.speaker = utterance.speaker == "S1" ? "S2" : "S1"
            return copy
        }
        #expect(RoleLabeller.label(utterances: swapped, speakers: twoSpeakers, parameters: outbound).roles == ["S2": .konsultant, "S1": .klient])
    }

    @Test("an inbound call whose client speaks first: who asks for the order number and who gives it outweigh the first-speaker hint")
    func clientFirst() {
        let call = [
            say(0, "S1", 0, "Halo? Czy mnie słychać? Chciałbym zapytać o moją przesyłkę."),
            say(1, "S2", 4, "Tak, słychać. Poproszę o numer zamówienia."),
            say(2, "S1", 7, "Mój numer zamówienia to cztery pięć siedem."),
        ]
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: RoleLabeller.Parameters(direction: .inbound))
        #expect(result.roles == ["S2": .konsultant, "S1": .klient])
        // S1: halo −0.5, chciałbym −1, mój numer −1.5 (its „moją przesyłkę” is no cue: „moja” is), first on an
        // inbound call +0.35 = −2.65; S2: poproszę o numer 2. Margin 4.65.
        #expect(abs(result.decision.confidence - logistic(4.65)) < 1e-9, "\(result.decision)")
    }

    @Test("a recorded announcement before the answer gets no role, gives no cues, and the conversation starts after it")
    func announcement() {
        let ivr = SpeakerSegment.announcement
        let call = [
            say(0, ivr, 0, "Witamy w infolinii Orange. Rozmowa jest nagrywana. W czym możemy Panu pomóc? Wybierz jeden."),
            say(1, ivr, 20, "Wszyscy konsultanci są zajęci, prosimy czekać."),
            say(2, "S1", 50, "Orange, dzień dobry, tu Anna."),
            say(3, "S2", 53, "Dzień dobry, chciałbym zapytać o rachunek."),
        ]
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers + [Speaker(id: ivr)], parameters: orange)
        #expect(result.roles == ["S1": .konsultant, "S2": .klient])
        #expect(result.speakers.first { $0.id == ivr }?.role == nil)
        // The announcement's "infolinii", "rozmowa jest nagrywana", "w czym możemy pomóc" are no one's cues; the
        // company name 50 s into the recording is still a greeting (3, not 1) as the answer came at 21.8 s.
        #expect(!result.decision.cues.contains { $0.hasPrefix("\(ivr): „") }, "\(result.decision.cues)")
        #expect(result.decision.cues.contains("\(ivr): zapowiedź nagrana przed odebraniem (do 21.8 s), bez roli"))
        #expect(result.decision.cues.contains("S1 mówi pierwszy (połączenie przychodzące: odbiera konsultant)"))
        // S1: Orange early 3 + first speaker 0.35; S2: chciałbym −1. Margin 4.35.
        #expect(abs(result.decision.confidence - logistic(4.35)) < 1e-9, "\(result.decision)")
    }

    @Test("inbound, the client talks first: the words outweigh the first-speaker hint")
    func inboundClientFirst() {
        let call = [
            say(0, "S1", 0, "Halo? Dzień dobry, dzwonię w sprawie mojej faktury."),
            say(1, "S2", 4, "Dzień dobry, infolinia Orange, nazywam się Anna Kowalska, w czym mogę pomóc?"),
        ]
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: orange)
        #expect(result.roles == ["S1": .klient, "S2": .konsultant])
        #expect(result.decision.method == .lexical)
        // S1: halo −0.5, dzwonię w sprawie −1.5, mojej faktury −1.5, first speaker +0.35 = −3.15;
        // S2: 1.5 + 3 + 2 + 3 = 9.5. Margin 12.65 → 0.99.
        #expect(result.decision.confidence > 0.95)
        #expect(!result.decision.needsReview)
    }

    @Test("outbound: the client answers with „Słucham?”")
    func outboundSlucham() {
        let call = [
            say(0, "S1", 0, "Słucham?"),
            say(1, "S2", 1.5, "Dzień dobry, mam dla pana ofertę."),
            say(2, "S1", 4, "Aha, dobrze."),
        ]
        let outbound = RoleLabeller.Parameters(direction: .outbound)
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: outbound)
        #expect(result.roles == ["S1": .klient, "S2": .konsultant])
        #expect(result.decision.method == .lexical)
        // S1: słucham at the start of an outbound call −2, first speaker on an outbound call −0.35; S2: 0.
        // Margin 2.35 → 1 / (1 + e^−1.41) ≈ 0.804.
        #expect(abs(result.decision.confidence - logistic(2.35)) < 1e-9)
        #expect(abs(result.decision.confidence - 0.804) < 0.001)
        #expect(result.decision.cues.contains("S1: „słucham” (0.0 s)"))

        // Inbound, „Słucham?” is no cue: only the first-speaker hint, and S1 answers as the consultant.
        let inbound = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: .init(direction: .inbound))
        #expect(inbound.roles == ["S1": .konsultant, "S2": .klient])
        #expect(inbound.decision.method == .firstSpeaker)
    }

    @Test("the channel map decides when every speaker has a mapped channel")
    func channelMap() {
        let call = [say(0, "S1", 0, "Dzień dobry."), say(1, "S2", 1, "Dzień dobry, w czym mogę pomóc?")]
        let speakers = [Speaker(id: "S1", channel: 0), Speaker(id: "S2", channel: 1)]
        let parameters = RoleLabeller.Parameters(channelMap: [0: .klient, 1: .konsultant])
        let result = RoleLabeller.label(utterances: call, speakers: speakers, parameters: parameters)
        #expect(result.roles == ["S1": .klient, "S2": .konsultant])
        #expect(result.speakers.map(\.channel) == [0, 1])
        #expect(result.decision.method == .channelMap)
        #expect(result.decision.confidence == 1)
        #expect(!result.decision.needsReview)

        // A speaker without a channel: the map cannot decide, the words do.
        let mono = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: parameters)
        #expect(mono.decision.method == .lexical)
        #expect(mono.roles == ["S1": .klient, "S2": .konsultant])
    }

    @Test("words that clearly contradict the channel map send the call to review")
    func channelMapContradicted() {
        let call = [
            say(0, "S1", 0, "Dzień dobry."),
            say(1, "S2", 1, "Dzień dobry, nazywam się Anna Kowalska, w czym mogę pomóc?"),
        ]
        let speakers = [Speaker(id: "S1", channel: 0), Speaker(id: "S2", channel: 1)]
        let parameters = RoleLabeller.Parameters(channelMap: [0: .konsultant, 1: .klient])
        let result = RoleLabeller.label(utterances: call, speakers: speakers, parameters: parameters)
        // The map still says who is who; only the confidence drops.
        #expect(result.roles == ["S1": .konsultant, "S2": .klient])
        #expect(result.decision.method == .channelMap)
        // S2's words score 2 + 3 = 5 over S1's 0: min(1 − logistic(5), 0.6 / 2) = 1 − 0.9526 ≈ 0.047.
        #expect(abs(result.decision.confidence - (1 - logistic(5))) < 1e-9)
        #expect(result.decision.needsReview)
        #expect(result.decision.cues.contains { $0.contains("słowa przeczą mapie kanałów") })
    }

    @Test("no cues at all: the first speaker is the consultant, with low confidence, for review")
    func firstSpeakerOnly() {
        let call = [say(0, "S1", 0, "Dzień dobry."), say(1, "S2", 1, "Dzień dobry."), say(2, "S1", 2, "Tak.")]
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: .init())
        #expect(result.roles == ["S1": .konsultant, "S2": .klient])
        #expect(result.decision.method == .firstSpeaker)
        // Margin 0.35 → 1 / (1 + e^−0.21) ≈ 0.552.
        #expect(abs(result.decision.confidence - 0.552) < 0.001)
        #expect(result.decision.needsReview)

        // Outbound: the first speaker is the client.
        let outbound = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: .init(direction: .outbound))
        #expect(outbound.roles == ["S1": .klient, "S2": .konsultant])
    }

    @Test("one speaker: no roles, confidence 0, for review")
    func singleSpeaker() {
        let call = [say(0, "S1", 0, "Dzień dobry, infolinia Orange, w czym mogę pomóc?")]
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: orange)
        #expect(result.roles.isEmpty)
        #expect(result.speakers.map(\.role) == [nil, nil])
        #expect(result.decision.method == .none)
        #expect(result.decision.confidence == 0)
        #expect(result.decision.needsReview)
    }

    @Test("a conference call: the best-scoring speaker is the consultant, everyone else a client")
    func conference() {
        let call = [
            say(0, "S1", 0, "Halo?"),
            say(1, "S2", 1, "Dzień dobry, nazywam się Anna Kowalska."),
            say(2, "S3", 4, "Dzień dobry, mam problem."),
        ]
        let speakers = [Speaker(id: "S1"), Speaker(id: "S2"), Speaker(id: "S3")]
        let result = RoleLabeller.label(utterances: call, speakers: speakers, parameters: .init())
        #expect(result.roles == ["S1": .klient, "S2": .konsultant, "S3": .klient])
        // S2: 2; S1: halo −0.5 + first 0.35 = −0.15. Margin 2.15.
        #expect(abs(result.decision.confidence - logistic(2.15)) < 1e-9)
    }

    @Test("Polish text is folded and cues match whole words only")
    func folding() {
        #expect(RoleLabeller.FoldedText.fold("Dzień DOBRY, Żółć gęślą jaźń!") == ["dzien", "dobry", "zolc", "gesla", "jazn"])
        // "zapraszamy" is not "zapraszam", "Orangeowy" is not "Orange".
        let call = [say(0, "S1", 0, "Zapraszamy, Orangeowy."), say(1, "S2", 1, "Zapraszam.")]
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: orange)
        #expect(result.roles == ["S1": .klient, "S2": .konsultant])
        #expect(result.decision.cues.filter { $0.hasPrefix("S1:") }.isEmpty)
    }

    @Test("a company name the recogniser misheard still counts; an unrelated word does not")
    func misheardCompany() {
        let telkom = RoleLabeller.Parameters(companyNames: ["Telkom Plus"])
        let call = [
            say(0, "S1", 0, "Telkron Plus, ja zimę się do rmiśniewski, słucham."),
            say(1, "S2", 4, "Dzień dobry, wyższa mi przyszła faktura."),
        ]
        let result = RoleLabeller.label(utterances: call, speakers: twoSpeakers, parameters: telkom)
        #expect(result.roles == ["S1": .konsultant, "S2": .klient])
        #expect(result.decision.cues.contains("S1: „telkron plus” (0.0 s)"), "\(result.decision.cues)")
        #expect(!result.decision.needsReview)
        // "telefon plus" is three edits from "telkom plus": not the company.
        let other = [say(0, "S1", 0, "Mam telefon plus abonament."), say(1, "S2", 3, "Rozumiem.")]
        let unrelated = RoleLabeller.label(utterances: other, speakers: twoSpeakers, parameters: telkom)
        #expect(!unrelated.decision.cues.contains { $0.contains("telefon") })
    }

    @Test("a company name said late counts less than in the greeting")
    func lateCompanyName() {
        let late = [say(0, "S1", 0, "Dzień dobry."), say(1, "S2", 40, "Czy to Orange?")]
        let result = RoleLabeller.label(utterances: late, speakers: twoSpeakers, parameters: RoleLabeller.Parameters(
            companyNames: ["Orange"], direction: .unknown))
        // S2: Orange after 30 s, 1.5. Margin 1.5.
        #expect(result.roles == ["S1": .klient, "S2": .konsultant])
        #expect(abs(result.decision.confidence - logistic(1.5)) < 1e-9)
    }
}
