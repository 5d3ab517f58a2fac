import Foundation

/// pyannote's segmentation-3.0 network (PyanNet), run in Swift from its converted weights.
///
/// Architecture (Bredin, "pyannote.audio 2.1 speaker diarization pipeline", Interspeech 2023; Plaquet & Bredin,
/// "Powerset multi-class cross entropy loss for neural speaker diarization", 2023): SincNet (a parametrised sinc
/// band-pass filterbank of 80 filters, then two 1-D convolutions, each followed by max-pooling, instance norm and
/// leaky ReLU), four bidirectional LSTM layers of 128 units, two linear layers and a 7-class powerset classifier
/// over at most 3 local speakers with at most 2 at once: {}, {1}, {2}, {3}, {1,2}, {1,3}, {2,3}.
/// Input: 10 s of 16 kHz mono audio; output: 589 frames of class probabilities, one every 270 samples.
public struct SegmentationModel: Sendable {
    public static let sampleRate = 16000
    public static let chunkSamples = 160_000
    /// Samples between two output frames, and the receptive field of one frame.
    public static let frameStep = 270
    public static let frameSize = 991
    public static let classes = 7
    public static let framesPerChunk = 589
    /// Local speakers active in each powerset class.
    public static let classSpeakers: [[Int]] = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2]]

    private let waveNorm: (weight: Float, bias: Float)
    private let sinc: Conv1D
    private let convolutions: [Conv1D]
    private let norms: [(weight: [Float], bias: [Float])]
    private let lstm: [BiLSTM]
    private let linear: [(weight: [Float], bias: [Float], input: Int, output: Int)]

    public init(path: String) throws {
        let weights = try WeightFile(path: path)
        let norm = (try weights.tensor("sincnet.wav_norm1d.weight", [1]), try weights.tensor("sincnet.wav_norm1d.bias", [1]))
        waveNorm = (norm.0[0], norm.1[0])
        sinc = try Self.sincFilterbank(weights)
        convolutions = [
            try Conv1D(weights: weights, "sincnet.conv1d.1", in: 80, out: 60, kernel: 5, bias: true),
            try Conv1D(weights: weights, "sincnet.conv1d.2", in: 60, out: 60, kernel: 5, bias: true),
        ]
        norms = try [(80, 0), (60, 1), (60, 2)].map { channels, index in
            (try weights.tensor("sincnet.norm1d.\(index).weight", [channels]),
             try weights.tensor("sincnet.norm1d.\(index).bias", [channels]))
        }
        lstm = try (0..<4).map { layer in
            try BiLSTM(weights: weights, layer: layer, input: layer == 0 ? 60 : 256, hidden: 128)
        }
        linear = try [("linear.0", 256, 128), ("linear.1", 128, 128), ("classifier", 128, Self.classes)].map {
            name, input, output in
            (try weights.tensor(name + ".weight", [output, input]), try weights.tensor(name + ".bias", [output]), input, output)
        }
    }

    /// The sinc band-pass filters from their learnt cut-off frequencies (asteroid's ParamSincFB: 40 cosine and
    /// 40 sine filters of 251 taps, Hamming-windowed, low cut-off ≥ 50 Hz, band ≥ 50 Hz).
    private static func sincFilterbank(_ weights: WeightFile) throws -> Conv1D {
        let lowParameter = try weights.tensor("sincnet.conv1d.0.filterbank.low_hz_", [40, 1])
        let bandParameter = try weights.tensor("sincnet.conv1d.0.filterbank.band_hz_", [40, 1])
        let window = try weights.tensor("sincnet.conv1d.0.filterbank.window_", [125])
        let n = try weights.tensor("sincnet.conv1d.0.filterbank.n_", [1, 125])
        let taps = 251
        var filters = [Float](repeating: 0, count: 80 * taps)
        for i in 0..<40 {
            let low = 50 + abs(Double(lowParameter[i]))
            let high = min(max(low + 50 + abs(Double(bandParameter[i])), 50), Double(sampleRate) / 2)
            let band = high - low
            for j in 0..<125 {
                let nj = Double(n[j])
                let cosLeft = (sin(high * nj) - sin(low * nj)) / (nj / 2) * Double(window[j]) / (2 * band)
                let sinLeft = (cos(low * nj) - cos(high * nj)) / (nj / 2) * Double(window[j]) / (2 * band)
                filters[i * taps + j] = Float(cosLeft)
                filters[i * taps + taps - 1 - j] = Float(cosLeft)
                filters[(40 + i) * taps + j] = Float(sinLeft)
                filters[(40 + i) * taps + taps - 1 - j] = Float(-sinLeft)
            }
            filters[i * taps + 125] = 1  // 2·band / (2·band)
            filters[(40 + i) * taps + 125] = 0
        }
        return Conv1D(weight: filters, bias: nil, in: 1, out: 80, kernel: taps, stride: 10)
    }

    /// Class probabilities (frames × 7, row-major) of one chunk of exactly `chunkSamples` samples.
    public func probabilities(_ chunk: ArraySlice<Float>) -> [Float] {
        var wave = Matrix(rows: 1, columns: chunk.count, values: Array(chunk))
        instanceNorm(&wave, weight: [waveNorm.weight], bias: [waveNorm.bias])
        var x = sinc(wave)
        x.values.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = abs(v[i]) }
        }
        x = maxPool3(x)
        instanceNorm(&x, weight: norms[0].weight, bias: norms[0].bias)
        leakyReLU(&x.values)
        for (index, convolution) in convolutions.enumerated() {
            x = maxPool3(convolution(x))
            instanceNorm(&x, weight: norms[index + 1].weight, bias: norms[index + 1].bias)
            leakyReLU(&x.values)
        }
        var sequence = x.transposed()  // frames × 60
        for layer in lstm { sequence = layer(sequence) }
        for (index, layer) in linear.enumerated() {
            var out = Matrix(rows: sequence.rows, columns: layer.output)
            layer.weight.withUnsafeBufferPointer { w in
                sequence.values.withUnsafeBufferPointer { input in
                    out.values.withUnsafeMutableBufferPointer { o in
                        BLAS.gemm(input.baseAddress!, w.baseAddress!, o.baseAddress!, m: sequence.rows, n: layer.output,
                                  k: layer.input, transposeB: true)
                    }
                }
            }
            out.values.withUnsafeMutableBufferPointer { o in
                for t in 0..<out.rows {
                    for c in 0..<layer.output { o[t * layer.output + c] += layer.bias[c] }
                }
            }
            if index < linear.count - 1 { leakyReLU(&out.values) }
            sequence = out
        }
        // Softmax over the powerset classes.
        var probabilities = sequence.values
        let classes = Self.classes
        for t in 0..<sequence.rows {
            let row = t * classes
            var peak = -Float.infinity
            for c in 0..<classes { peak = max(peak, probabilities[row + c]) }
            var sum: Float = 0
            for c in 0..<classes {
                let e = exp(probabilities[row + c] - peak)
                probabilities[row + c] = e
                sum += e
            }
            for c in 0..<classes { probabilities[row + c] /= sum }
        }
        return probabilities
    }

    private func instanceNorm(_ x: inout Matrix, weight: [Float], bias: [Float]) {
        let columns = x.columns
        x.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<x.rows {
                let base = r * columns
                var mean: Double = 0
                for c in 0..<columns { mean += Double(v[base + c]) }
                mean /= Double(columns)
                var variance: Double = 0
                for c in 0..<columns {
                    let d = Double(v[base + c]) - mean
                    variance += d * d
                }
                variance /= Double(columns)
                let scale = Float(1 / (variance + 1e-5).squareRoot()) * weight[r]
                let shift = bias[r] - Float(mean) * scale
                for c in 0..<columns { v[base + c] = v[base + c] * scale + shift }
            }
        }
    }

    private func maxPool3(_ x: Matrix) -> Matrix {
        let outLength = (x.columns - 3) / 3 + 1
        var out = Matrix(rows: x.rows, columns: outLength)
        x.values.withUnsafeBufferPointer { v in
            out.values.withUnsafeMutableBufferPointer { o in
                for r in 0..<x.rows {
                    let source = r * x.columns
                    for t in 0..<outLength {
                        let i = source + 3 * t
                        o[r * outLength + t] = max(v[i], max(v[i + 1], v[i + 2]))
                    }
                }
            }
        }
        return out
    }

    private func leakyReLU(_ values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices where v[i] < 0 { v[i] *= 0.01 }
        }
    }
}

