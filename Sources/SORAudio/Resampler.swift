import Foundation
internal import CSoxr

/// Streaming sample-rate conversion of interleaved float frames with libsoxr (high quality).
final class Resampler {
    private let handle: OpaquePointer?
    private let channels: Int
    private let ratio: Double

    init(from inputRate: Int, to outputRate: Int, channels: Int) throws(AudioError) {
        self.channels = channels
        self.ratio = Double(outputRate) / Double(inputRate)
        if inputRate == outputRate {
            handle = nil
            return
        }
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        let created = soxr_create(Double(inputRate), Double(outputRate), UInt32(channels), &error, &io, &quality, nil)
        if let error {
            throw .conversionFailed(path: "", detail: "libsoxr: \(String(cString: error))")
        }
        handle = created
    }

    deinit {
        if let handle { soxr_delete(handle) }
    }

    /// Converts one block; pass an empty block at the end to flush what the filter holds back.
    func process(_ input: ArraySlice<Float>, output: inout [Float]) throws(AudioError) -> Int {
        guard let handle else {
            if output.count < input.count { output = [Float](repeating: 0, count: input.count) }
            output.replaceSubrange(0..<input.count, with: input)
            return input.count / channels
        }
        let inputFrames = input.count / channels
        let capacity = Int(Double(inputFrames) * ratio) + 1024
        if output.count < capacity * channels { output = [Float](repeating: 0, count: capacity * channels) }
        var used = 0
        var produced = 0
        let error: soxr_error_t? = input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                soxr_process(
                    handle, inputFrames == 0 ? nil : inBuffer.baseAddress, inputFrames, &used,
                    outBuffer.baseAddress, capacity, &produced)
            }
        }
        if let error { throw .conversionFailed(path: "", detail: "libsoxr: \(String(cString: error))") }
        return produced
    }
}
