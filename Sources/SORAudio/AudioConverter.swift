import Foundation
import SORCore
internal import CSndfile

/// The limits a recording must meet to be accepted.
public struct AudioRules: Sendable, Equatable {
    public var minDuration: Double
    public var maxDuration: Double
    public var silenceThresholdDB: Double

    public init(minDuration: Double, maxDuration: Double, silenceThresholdDB: Double) {
        self.minDuration = minDuration
        self.maxDuration = maxDuration
        self.silenceThresholdDB = silenceThresholdDB
    }

    public init(_ config: Config.Audio) {
        self.init(minDuration: config.minDuration, maxDuration: config.maxDuration, silenceThresholdDB: config.silenceThresholdDB)
    }
}

/// Decodes a recording, checks it against the rules and writes it as 16 kHz 16-bit WAV with its channels kept.
///
/// One streaming pass: blocks of `blockFrames` are decoded, measured, resampled and written, so a two-hour call
/// needs a few hundred kilobytes of samples in memory, not gigabytes.
public struct AudioConverter: Sendable {
    public static let targetRate = 16_000
    public var rules: AudioRules
    public var blockFrames: Int

    public init(rules: AudioRules, blockFrames: Int = 32_768) {
        self.rules = rules
        self.blockFrames = blockFrames
    }

    /// Reads the header only and checks what can be known from it.
    public func probe(_ path: String) throws(AudioError) -> (sampleRate: Int, channels: Int, declaredSeconds: Double, format: String) {
        let decoder = try openDecoder(path)
        let seconds = Double(decoder.declaredFrames) / Double(decoder.sampleRate)
        return (decoder.sampleRate, decoder.channels, seconds, decoder.format)
    }

    /// Validates `path` and writes the 16 kHz version to `output`. On any problem `output` is removed.
    public func convert(_ path: String, to output: String) throws(AudioError) -> AudioInfo {
        do {
            return try convertUnchecked(path, to: output)
        } catch {
            try? FileManager.default.removeItem(atPath: output)
            throw error
        }
    }

    private func convertUnchecked(_ path: String, to output: String) throws(AudioError) -> AudioInfo {
        let decoder = try openDecoder(path)
        let declaredSeconds = Double(decoder.declaredFrames) / Double(decoder.sampleRate)
        if decoder.declaredFrames > 0, declaredSeconds > rules.maxDuration + 1 {
            throw .tooLong(path: path, seconds: declaredSeconds, maximum: rules.maxDuration)
        }
        let channels = decoder.channels
        let resampler: Resampler
        do {
            resampler = try Resampler(from: decoder.sampleRate, to: Self.targetRate, channels: channels)
        } catch {
            throw .conversionFailed(path: path, detail: error.detailText)
        }
        let writer = try WAVWriter(path: output, sampleRate: Self.targetRate, channels: channels)

        var input = [Float](repeating: 0, count: blockFrames * channels)
        var converted = [Float](repeating: 0, count: blockFrames * channels)
        var decodedFrames: Int64 = 0
        var peak: Float = 0
        var sumSquares: Double = 0
        while true {
            let frames: Int
            do {
                frames = try decoder.read(into: &input, frames: blockFrames)
            } catch {
                throw .corrupt(path: path, atSeconds: Double(decodedFrames) / Double(decoder.sampleRate), detail: error.detailText)
            }
            if frames == 0 { break }
            decodedFrames += Int64(frames)
            let block = input[0..<(frames * channels)]
            var blockSquares: Float = 0
            for sample in block {
                let magnitude = abs(sample)
                if magnitude > peak { peak = magnitude }
                blockSquares += sample * sample
            }
            sumSquares += Double(blockSquares)
            if Double(decodedFrames) / Double(decoder.sampleRate) > rules.maxDuration + 1 {
                throw .tooLong(path: path, seconds: Double(decodedFrames) / Double(decoder.sampleRate), maximum: rules.maxDuration)
            }
            let produced: Int
            do {
                produced = try resampler.process(block, output: &converted)
            } catch {
                throw .conversionFailed(path: path, detail: error.detailText)
            }
            try writer.write(converted[0..<(produced * channels)])
        }
        // The filter holds back a little audio; flushing may take more than one call.
        while true {
            let tail = try resampler.process([], output: &converted)
            if tail == 0 { break }
            try writer.write(converted[0..<(tail * channels)])
        }
        try writer.close()

        let seconds = Double(decodedFrames) / Double(decoder.sampleRate)
        if decodedFrames == 0 { throw .noAudioStream(path: path) }
        if let expected = Self.truncation(decoder: decoder, decodedFrames: decodedFrames) {
            throw .truncated(path: path, expectedSeconds: expected, decodedSeconds: seconds)
        }
        if seconds < rules.minDuration { throw .tooShort(path: path, seconds: seconds, minimum: rules.minDuration) }
        let peakDb = Self.decibels(Double(peak))
        let rmsDb = Self.decibels((sumSquares / Double(decodedFrames * Int64(channels))).squareRoot())
        if peakDb < rules.silenceThresholdDB {
            throw .silent(path: path, peakDB: peakDb, thresholdDB: rules.silenceThresholdDB)
        }
        return AudioInfo(
            format: decoder.format, sampleRate: decoder.sampleRate, channels: channels,
            duration: (seconds * 1000).rounded() / 1000, peakDb: (peakDb * 10).rounded() / 10,
            rmsDb: (rmsDb * 10).rounded() / 10)
    }

