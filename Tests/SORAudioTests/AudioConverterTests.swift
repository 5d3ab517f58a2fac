import Foundation
import Testing
@testable import SORAudio
@testable import SORCore

/// Real recordings from ../shared/data and variants made from them with sox, in a fresh folder per run.
enum Fixtures {
    static let shared: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent("shared/data").path
    }()

    static let jfk = shared + "/jfk-en/jfk.wav"

    static let folder: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sor-audio-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Runs sox to make a variant of a real recording.
    static func sox(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
        process.arguments = arguments
        try process.run()
        // Foundation's waitUntilExit() was seen to hang after the child exited; ask the kernel.
        var status: Int32 = 0
        while waitpid(process.processIdentifier, &status, 0) == -1 && errno == EINTR {}
        #expect(status == 0, "sox \(arguments.joined(separator: " "))")
    }

    static func write(_ name: String, _ data: Data) -> String {
        let path = folder + "/" + name
        FileManager.default.createFile(atPath: path, contents: data)
        return path
    }
}

@Suite("Decoding and validation")
struct AudioConverterTests {
    let converter = AudioConverter(rules: AudioRules(minDuration: 1, maxDuration: 600, silenceThresholdDB: -50))

    func convert(_ path: String) throws -> (AudioInfo, String) {
        let output = Fixtures.folder + "/out-\(UUID().uuidString).wav"
        return (try converter.convert(path, to: output), output)
    }

    @Test("real recordings in every format are read and written as 16 kHz", arguments: [
        ("jfk-en/jfk.wav", "WAV/PCM_16", 16_000, 1, 11.0),
        ("jfk-en/jfk.mp3", "MPEG/MPEG_LAYER_III", 16_000, 1, 11.0),
        ("pyannote-ami-debug/dev00.wav", "WAV/FLOAT", 16_000, 1, 30.0),
        ("osr-harvard-8k-en/OSR_us_000_0034_8k.wav", "WAV/PCM_16", 8_000, 1, 35.5),
        ("fasterwhisper-stereo-2ch/stereo_diarization.wav", "WAV/PCM_16", 16_000, 2, 5.0),
    ])
    func realFormats(file: String, format: String, rate: Int, channels: Int, seconds: Double) throws {
        let (info, output) = try convert(Fixtures.shared + "/" + file)
        #expect(info.format == format)
        #expect(info.sampleRate == rate)
        #expect(info.channels == channels)
        #expect(abs(info.duration - seconds) < 0.2)
        let written = try converter.probe(output)
        #expect(written.sampleRate == 16_000)
        #expect(written.channels == channels, "stereo channels are kept for diarization")
        #expect(abs(written.declaredSeconds - info.duration) < 0.05)
    }

    @Test("sample formats and containers made from a real recording", arguments: [
        ("pcm24.wav", ["-b", "24"], "WAVEX/PCM_24"),
        ("pcm32.wav", ["-b", "32", "-e", "signed-integer"], "WAVEX/PCM_32"),
        ("float.wav", ["-b", "32", "-e", "floating-point"], "WAV/FLOAT"),
        ("stereo44k.wav", ["-r", "44100", "-c", "2"], "WAV/PCM_16"),
        ("voice.flac", [], "FLAC/PCM_16"),
        ("voice.ogg", [], "OGG/VORBIS"),
    ])
    func variants(name: String, options: [String], format: String) throws {
        let path = Fixtures.folder + "/" + name
        try Fixtures.sox([Fixtures.jfk] + options + [path])
        let (info, output) = try convert(path)
        #expect(info.format == format)
        #expect(abs(info.duration - 11.0) < 0.1)
        #expect(info.peakDb > -6 && info.peakDb < 0)
        #expect(try converter.probe(output).sampleRate == 16_000)
    }

    @Test("resampling keeps the sound: 44.1 kHz and 8 kHz versions are as loud as the original")
    func loudness() throws {
        let (original, _) = try convert(Fixtures.jfk)
        let path = Fixtures.folder + "/loud44.wav"
        try Fixtures.sox([Fixtures.jfk, "-r", "44100", path])
        let (resampled, output) = try convert(path)
        #expect(abs(original.rmsDb - resampled.rmsDb) < 0.5)
        let (roundTrip, _) = try convert(output)
        #expect(abs(roundTrip.rmsDb - original.rmsDb) < 0.5)
    }

