internal import CSndfile
import Foundation

/// Random access to a WAV file (the pipeline's 16 kHz copy of a recording): any stretch of one channel or of the
/// mix, read when needed, so that a two-hour call is never held in memory whole. Reads are serialised (one
/// libsndfile handle), so it can be shared by threads.
public final class SampleFile: @unchecked Sendable {
    public let path: String
    public let channels: Int
    public let frames: Int
    public let sampleRate: Int
    private let handle: OpaquePointer
    private let lock = NSLock()

    public init(path: String) throws(AudioError) {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw .unreadable(path: path, detail: String(cString: sf_strerror(nil)))
        }
        self.path = path
        self.handle = handle
        channels = Int(info.channels)
        frames = Int(info.frames)
        sampleRate = Int(info.samplerate)
    }

    deinit { sf_close(handle) }

    public var duration: Double { Double(frames) / Double(sampleRate) }

    /// Interleaved samples of `range` (frames), clipped to the file.
    public func interleaved(_ range: Range<Int>) -> [Float] {
        let lower = max(0, min(range.lowerBound, frames))
        let upper = max(lower, min(range.upperBound, frames))
        var buffer = [Float](repeating: 0, count: (upper - lower) * channels)
        guard upper > lower else { return buffer }
        lock.lock()
        defer { lock.unlock() }
        guard sf_seek(handle, sf_count_t(lower), SEEK_SET) >= 0 else { return buffer }
        let read = buffer.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(upper - lower)) }
        if Int(read) < upper - lower { buffer.removeLast((upper - lower - Int(read)) * channels) }
        return buffer
    }

    /// One channel (0 = left), or the average of all channels when `channel` is nil.
    public func samples(_ range: Range<Int>, channel: Int? = nil) -> [Float] {
        let data = interleaved(range)
        guard channels > 1 else { return data }
        let count = data.count / channels
        var out = [Float](repeating: 0, count: count)
        if let channel {
            for i in 0..<count { out[i] = data[i * channels + channel] }
        } else {
            let scale = 1 / Float(channels)
            for i in 0..<count {
                var sum: Float = 0
                for c in 0..<channels { sum += data[i * channels + c] }
                out[i] = sum * scale
            }
        }
        return out
    }

    /// How the first two channels relate, read block by block: their energies and their correlation.
    public struct ChannelComparison: Sendable, Equatable {
        /// Mean square of the left and the right channel.
        public var left: Double
        public var right: Double
        /// Normalised correlation of the two channels (1: the same signal, 0: unrelated).
        public var correlation: Double

        /// The quieter channel's energy over the louder's, in dB (0: equally loud; −∞: one channel is silent).
        public var balance: Double {
            let (low, high) = (min(left, right), max(left, right))
            return high > 0 ? 10 * log10(max(low, 1e-30) / high) : 0
        }
    }

    /// Compares the first two channels (nil for a mono file).
    public func compareChannels() -> ChannelComparison? {
        guard channels >= 2 else { return nil }
        var (ll, rr, lr) = (0.0, 0.0, 0.0)
        let block = 1 << 16
        var start = 0
        while start < frames {
            let data = interleaved(start..<min(start + block, frames))
            var index = 0
            while index + 1 < data.count {
                let (l, r) = (Double(data[index]), Double(data[index + 1]))
                ll += l * l
                rr += r * r
                lr += l * r
                index += channels
            }
            start += block
        }
        let count = Double(max(frames, 1))
        let correlation = ll > 0 && rr > 0 ? lr / (ll * rr).squareRoot() : 0
        return ChannelComparison(left: ll / count, right: rr / count, correlation: correlation)
    }

    /// Writes one channel as a 16-bit mono WAV, block by block.
    public func writeChannel(_ channel: Int, to path: String) throws(AudioError) {
        try write(channel: channel, frames: 0..<frames, to: path)
    }

    /// Writes `range` (in frames, clipped to the file) of one channel, or of the mix when `channel` is nil, to a
    /// mono 16-bit WAV at `path`.
    public func write(channel: Int?, frames range: Range<Int>, to path: String) throws(AudioError) {
        let writer = try WAVWriter(path: path, sampleRate: sampleRate, channels: 1)
        let block = 1 << 18
        var start = max(0, range.lowerBound)
        let end = min(frames, range.upperBound)
        while start < end {
            try writer.write(samples(start..<min(start + block, end), channel: channel)[...])
            start += block
        }
        try writer.close()
    }
}