/// One bidirectional LSTM layer (torch gate order: input, forget, cell, output).
struct BiLSTM: Sendable {
    let input: Int
    let hidden: Int
    let forward: (wih: [Float], whh: [Float], bias: [Float])
    let backward: (wih: [Float], whh: [Float], bias: [Float])

    init(weights: WeightFile, layer: Int, input: Int, hidden: Int) throws {
        self.input = input
        self.hidden = hidden
        func direction(_ suffix: String) throws -> (wih: [Float], whh: [Float], bias: [Float]) {
            let wih = try weights.tensor("lstm.weight_ih_l\(layer)\(suffix)", [4 * hidden, input])
            let whh = try weights.tensor("lstm.weight_hh_l\(layer)\(suffix)", [4 * hidden, hidden])
            let bih = try weights.tensor("lstm.bias_ih_l\(layer)\(suffix)", [4 * hidden])
            let bhh = try weights.tensor("lstm.bias_hh_l\(layer)\(suffix)", [4 * hidden])
            return (wih, whh, zip(bih, bhh).map(+))
        }
        forward = try direction("")
        backward = try direction("_reverse")
    }

    /// frames × input → frames × 2·hidden (forward, then backward states).
    func callAsFunction(_ x: Matrix) -> Matrix {
        let frames = x.rows
        var out = Matrix(rows: frames, columns: 2 * hidden)
        run(x, forward, reverse: false, into: &out)
        run(x, backward, reverse: true, into: &out)
        return out
    }

