import Foundation

/// Kaldi-compatible log mel filterbank features (80 bins, 25 ms frames every 10 ms, Povey window, pre-emphasis
/// 0.97, DC removal, 512-point power spectrum, mel bins from 20 Hz to 8 kHz), the input CAM++ was trained on.
struct Fbank: Sendable {
    static let bins = 80
    static let frameLength = 400
    static let frameShift = 160
    private static let spectrumBins = 256

    private let window: [Float]
    /// frameLength × spectrumBins cosine and sine bases of the 512-point DFT.
    private let cosines: [Float]
    private let sines: [Float]
    /// spectrumBins × bins triangular mel weights.
    private let mel: [Float]

    init() {
        let n = Self.frameLength
        let k = Self.spectrumBins
        window = (0..<n).map { Float(pow(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n - 1)), 0.85)) }
        var cosines = [Float](repeating: 0, count: n * k)
        var sines = [Float](repeating: 0, count: n * k)
        for t in 0..<n {
            for f in 0..<k {
                let angle = 2 * Double.pi * Double(t * f % 512) / 512
                cosines[t * k + f] = Float(cos(angle))
                sines[t * k + f] = Float(sin(angle))
            }
        }
        self.cosines = cosines
        self.sines = sines
        func melScale(_ hz: Double) -> Double { 1127 * log(1 + hz / 700) }
        let low = melScale(20)
        let high = melScale(8000)
        let delta = (high - low) / Double(Self.bins + 1)
        var mel = [Float](repeating: 0, count: k * Self.bins)
        for bin in 0..<Self.bins {
            let left = low + Double(bin) * delta
            let center = left + delta
            let right = center + delta
            for f in 0..<k {
                let m = melScale(16000.0 / 512 * Double(f))
                if m > left, m < right {
                    mel[f * Self.bins + bin] = Float(m <= center ? (m - left) / (center - left) : (right - m) / (right - center))
                }
            }
        }
        self.mel = mel
    }

    /// frames × 80 features of `samples` (16 kHz, −1…1), mean-normalised over time as CAM++ expects.
    func features(_ samples: ArraySlice<Float>) -> Matrix {
        let n = Self.frameLength
        let frames = samples.count >= n ? 1 + (samples.count - n) / Self.frameShift : 0
        guard frames > 0 else { return Matrix(rows: 0, columns: Self.bins) }
        var framed = [Float](repeating: 0, count: frames * n)
        let base = samples.startIndex
        var frame = [Float](repeating: 0, count: n)
        for i in 0..<frames {
            let start = base + i * Self.frameShift
            var mean: Float = 0
            for j in 0..<n { mean += samples[start + j] }
            mean /= Float(n)
            for j in 0..<n { frame[j] = samples[start + j] - mean }
            // Pre-emphasis, from the end backwards; the first sample is scaled by itself as Kaldi does.
            for j in stride(from: n - 1, to: 0, by: -1) { frame[j] -= 0.97 * frame[j - 1] }
            frame[0] -= 0.97 * frame[0]
            for j in 0..<n { framed[i * n + j] = frame[j] * window[j] }
        }
        let k = Self.spectrumBins
        var real = [Float](repeating: 0, count: frames * k)
        var imaginary = [Float](repeating: 0, count: frames * k)
        framed.withUnsafeBufferPointer { f in
            cosines.withUnsafeBufferPointer { c in
                real.withUnsafeMutableBufferPointer { r in
                    BLAS.gemm(f.baseAddress!, c.baseAddress!, r.baseAddress!, m: frames, n: k, k: n)
                }
            }
            sines.withUnsafeBufferPointer { s in
                imaginary.withUnsafeMutableBufferPointer { r in
                    BLAS.gemm(f.baseAddress!, s.baseAddress!, r.baseAddress!, m: frames, n: k, k: n)
                }
            }
        }
        for i in real.indices { real[i] = real[i] * real[i] + imaginary[i] * imaginary[i] }
        var out = Matrix(rows: frames, columns: Self.bins)
        real.withUnsafeBufferPointer { p in
            mel.withUnsafeBufferPointer { m in
                out.values.withUnsafeMutableBufferPointer { o in
                    BLAS.gemm(p.baseAddress!, m.baseAddress!, o.baseAddress!, m: frames, n: Self.bins, k: k)
                }
            }
        }
        let floor = Float.ulpOfOne
        var means = [Float](repeating: 0, count: Self.bins)
        for i in 0..<frames {
            for b in 0..<Self.bins {
                let v = log(max(out.values[i * Self.bins + b], floor))
                out.values[i * Self.bins + b] = v
                means[b] += v
            }
        }
        for b in 0..<Self.bins { means[b] /= Float(frames) }
        for i in 0..<frames {
            for b in 0..<Self.bins { out.values[i * Self.bins + b] -= means[b] }
        }
        return out
    }
}

