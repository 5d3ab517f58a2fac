import Foundation
import SORCore

/// Loudness, pitch and spectral balance of a stretch of speech: the acoustic side of arousal.
///
/// - Level: 20 ms frames; speech frames are those within 30 dB of the stretch's loud frames (its 95th percentile),
///   so pauses and line noise do not lower the mean. Loudness is their mean power in dBFS.
/// - Brightness: over the same frames, the power of the first difference against the signal's, in dB. The first
///   difference weighs each frequency by 4·sin²(πf/fs), so the ratio rises as energy moves up the spectrum, as it
///   does with raised vocal effort, and the recording's gain cancels out.
/// - Pitch: YIN (de Cheveigné & Kawahara, 2002) on the signal low-passed and decimated to 4 kHz (ample for
///   fundamentals of 60–500 Hz, and 16 times less work than at 16 kHz), 40 ms windows every 20 ms, over speech
///   frames only. Octave errors are removed around the median before the median and the 10–90 % range are taken.
public enum ProsodyMeter {
    static let frameSeconds = 0.02
    static let pitchRate = 4000
    static let minimumPitch = 60.0
    static let maximumPitch = 500.0
    /// YIN's threshold on the cumulative mean normalised difference, and the most it accepts as voiced at all.
    static let yinThreshold: Float = 0.2
    static let yinCeiling: Float = 0.35

    /// nil when the stretch holds no speech (shorter than two frames, or silent).
    public static func measure(_ samples: [Float], sampleRate: Int) -> UtteranceAcoustics? {
        let frame = max(1, Int(Double(sampleRate) * frameSeconds))
        let count = samples.count / frame
        guard count >= 2 else { return nil }
        var power = [Double](repeating: 0, count: count)
        var difference = [Double](repeating: 0, count: count)
        samples.withUnsafeBufferPointer { x in
            for index in 0..<count {
                var p: Float = 0
                var d: Float = 0
                let base = index * frame
                var previous = base > 0 ? x[base - 1] : x[base]
                for i in base..<(base + frame) {
                    let value = x[i]
                    p += value * value
                    let step = value - previous
                    d += step * step
                    previous = value
                }
                power[index] = Double(p) / Double(frame)
                difference[index] = Double(d) / Double(frame)
            }
        }
        let levels = power.map { 10 * log10($0 + 1e-12) }
        let top = percentile(levels, 0.95)
        guard top > -60 else { return nil }
        let floor = max(-60, top - 30)
        let speech = (0..<count).filter { levels[$0] >= floor }
        guard !speech.isEmpty else { return nil }
        let speechPower = speech.reduce(0) { $0 + power[$1] }
        let speechDifference = speech.reduce(0) { $0 + difference[$1] }
        let loudness = 10 * log10(speechPower / Double(speech.count) + 1e-12)
        let brightness = 10 * log10((speechDifference + 1e-12) / (speechPower + 1e-12))

        let pitches = pitchTrack(samples, sampleRate: sampleRate, frames: speech, frame: frame)
        let cleaned = withoutOctaveErrors(pitches)
        let pitch = cleaned.isEmpty ? nil : percentile(cleaned, 0.5)
        let range = cleaned.count >= 3 ? 12 * log2(percentile(cleaned, 0.9) / percentile(cleaned, 0.1)) : nil
        return UtteranceAcoustics(
            voiced: rounded(Double(cleaned.count) * frameSeconds, 100), loudness: rounded(loudness, 100),
            pitch: pitch.map { rounded($0, 10) }, pitchRange: range.map { rounded($0, 100) }, brightness: rounded(brightness, 100))
    }