    @Test("each kind of bad input gets its own reason")
    func badInputs() throws {
        let jfk = try Data(contentsOf: URL(fileURLWithPath: Fixtures.jfk))
        let mp3 = try Data(contentsOf: URL(fileURLWithPath: Fixtures.shared + "/jfk-en/jfk.mp3"))
        let silence = Fixtures.folder + "/silence.wav"
        try Fixtures.sox(["-n", "-r", "16000", "-c", "1", "-b", "16", silence, "trim", "0", "5"])
        let short = Fixtures.folder + "/short.wav"
        try Fixtures.sox([Fixtures.jfk, short, "trim", "0", "0.5"])
        let zero = Fixtures.folder + "/zero.wav"
        try Fixtures.sox(["-n", "-r", "16000", "-c", "1", "-b", "16", zero, "trim", "0", "0"])
        var random = SystemRandomNumberGenerator()
        let noise = Data((0..<30_000).map { _ in UInt8.random(in: 0...255, using: &random) })

        let cases: [(String, String)] = [
            (Fixtures.write("empty.wav", Data()), "empty"),
            (Fixtures.write("cut.wav", jfk.prefix(100_000)), "truncated"),
            (Fixtures.write("cut.mp3", mp3.prefix(30_000)), "truncated"),
            (Fixtures.write("notes.mp3", Data("To nie jest nagranie.\n".utf8)), "not-audio"),
            (Fixtures.write("noise.wav", noise), "not-audio"),
            (Fixtures.write("damaged.mp3", mp3.prefix(5_000) + noise + mp3.dropFirst(25_000)), "corrupt"),
            (zero, "no-audio-stream"),
            (short, "too-short"),
            (silence, "silent"),
            (Fixtures.folder + "/missing.wav", "unreadable"),
        ]
        for (path, code) in cases {
            let output = Fixtures.folder + "/bad-\(UUID().uuidString).wav"
            do {
                _ = try converter.convert(path, to: output)
                Issue.record("\(path) was accepted")
            } catch {
                #expect(error.code == code, "\(path): \(error.localizedDescription)")
                #expect(error.localizedDescription.hasPrefix(path + ": "), "the message names the file")
                #expect(!FileManager.default.fileExists(atPath: output), "no partial output is left")
            }
        }
    }

    @Test("a recording over the maximum is refused from its header, before decoding")
    func tooLong() throws {
        let strict = AudioConverter(rules: AudioRules(minDuration: 1, maxDuration: 5, silenceThresholdDB: -50))
        #expect(throws: AudioError.tooLong(path: Fixtures.jfk, seconds: 11, maximum: 5)) {
            try strict.convert(Fixtures.jfk, to: Fixtures.folder + "/long.wav")
        }
    }

    @Test("messages say what failed, where, and how to fix it")
    func messages() {
        #expect(AudioError.truncated(path: "/in/a.wav", expectedSeconds: 11, decodedSeconds: 3.12).localizedDescription
            == "/in/a.wav: the file is truncated: its header promises 11.00 s of audio but only 3.12 s could be read. The copy was probably cut short: send the whole file again.")
        #expect(AudioError.silent(path: "/in/b.wav", peakDB: -90.3, thresholdDB: -50).localizedDescription.contains("audio.silence_threshold_db in sor.yaml"))
    }
}

@Suite("Channels")
struct ChannelTests {
    @Test("two voices, one per channel, differ; a mono recording saved as stereo is one signal; a silent channel shows")
    func comparison() throws {
        /// A file made by sox: `inputs`, then the output options and `effects`.
        func made(_ name: String, _ inputs: [String], _ effects: [String]) throws -> SampleFile {
            let path = Fixtures.folder + "/\(name).wav"
            try Fixtures.sox(["-D"] + inputs + ["-b", "16", path] + effects)
            return try SampleFile(path: path)
        }
        // Two different recordings side by side (-M merges them into the channels of one file).
        let ami = Fixtures.shared + "/pyannote-ami-debug/dev00.wav"
        let parties = try made("parties", ["-M", Fixtures.jfk, "|sox \(ami) -t wav - trim 0 11"], [])
        let dual = try made("dual", [Fixtures.jfk], ["remix", "1", "1"])
        let oneSided = try made("left-only", [Fixtures.jfk], ["remix", "1", "0"])
        let two = try #require(parties.compareChannels())
        #expect(abs(two.correlation) < 0.2 && two.balance > -30, "\(two)")  // AMI is quiet: about 24 dB under JFK
        let same = try #require(dual.compareChannels())
        #expect(same.correlation > 0.999 && abs(same.balance) < 0.01, "\(same)")
        let silent = try #require(oneSided.compareChannels())
        #expect(silent.right == 0 && silent.balance < -100, "\(silent)")
        #expect(try SampleFile(path: Fixtures.jfk).compareChannels() == nil, "mono")
    }

    @Test("a stretch of a recording is written out sample for sample (one channel, or the mix), clipped to the file")
    func stretches() throws {
        let path = Fixtures.folder + "/stretch-source.wav"
        try Fixtures.sox(["-D", Fixtures.jfk, "-b", "16", path, "remix", "1", "1v0.5"])
        let file = try SampleFile(path: path)
        let range = 16_000..<40_000
        let left = Fixtures.folder + "/stretch-left.wav"
        let mix = Fixtures.folder + "/stretch-mix.wav"
        let tail = Fixtures.folder + "/stretch-tail.wav"
        try file.write(channel: 0, frames: range, to: left)
        try file.write(channel: nil, frames: range, to: mix)
        try file.write(channel: 1, frames: (file.frames - 8_000)..<(file.frames + 8_000), to: tail)
        let leftBack = try SampleFile(path: left)
        let mixBack = try SampleFile(path: mix)
        #expect(leftBack.frames == range.count && leftBack.channels == 1 && leftBack.sampleRate == file.sampleRate)
        #expect(zip(leftBack.samples(0..<range.count), file.samples(range, channel: 0)).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(zip(mixBack.samples(0..<range.count), file.samples(range, channel: nil)).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(try SampleFile(path: tail).frames == 8_000, "clipped at the end of the file")
    }
}