/// CAM++ speaker embeddings (Wang et al., "CAM++: A Fast and Efficient Network for Speaker Verification Using
/// Context-Aware Masking", Interspeech 2023), run in Swift from the 3D-Speaker zh/en model's converted weights.
///
/// A 2-D convolutional front end (FCM: a 3×3 convolution and two stages of two residual blocks, 32 channels,
/// frequency halved three times, 80 → 10 bins) feeds a densely connected TDNN (D-TDNN) of 12, 24 and 16 layers
/// whose 3-tap convolutions are gated by context-aware masks (utterance mean + 100-frame segment means), with
/// transition layers halving the channels; then mean and standard-deviation pooling and a 192-d dense layer.
public struct SpeakerEmbeddingModel: Sendable {
    public static let dimension = 192

    private struct ResidualBlock: Sendable {
        var conv1: Conv2D
        var bn1: Affine
        var conv2: Conv2D
        var bn2: Affine
        var shortcut: (conv: Conv2D, bn: Affine)?
    }

    private struct DenseLayer: Sendable {
        var bn1: Affine
        var linear1: Conv1D
        var bn2: Affine
        var local: Conv1D
        var context1: Conv1D
        var context2: Conv1D
    }

    private struct Block: Sendable {
        var layers: [DenseLayer]
        var transitNorm: Affine
        var transit: Conv1D
    }

    private let features = Fbank()
    private let headConv: Conv2D
    private let headBN: Affine
    private let residual: [ResidualBlock]
    private let headConv2: Conv2D
    private let headBN2: Affine
    private let tdnn: Conv1D
    private let tdnnBN: Affine
    private let blocks: [Block]
    private let outBN: Affine
    private let dense: Conv1D
    private let denseBN: Affine