    /// The seconds the header promised when the file holds less audio than that, i.e. it was cut short; else nil.
    ///
    /// libsndfile clamps a WAV's frame count to the file's length and logs `data : 352000 (should be 99922)`.
    /// A size of 0 or 0xFFFFFFFF is a recorder's placeholder for a stream it never finalised, not a truncation.
    /// MP3 lengths are estimates (Xing header or bit rate), so they get 2% slack.
    static func truncation(decoder: any BlockDecoder, decodedFrames: Int64) -> Double? {
        let decodedSeconds = Double(decodedFrames) / Double(decoder.sampleRate)
        for line in decoder.parseLog.split(separator: "\n") where line.hasPrefix("data") && line.contains("(should be") {
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Double($0) }
            guard numbers.count >= 2, numbers[1] > 0, numbers[0] > 0, numbers[0] < 0xFFFF_FFF0, numbers[0] > numbers[1] else { continue }
            return decodedSeconds * numbers[0] / numbers[1]
        }
        let slack = decoder.format.hasPrefix("MPEG") ? max(Int64(Double(decoder.declaredFrames) * 0.02), 4_608) : 0
        if decoder.declaredFrames > 0 && decodedFrames + slack < decoder.declaredFrames {
            return Double(decoder.declaredFrames) / Double(decoder.sampleRate)
        }
        return nil
    }

    static func decibels(_ amplitude: Double) -> Double {
        amplitude > 0 ? 20 * log10(amplitude) : -200
    }
}

extension AudioError {
    var detailText: String {
        switch self {
        case .corrupt(_, _, let detail), .conversionFailed(_, let detail), .notAudio(_, let detail), .unreadable(_, let detail):
            detail
        default:
            errorDescription ?? "\(self)"
        }
    }
}

/// Writes 16-bit PCM WAV through libsndfile, clipping rather than wrapping samples beyond full scale.
final class WAVWriter {
    private var handle: OpaquePointer?
    private let path: String

    init(path: String, sampleRate: Int, channels: Int) throws(AudioError) {
        self.path = path
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw .conversionFailed(path: path, detail: "cannot create \(path): \(String(cString: sf_strerror(nil)))")
        }
        sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        self.handle = handle
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    func write(_ samples: ArraySlice<Float>) throws(AudioError) {
        guard let handle, !samples.isEmpty else { return }
        let written = samples.withUnsafeBufferPointer { sf_write_float(handle, $0.baseAddress, Int64($0.count)) }
        if written != Int64(samples.count) {
            throw .conversionFailed(path: path, detail: "writing \(path) failed: \(String(cString: sf_strerror(handle)))")
        }
    }

    func close() throws(AudioError) {
        guard let handle else { return }
        self.handle = nil
        if sf_close(handle) != 0 {
            throw .conversionFailed(path: path, detail: "closing \(path) failed")
        }
    }
}
