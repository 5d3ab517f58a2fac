import Foundation
import Testing
@testable import SORAcoustics

@Suite("ProsodyMeter")
struct ProsodyMeterTests {
    /// A voiced-like sound: a fundamental and its next six harmonics, falling 6 dB an octave, at `hz(t)`.
    static func voice(seconds: Double, rate: Int = 16_000, amplitude: Float = 0.3, hz: (Double) -> Double) -> [Float] {
        var phase = 0.0
        return (0..<Int(seconds * Double(rate))).map { index in
            phase += 2 * .pi * hz(Double(index) / Double(rate)) / Double(rate)
            var value = 0.0
            for harmonic in 1...7 { value += sin(Double(harmonic) * phase) / Double(harmonic) }
            return amplitude * Float(value) / 2
        }
    }

    @Test("a steady tone's pitch is found within 2 %, low and high voices alike, with no range")
    func steadyPitch() throws {
        for hz in [95.0, 140.0, 220.0, 330.0] {
            let measured = try #require(ProsodyMeter.measure(Self.voice(seconds: 1.5) { _ in hz }, sampleRate: 16_000))
            let pitch = try #require(measured.pitch)
            #expect(abs(pitch - hz) / hz < 0.02, "\(hz) Hz measured as \(pitch)")
            #expect(try #require(measured.pitchRange) < 0.5)
            #expect(measured.voiced > 1.2)
        }
    }

    @Test("a glide over an octave spans about 80 % of 12 semitones between the 10th and 90th percentiles")
    func glideRange() throws {
        let measured = try #require(ProsodyMeter.measure(Self.voice(seconds: 2) { 150 * pow(2, $0 / 2) }, sampleRate: 16_000))
        let range = try #require(measured.pitchRange)
        #expect(abs(range - 9.6) < 1, "range \(range)")
    }

    @Test("the recording's gain moves loudness only: pitch, range and brightness stay")
    func gainInvariance() throws {
        let loud = Self.voice(seconds: 1.5) { 180 + 30 * sin($0 * 6) }
        let quiet = loud.map { $0 * 0.25 }
        let a = try #require(ProsodyMeter.measure(loud, sampleRate: 16_000))
        let b = try #require(ProsodyMeter.measure(quiet, sampleRate: 16_000))
        #expect(abs((a.loudness - b.loudness) - 12.04) < 0.1)
        #expect(a.pitch == b.pitch)
        #expect(a.pitchRange == b.pitchRange)
        #expect(abs(a.brightness - b.brightness) < 0.05)
    }

    @Test("more energy in the upper harmonics reads as brighter")
    func brightness() throws {
        let dull = Self.voice(seconds: 1) { _ in 150 }
        var phase = 0.0
        let bright: [Float] = (0..<16_000).map { index in
            phase += 2 * .pi * 150 / 16_000
            var value = 0.0
            for harmonic in 1...20 { value += sin(Double(harmonic) * phase) / sqrt(Double(harmonic)) }
            return 0.1 * Float(value)
        }
        let a = try #require(ProsodyMeter.measure(dull, sampleRate: 16_000))
        let b = try #require(ProsodyMeter.measure(bright, sampleRate: 16_000))
        #expect(b.brightness > a.brightness + 6)
    }

    @Test("silence and noise without a pitch are not speech to measure; too short a stretch neither")
    func silence() {
        #expect(ProsodyMeter.measure([Float](repeating: 0, count: 16_000), sampleRate: 16_000) == nil)
        #expect(ProsodyMeter.measure([0.1, 0.2], sampleRate: 16_000) == nil)
        var seed: UInt64 = 42
        let noise: [Float] = (0..<16_000).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: seed >> 11) % 1000) / 10_000
        }
        let measured = ProsodyMeter.measure(noise, sampleRate: 16_000)
        #expect(measured?.pitch == nil && (measured?.voiced ?? 0) < 0.1)
    }
}