    /// Pitch in Hz of each speech frame that is voiced.
    static func pitchTrack(_ samples: [Float], sampleRate: Int, frames: [Int], frame: Int) -> [Double] {
        let factor = max(1, sampleRate / pitchRate)
        let rate = Double(sampleRate) / Double(factor)
        let low = decimated(samples, by: factor)
        let hop = max(1, frame / factor)
        let shortest = max(2, Int(rate / maximumPitch))
        let longest = Int(rate / minimumPitch) + 1
        // Two periods of the lowest pitch, rounded up to whole SIMD blocks.
        let window = (2 * longest + 7) / 8 * 8
        guard low.count >= window + longest + 1 else { return [] }
        var pitches: [Double] = []
        pitches.reserveCapacity(frames.count)
        var normalised = [Float](repeating: 1, count: longest + 2)
        low.withUnsafeBufferPointer { y in
            let base = UnsafeRawPointer(y.baseAddress!)
            let stride = MemoryLayout<Float>.stride
            for index in frames {
                // The analysis window is centred on the 20 ms frame.
                let start = min(max(0, index * hop + hop / 2 - window / 2), low.count - window - longest - 1)
                // Difference function d(τ) = Σ (y[j] − y[j+τ])² over the window, eight samples at a time, and the
                // cumulative mean normalised difference with it. Lags are tried from the shortest up and the search
                // stops at the first dip under the threshold once it has reached its minimum: a voice at 120 Hz is
                // done at half the lags.
                var running: Float = 0
                var chosen: Int?
                var dipping = false
                var tau = 1
                while tau <= longest + 1 {
                    var sums = SIMD8<Float>()
                    var j = start
                    while j < start + window {
                        let a = base.loadUnaligned(fromByteOffset: j * stride, as: SIMD8<Float>.self)
                        let b = base.loadUnaligned(fromByteOffset: (j + tau) * stride, as: SIMD8<Float>.self)
                        let delta = a - b
                        sums += delta * delta
                        j += 8
                    }
                    let d = sums.sum()
                    running += d
                    normalised[tau] = running > 0 ? d * Float(tau) / running : 1
                    if tau > shortest {
                        let previous = tau - 1
                        if dipping && normalised[tau] >= normalised[previous] {
                            chosen = previous
                            break
                        }
                        if !dipping && previous >= shortest && normalised[previous] < yinThreshold {
                            dipping = true
                            if normalised[tau] >= normalised[previous] {
                                chosen = previous
                                break
                            }
                        }
                    }
                    tau += 1
                }
                if chosen == nil && dipping { chosen = longest }
                if chosen == nil {
                    let best = (shortest...longest).min { normalised[$0] < normalised[$1] }!
                    if normalised[best] < yinCeiling { chosen = best }
                }
                guard let found = chosen else { continue }
                // Parabolic interpolation between the neighbouring lags.
                var lag = Double(found)
                if found > 1 && found < min(tau, longest + 1) {
                    let a = Double(normalised[found - 1]), b = Double(normalised[found]), c = Double(normalised[found + 1])
                    let denominator = a - 2 * b + c
                    if denominator > 0 { lag += 0.5 * (a - c) / denominator }
                }
                let hz = rate / lag
                if hz >= minimumPitch && hz <= maximumPitch { pitches.append(hz) }
            }
        }
        return pitches
    }

    /// A box filter as long as the factor (its first zero at the new sampling rate), then every factor-th sample.
    static func decimated(_ samples: [Float], by factor: Int) -> [Float] {
        guard factor > 1 else { return samples }
        let count = samples.count / factor
        var out = [Float](repeating: 0, count: count)
        let scale = 1 / Float(factor)
        samples.withUnsafeBufferPointer { x in
            for index in 0..<count {
                var sum: Float = 0
                let base = index * factor
                for i in base..<(base + factor) { sum += x[i] }
                out[index] = sum * scale
            }
        }
        return out
    }

    /// Pitches within an octave and a bit of the median: halving and doubling errors dropped.
    static func withoutOctaveErrors(_ pitches: [Double]) -> [Double] {
        guard pitches.count >= 3 else { return pitches }
        let median = percentile(pitches, 0.5)
        return pitches.filter { $0 > median / 1.9 && $0 < median * 1.9 }
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        let position = fraction * Double(sorted.count - 1)
        let lower = Int(position)
        let upper = min(sorted.count - 1, lower + 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    static func rounded(_ value: Double, _ scale: Double) -> Double { (value * scale).rounded() / scale }
}
