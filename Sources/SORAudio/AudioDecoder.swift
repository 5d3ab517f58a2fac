import Foundation
internal import CSndfile

/// A decoder that hands out interleaved float frames block by block, so memory stays bounded however long the
/// recording is.
protocol BlockDecoder: AnyObject {
    var path: String { get }
    var sampleRate: Int { get }
    var channels: Int { get }
    /// Frames the header announces (an estimate for some MP3s; 0 when unknown).
    var declaredFrames: Int64 { get }
    var format: String { get }
    /// The decoder's notes on the file's structure (libsndfile's parse log), for truncation checks.
    var parseLog: String { get }
    func read(into buffer: inout [Float], frames: Int) throws(AudioError) -> Int
}

/// Opens a recording with the right decoder: libmpg123 for MPEG audio, libsndfile for everything else.
func openDecoder(_ path: String) throws(AudioError) -> any BlockDecoder {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let size = attributes?[.size] as? Int64 else {
        throw .unreadable(path: path, detail: "no such file or not readable")
    }
    guard size > 0 else { throw .empty(path: path) }
    let decoder: any BlockDecoder = MPEGDecoder.looksLikeMPEG(path) ? try MPEGDecoder(path: path) : try AudioDecoder(path: path)
    // Headers are untrusted: a rate of 2 Hz or 1024 channels would make the resampler's buffers explode.
    guard (1_000...384_000).contains(decoder.sampleRate), (1...maximumChannels).contains(decoder.channels) else {
        throw .notAudio(path: path, detail: "implausible header: \(decoder.sampleRate) Hz, \(decoder.channels) channels (SOR takes 1 kHz–384 kHz, 1–\(maximumChannels) channels)")
    }
    return decoder
}

/// Call recordings have one or two channels; conference and multitrack exports a few more.
let maximumChannels = 8

/// Reads any format libsndfile knows (WAV in every sample format, FLAC, OGG/Vorbis, AIFF, …).
final class AudioDecoder: BlockDecoder {
    let path: String
    let sampleRate: Int
    let channels: Int
    /// Frames the header announces (estimated for MP3).
    let declaredFrames: Int64
    let format: String
    private var handle: OpaquePointer?

    init(path: String) throws(AudioError) {
        self.path = path
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw .notAudio(path: path, detail: Self.describeUnknown(path: path, libraryMessage: String(cString: sf_strerror(nil))))
        }
        self.handle = handle
        self.sampleRate = Int(info.samplerate)
        self.channels = Int(info.channels)
        self.declaredFrames = info.frames
        self.format = Self.formatName(info.format)
        guard info.channels > 0, info.samplerate > 0 else {
            sf_close(handle)
            self.handle = nil
            throw .noAudioStream(path: path)
        }
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    func read(into buffer: inout [Float], frames: Int) throws(AudioError) -> Int {
        guard let handle else { return 0 }
        let read = buffer.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, Int64(frames)) }
        let status = sf_error(handle)
        if status != 0 && read == 0 {
            throw .corrupt(path: path, atSeconds: 0, detail: String(cString: sf_strerror(handle)))
        }
        return Int(read)
    }

    var parseLog: String {
        guard let handle else { return "" }
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = sf_command(handle, Int32(SFC_GET_LOG_INFO), &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix(Int(max(0, length))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func formatName(_ format: Int32) -> String {
        let major = [
            SF_FORMAT_WAV: "WAV", SF_FORMAT_AIFF: "AIFF", SF_FORMAT_FLAC: "FLAC", SF_FORMAT_OGG: "OGG",
            SF_FORMAT_MPEG: "MPEG", SF_FORMAT_W64: "W64", SF_FORMAT_RF64: "RF64", SF_FORMAT_WAVEX: "WAVEX",
            SF_FORMAT_AU: "AU", SF_FORMAT_CAF: "CAF",
        ][Int(format) & Int(SF_FORMAT_TYPEMASK)] ?? "OTHER"
        let minor = [
            SF_FORMAT_PCM_16: "PCM_16", SF_FORMAT_PCM_24: "PCM_24", SF_FORMAT_PCM_32: "PCM_32",
            SF_FORMAT_PCM_U8: "PCM_U8", SF_FORMAT_PCM_S8: "PCM_S8", SF_FORMAT_FLOAT: "FLOAT", SF_FORMAT_DOUBLE: "DOUBLE",
            SF_FORMAT_ULAW: "ULAW", SF_FORMAT_ALAW: "ALAW", SF_FORMAT_VORBIS: "VORBIS", SF_FORMAT_OPUS: "OPUS",
            SF_FORMAT_MPEG_LAYER_III: "MPEG_LAYER_III", SF_FORMAT_MPEG_LAYER_II: "MPEG_LAYER_II",
            SF_FORMAT_MPEG_LAYER_I: "MPEG_LAYER_I", SF_FORMAT_GSM610: "GSM610", SF_FORMAT_IMA_ADPCM: "IMA_ADPCM",
            SF_FORMAT_MS_ADPCM: "MS_ADPCM",
        ][Int(format) & Int(SF_FORMAT_SUBMASK)] ?? "OTHER"
        return "\(major)/\(minor)"
    }

    /// Names what the file looks like when libsndfile does not recognise it, so the message helps.
    private static func describeUnknown(path: String, libraryMessage: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return libraryMessage }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 512)) ?? Data()
        let kind: String
        if head.starts(with: Array("%PDF".utf8)) {
            kind = "it is a PDF document"
        } else if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            kind = "it is a ZIP archive or an Office document"
        } else if head.starts(with: [0xFF, 0xD8, 0xFF]) || head.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            kind = "it is an image"
        } else if head.starts(with: Array("RIFF".utf8)) {
            kind = "a RIFF/WAV header that libsndfile cannot parse: the header is damaged"
        } else if head.starts(with: Array("ID3".utf8)) || head.first == 0xFF {
            kind = "an MP3 that libsndfile cannot decode: the stream is damaged"
        } else if String(data: head, encoding: .utf8) != nil {
            kind = "it is a text file"
        } else {
            kind = "unknown binary content"
        }
        return "\(kind); libsndfile: \(libraryMessage)"
    }
}
