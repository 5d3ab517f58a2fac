import Foundation
internal import CMpg123

/// Reads MP3 (and MP2) with libmpg123 directly rather than through libsndfile, for three reasons: it can be told
/// to be quiet (libsndfile's use of it prints resync notes on stderr), not to resync past damage (so a damaged
/// stream is reported as corrupt instead of silently shortened), and it reports the stream's length from the
/// Xing/Info header, which makes a cut-short file detectable.
final class MPEGDecoder: BlockDecoder {
    let path: String
    let sampleRate: Int
    let channels: Int
    let declaredFrames: Int64
    let format = "MPEG/MPEG_LAYER_III"
    private var handle: OpaquePointer?
    private var pending: [Float] = []

    init(path: String) throws(AudioError) {
        self.path = path
        var error: Int32 = 0
        guard let handle = mpg123_new(nil, &error) else {
            throw .conversionFailed(path: path, detail: "libmpg123: \(String(cString: mpg123_plain_strerror(error)))")
        }
        self.handle = handle
        let flags = Int(MPG123_QUIET.rawValue | MPG123_NO_RESYNC.rawValue | MPG123_GAPLESS.rawValue)
        mpg123_param2(handle, Int32(MPG123_ADD_FLAGS.rawValue), flags, 0)
        mpg123_format_none(handle)
        guard mpg123_open(handle, path) == MPG123_OK.rawValue else {
            let detail = String(cString: mpg123_strerror(handle))
            mpg123_delete(handle)
            self.handle = nil
            throw .notAudio(path: path, detail: "an MP3 that libmpg123 cannot open: \(detail)")
        }
        // Accept whatever rate and channel count the stream has, as 32-bit float.
        for rate in [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] {
            mpg123_format(handle, rate, Int32(MPG123_MONO.rawValue | MPG123_STEREO.rawValue), Int32(MPG123_ENC_FLOAT_32.rawValue))
        }
        var rate = 0
        var channelCount: Int32 = 0
        var encoding: Int32 = 0
        guard mpg123_getformat(handle, &rate, &channelCount, &encoding) == MPG123_OK.rawValue, rate > 0, channelCount > 0 else {
            let detail = String(cString: mpg123_strerror(handle))
            mpg123_delete(handle)
            self.handle = nil
            throw .notAudio(path: path, detail: "no MPEG audio frames found (\(detail))")
        }
        self.sampleRate = rate
        self.channels = Int(channelCount)
        self.declaredFrames = Int64(max(0, mpg123_length(handle)))
    }

    deinit {
        if let handle {
            mpg123_close(handle)
            mpg123_delete(handle)
        }
    }

    func read(into buffer: inout [Float], frames: Int) throws(AudioError) -> Int {
        guard let handle else { return 0 }
        let wanted = frames * channels
        while pending.count < wanted {
            var chunk = [Float](repeating: 0, count: 8192 * channels)
            var done = 0
            let status = chunk.withUnsafeMutableBytes { mpg123_read(handle, $0.baseAddress, $0.count, &done) }
            pending.append(contentsOf: chunk[0..<(done / MemoryLayout<Float>.size)])
            if status == MPG123_DONE.rawValue { break }
            if status == MPG123_OK.rawValue { continue }
            if status == MPG123_NEW_FORMAT.rawValue {
                var rate = 0
                var channelCount: Int32 = 0
                var encoding: Int32 = 0
                mpg123_getformat(handle, &rate, &channelCount, &encoding)
                if rate == sampleRate && Int(channelCount) == channels { continue }
                throw .corrupt(path: path, atSeconds: 0, detail: "the stream changes from \(sampleRate) Hz \(channels) ch to \(rate) Hz \(channelCount) ch part-way")
            }
            throw .corrupt(path: path, atSeconds: 0, detail: "libmpg123: \(String(cString: mpg123_strerror(handle)))")
        }
        let count = min(wanted, pending.count) / channels * channels
        buffer.replaceSubrange(0..<count, with: pending[0..<count])
        pending.removeFirst(count)
        return count / channels
    }

    var parseLog: String { "" }

    /// Whether the file starts like an MPEG audio stream (an ID3v2 tag or a frame sync).
    static func looksLikeMPEG(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 3)) ?? Data())
        if head.starts(with: Array("ID3".utf8)) { return true }
        return head.count >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0
    }
}