    private func run(_ x: Matrix, _ weights: (wih: [Float], whh: [Float], bias: [Float]), reverse: Bool, into out: inout Matrix) {
        let frames = x.rows
        let gates = 4 * hidden
        let hidden = hidden
        var projected = [Float](repeating: 0, count: frames * gates)
        weights.wih.withUnsafeBufferPointer { w in
            x.values.withUnsafeBufferPointer { input in
                projected.withUnsafeMutableBufferPointer { p in
                    BLAS.gemm(input.baseAddress!, w.baseAddress!, p.baseAddress!, m: frames, n: gates, k: self.input,
                              transposeB: true)
                }
            }
        }
        var h = [Float](repeating: 0, count: hidden)
        var c = [Float](repeating: 0, count: hidden)
        var g = [Float](repeating: 0, count: gates)
        let offset = reverse ? hidden : 0
        let width = out.columns
        weights.whh.withUnsafeBufferPointer { whh in
            projected.withUnsafeBufferPointer { p in
                out.values.withUnsafeMutableBufferPointer { o in
                    for step in 0..<frames {
                        let t = reverse ? frames - 1 - step : step
                        for j in 0..<gates { g[j] = p[t * gates + j] + weights.bias[j] }
                        h.withUnsafeBufferPointer { hp in
                            g.withUnsafeMutableBufferPointer { gp in
                                BLAS.gemv(whh.baseAddress!, hp.baseAddress!, gp.baseAddress!, m: gates, n: hidden)
                            }
                        }
                        for j in 0..<hidden {
                            let i = sigmoid(g[j])
                            let f = sigmoid(g[hidden + j])
                            let cell = tanh(g[2 * hidden + j])
                            let o2 = sigmoid(g[3 * hidden + j])
                            c[j] = f * c[j] + i * cell
                            h[j] = o2 * tanh(c[j])
                            o[t * width + offset + j] = h[j]
                        }
                    }
                }
            }
        }
    }
}