    public init(path: String) throws {
        let w = try WeightFile(path: path)
        headConv = try Conv2D(weights: w, "head.conv1", in: 1, out: 32, kernel: 3, frequencyStride: 1)
        headBN = try w.batchNorm("head.bn1", channels: 32)
        var residual: [ResidualBlock] = []
        for layer in 1...2 {
            for index in 0...1 {
                let prefix = "head.layer\(layer).\(index)"
                let stride = index == 0 ? 2 : 1
                residual.append(ResidualBlock(
                    conv1: try Conv2D(weights: w, prefix + ".conv1", in: 32, out: 32, kernel: 3, frequencyStride: stride),
                    bn1: try w.batchNorm(prefix + ".bn1", channels: 32),
                    conv2: try Conv2D(weights: w, prefix + ".conv2", in: 32, out: 32, kernel: 3, frequencyStride: 1),
                    bn2: try w.batchNorm(prefix + ".bn2", channels: 32),
                    shortcut: stride == 1 ? nil : (
                        try Conv2D(weights: w, prefix + ".shortcut.0", in: 32, out: 32, kernel: 1, frequencyStride: 2),
                        try w.batchNorm(prefix + ".shortcut.1", channels: 32))))
            }
        }
        self.residual = residual
        headConv2 = try Conv2D(weights: w, "head.conv2", in: 32, out: 32, kernel: 3, frequencyStride: 2)
        headBN2 = try w.batchNorm("head.bn2", channels: 32)
        tdnn = try Conv1D(weights: w, "xvector.tdnn.linear", in: 320, out: 128, kernel: 5, stride: 2, padding: 2, bias: false)
        tdnnBN = try w.batchNorm("xvector.tdnn.nonlinear.batchnorm", channels: 128)
        var channels = 128
        var blocks: [Block] = []
        for (index, (count, dilation)) in [(12, 1), (24, 2), (16, 2)].enumerated() {
            var layers: [DenseLayer] = []
            for layer in 1...count {
                let p = "xvector.block\(index + 1).tdnnd\(layer)"
                let input = channels + (layer - 1) * 32
                layers.append(DenseLayer(
                    bn1: try w.batchNorm(p + ".nonlinear1.batchnorm", channels: input),
                    linear1: try Conv1D(weights: w, p + ".linear1", in: input, out: 128, kernel: 1, bias: false),
                    bn2: try w.batchNorm(p + ".nonlinear2.batchnorm", channels: 128),
                    local: try Conv1D(weights: w, p + ".cam_layer.linear_local", in: 128, out: 32, kernel: 3,
                                      padding: dilation, dilation: dilation, bias: false),
                    context1: try Conv1D(weights: w, p + ".cam_layer.linear1", in: 128, out: 64, kernel: 1, bias: true),
                    context2: try Conv1D(weights: w, p + ".cam_layer.linear2", in: 64, out: 32, kernel: 1, bias: true)))
            }
            channels += count * 32
            let transitNorm = try w.batchNorm("xvector.transit\(index + 1).nonlinear.batchnorm", channels: channels)
            let transit = try Conv1D(weights: w, "xvector.transit\(index + 1).linear", in: channels, out: channels / 2,
                                     kernel: 1, bias: false)
            channels /= 2
            blocks.append(Block(layers: layers, transitNorm: transitNorm, transit: transit))
        }
        self.blocks = blocks
        outBN = try w.batchNorm("xvector.out_nonlinear.batchnorm", channels: channels)
        dense = try Conv1D(weights: w, "xvector.dense.linear", in: channels * 2, out: Self.dimension, kernel: 1, bias: false)
        denseBN = try w.batchNorm("xvector.dense.nonlinear.batchnorm", channels: Self.dimension, affine: false)
    }

    /// The embedding of `samples` (16 kHz, −1…1, at least 0.1 s), unnormalised.
    public func embedding(_ samples: ArraySlice<Float>) -> [Float] {
        embeddings([samples])[0]
    }

    /// Embeddings of several stretches at once. The front end runs per stretch; the D-TDNN runs on all stretches
    /// side by side in time, so its matrix products are wide (frame-wise layers are exact that way; the 3-tap
    /// convolutions and the context pooling respect each stretch's bounds). Same results as one at a time.
    public func embeddings(_ batch: [ArraySlice<Float>]) -> [[Float]] {
        var parts: [Matrix] = []
        var results = [[Float]?](repeating: nil, count: batch.count)
        var members: [Int] = []
        for (index, samples) in batch.enumerated() {
            guard let front = frontEnd(samples) else {
                results[index] = [Float](repeating: 0, count: Self.dimension)
                continue
            }
            parts.append(front)
            members.append(index)
        }
        guard !parts.isEmpty else { return results.map { $0 ?? [] } }
        // Side by side: channels × (sum of frames), with each stretch's frame range.
        var segments: [Range<Int>] = []
        var total = 0
        for part in parts {
            segments.append(total..<(total + part.columns))
            total += part.columns
        }
        let channels = parts[0].rows
        var h = Matrix(rows: channels, columns: total)
        for (part, range) in zip(parts, segments) {
            for c in 0..<channels {
                for t in 0..<part.columns { h.values[c * total + range.lowerBound + t] = part.values[c * part.columns + t] }
            }
        }
        for block in blocks {
            for layer in block.layers {
                var y = h
                y.apply(layer.bn1, relu: true)
                y = layer.linear1(y)
                y.apply(layer.bn2, relu: true)
                let local = layer.local(y, segments: segments)
                let gate = layer.context2(relu(layer.context1(context(y, segments: segments))))
                // Append the gated output as 32 new channels.
                var grown = h.values
                grown.reserveCapacity(h.values.count + local.values.count)
                for i in local.values.indices { grown.append(local.values[i] * sigmoid(gate.values[i])) }
                h = Matrix(rows: h.rows + 32, columns: h.columns, values: grown)
            }
            h.apply(block.transitNorm, relu: true)
            h = block.transit(h)
        }
        h.apply(outBN, relu: true)
        for (member, range) in zip(members, segments) {
            // Mean and (unbiased) standard deviation over the stretch's frames.
            let frames = range.count
            var pooled = [Float](repeating: 0, count: 2 * h.rows)
            for c in 0..<h.rows {
                var mean: Double = 0
                for t in range { mean += Double(h.values[c * total + t]) }
                mean /= Double(frames)
                var variance: Double = 0
                for t in range {
                    let d = Double(h.values[c * total + t]) - mean
                    variance += d * d
                }
                variance /= Double(max(frames - 1, 1))
                pooled[c] = Float(mean)
                pooled[h.rows + c] = Float(variance.squareRoot())
            }
            var embedding = dense(Matrix(rows: 2 * h.rows, columns: 1, values: pooled))
            embedding.apply(denseBN, relu: false)
            results[member] = embedding.values
        }
        return results.map { $0 ?? [] }
    }

    /// Features, the 2-D front end and the first TDNN layer of one stretch: 128 channels × frames (nil when the
    /// stretch is too short for two feature frames).
    private func frontEnd(_ samples: ArraySlice<Float>) -> Matrix? {
        let fbank = features.features(samples)
        let time = fbank.rows
        guard time >= 2 else { return nil }
        // Front end on 1 × 80 × time.
        var x = fbank.transposed().values
        var frequencies = Fbank.bins
        (x, frequencies) = headConv(x, frequencies: frequencies, time: time)
        applyChannels(&x, headBN, plane: frequencies * time, relu: true)
        for block in residual {
            var (y, f) = block.conv1(x, frequencies: frequencies, time: time)
            applyChannels(&y, block.bn1, plane: f * time, relu: true)
            (y, f) = block.conv2(y, frequencies: f, time: time)
            applyChannels(&y, block.bn2, plane: f * time, relu: false)
            var shortcut = x
            if let (conv, bn) = block.shortcut {
                (shortcut, _) = conv(x, frequencies: frequencies, time: time)
                applyChannels(&shortcut, bn, plane: f * time, relu: false)
            }
            for i in y.indices { y[i] = max(0, y[i] + shortcut[i]) }
            x = y
            frequencies = f
        }
        (x, frequencies) = headConv2(x, frequencies: frequencies, time: time)
        applyChannels(&x, headBN2, plane: frequencies * time, relu: true)
        // 32 channels × 10 bins → 320 × time.
        var h = tdnn(Matrix(rows: 32 * frequencies, columns: time, values: x))
        h.apply(tdnnBN, relu: true)
        return h
    }

    /// Each frame's context within its stretch: the stretch's mean plus the mean of its 100-frame segment.
    private func context(_ x: Matrix, segments: [Range<Int>]) -> Matrix {
        let frames = x.columns
        var out = Matrix(rows: x.rows, columns: frames)
        for c in 0..<x.rows {
            let base = c * frames
            for range in segments {
                var total: Float = 0
                for t in range { total += x.values[base + t] }
                let mean = total / Float(range.count)
                var start = range.lowerBound
                while start < range.upperBound {
                    let end = min(start + 100, range.upperBound)
                    var sum: Float = 0
                    for t in start..<end { sum += x.values[base + t] }
                    let segment = sum / Float(end - start)
                    for t in start..<end { out.values[base + t] = mean + segment }
                    start = end
                }
            }
        }
        return out
    }

    private func relu(_ x: Matrix) -> Matrix {
        var y = x
        for i in y.values.indices where y.values[i] < 0 { y.values[i] = 0 }
        return y
    }
}
