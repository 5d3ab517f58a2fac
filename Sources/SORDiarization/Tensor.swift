internal import COpenBLAS
import Foundation

/// A row-major matrix of floats: `rows` channels (or time steps) by `columns`.
struct Matrix: Sendable {
    var rows: Int
    var columns: Int
    var values: [Float]

    init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "matrix shape and values disagree")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: 0, count: rows * columns))
    }

    func transposed() -> Matrix {
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for r in 0..<rows {
                    for c in 0..<columns {
                        target[c * rows + r] = source[r * columns + c]
                    }
                }
            }
        }
        return Matrix(rows: columns, columns: rows, values: out)
    }
}

enum BLAS {
    /// C = A · B (+ C when `accumulate`), with optional transposes; A is m×k, B is k×n after transposing.
    static func gemm(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false, accumulate: Bool = false
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
            accumulate ? 1 : 0, c, Int32(n))
    }

    /// y = A · x + y, A is m×n.
    static func gemv(_ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, m: Int, n: Int) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, a, Int32(n), x, 1, 1, y, 1)
    }

    /// Uses at most `count` threads for BLAS calls in this process.
    static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}

/// A 1-D convolution over channels × time, computed as im2col + one matrix product.
struct Conv1D: Sendable {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    let dilation: Int
    /// outChannels × (inChannels · kernel), torch's (out, in, k) layout.
    let weight: [Float]
    let bias: [Float]?

    init(weights: WeightFile, _ prefix: String, in inChannels: Int, out outChannels: Int, kernel: Int,
         stride: Int = 1, padding: Int = 0, dilation: Int = 1, bias: Bool) throws {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        weight = try weights.tensor(prefix + ".weight", [outChannels, inChannels, kernel])
        self.bias = bias ? try weights.tensor(prefix + ".bias", [outChannels]) : nil
    }

    init(weight: [Float], bias: [Float]?, in inChannels: Int, out outChannels: Int, kernel: Int, stride: Int = 1) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = 0
        self.dilation = 1
        self.weight = weight
        self.bias = bias
    }

    func outputLength(_ length: Int) -> Int {
        (length + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
    }

    func callAsFunction(_ x: Matrix) -> Matrix {
        precondition(x.rows == inChannels, "conv1d input channels")
        let length = x.columns
        let outLength = outputLength(length)
        var out = Matrix(rows: outChannels, columns: max(outLength, 0))
        guard outLength > 0 else { return out }
        if kernel == 1, stride == 1, padding == 0 {
            weight.withUnsafeBufferPointer { w in
                x.values.withUnsafeBufferPointer { input in
                    out.values.withUnsafeMutableBufferPointer { o in
                        BLAS.gemm(w.baseAddress!, input.baseAddress!, o.baseAddress!, m: outChannels, n: outLength, k: inChannels)
                    }
                }
            }
        } else {
            var columns = [Float](repeating: 0, count: inChannels * kernel * outLength)
            x.values.withUnsafeBufferPointer { input in
                columns.withUnsafeMutableBufferPointer { cols in
                    for c in 0..<inChannels {
                        for k in 0..<kernel {
                            let row = (c * kernel + k) * outLength
                            let shift = k * dilation - padding
                            let source = c * length
                            if stride == 1, let out = cols.baseAddress, let inp = input.baseAddress {
                                let from = max(0, -shift)
                                let to = min(outLength, length - shift)
                                if from < to { (out + row + from).update(from: inp + source + from + shift, count: to - from) }
                                continue
                            }
                            for t in 0..<outLength {
                                let position = t * stride + shift
                                if position >= 0, position < length {
                                    cols[row + t] = input[source + position]
                                }
                            }
                        }
                    }
                }
            }
            weight.withUnsafeBufferPointer { w in
                columns.withUnsafeBufferPointer { cols in
                    out.values.withUnsafeMutableBufferPointer { o in
                        BLAS.gemm(w.baseAddress!, cols.baseAddress!, o.baseAddress!, m: outChannels, n: outLength,
                                  k: inChannels * kernel)
                    }
                }
            }
        }
        if let bias { out.addRowBias(bias) }
        return out
    }
}

extension Conv1D {
    /// The convolution (stride 1) applied to several sequences laid side by side in `x`'s columns: each keeps its
    /// own zero padding, as if convolved alone. One matrix product for all.
    func callAsFunction(_ x: Matrix, segments: [Range<Int>]) -> Matrix {
        precondition(x.rows == inChannels && stride == 1, "segmented conv1d")
        let length = x.columns
        var columns = [Float](repeating: 0, count: inChannels * kernel * length)
        x.values.withUnsafeBufferPointer { input in
            columns.withUnsafeMutableBufferPointer { cols in
                guard let out = cols.baseAddress, let inp = input.baseAddress else { return }
                for c in 0..<inChannels {
                    for k in 0..<kernel {
                        let row = (c * kernel + k) * length
                        let shift = k * dilation - padding
                        for segment in segments {
                            let from = max(segment.lowerBound, segment.lowerBound - shift)
                            let to = min(segment.upperBound, segment.upperBound - shift)
                            if from < to { (out + row + from).update(from: inp + c * length + from + shift, count: to - from) }
                        }
                    }
                }
            }
        }
        var out = Matrix(rows: outChannels, columns: length)
        weight.withUnsafeBufferPointer { w in
            columns.withUnsafeBufferPointer { cols in
                out.values.withUnsafeMutableBufferPointer { o in
                    BLAS.gemm(w.baseAddress!, cols.baseAddress!, o.baseAddress!, m: outChannels, n: length, k: inChannels * kernel)
                }
            }
        }
        if let bias { out.addRowBias(bias) }
        return out
    }
}

/// A 2-D convolution with a 3×3 (or 1×1) kernel over channels × frequency × time, stride along frequency only.
struct Conv2D: Sendable {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let frequencyStride: Int
    let weight: [Float]

    init(weights: WeightFile, _ prefix: String, in inChannels: Int, out outChannels: Int, kernel: Int,
         frequencyStride: Int) throws {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.frequencyStride = frequencyStride
        weight = try weights.tensor(prefix + ".weight", [outChannels, inChannels, kernel, kernel])
    }

    /// `x` holds inChannels × frequencies × time (row-major); returns outChannels × outFrequencies × time.
    func callAsFunction(_ x: [Float], frequencies: Int, time: Int) -> (values: [Float], frequencies: Int) {
        let padding = kernel / 2
        let outFrequencies = (frequencies + 2 * padding - kernel) / frequencyStride + 1
        let plane = outFrequencies * time
        var columns = [Float](repeating: 0, count: inChannels * kernel * kernel * plane)
        x.withUnsafeBufferPointer { input in
            columns.withUnsafeMutableBufferPointer { cols in
                for c in 0..<inChannels {
                    for kf in 0..<kernel {
                        for kt in 0..<kernel {
                            let row = ((c * kernel + kf) * kernel + kt) * plane
                            for f in 0..<outFrequencies {
                                let sourceF = f * frequencyStride + kf - padding
                                guard sourceF >= 0, sourceF < frequencies else { continue }
                                let source = (c * frequencies + sourceF) * time
                                let target = row + f * time
                                let shift = kt - padding
                                let from = max(0, -shift)
                                let to = min(time, time - shift)
                                if from < to, let out = cols.baseAddress, let inp = input.baseAddress {
                                    (out + target + from).update(from: inp + source + from + shift, count: to - from)
                                }
                            }
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: outChannels * plane)
        weight.withUnsafeBufferPointer { w in
            columns.withUnsafeBufferPointer { cols in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.gemm(w.baseAddress!, cols.baseAddress!, o.baseAddress!, m: outChannels, n: plane,
                              k: inChannels * kernel * kernel)
                }
            }
        }
        return (out, outFrequencies)
    }
}

extension Matrix {
    mutating func addRowBias(_ bias: [Float]) {
        let columns = columns
        values.withUnsafeMutableBufferPointer { v in
            for r in 0..<rows {
                let b = bias[r]
                for c in 0..<columns { v[r * columns + c] += b }
            }
        }
    }

    /// Per-row (channel) scale and shift, then ReLU when asked.
    mutating func apply(_ affine: Affine, relu: Bool) {
        let columns = columns
        values.withUnsafeMutableBufferPointer { v in
            for r in 0..<rows {
                let scale = affine.scale[r]
                let shift = affine.shift[r]
                for c in 0..<columns {
                    let y = v[r * columns + c] * scale + shift
                    v[r * columns + c] = relu ? max(0, y) : y
                }
            }
        }
    }
}

/// Channel-wise affine (+ ReLU) over a channels × plane buffer.
func applyChannels(_ values: inout [Float], _ affine: Affine, plane: Int, relu: Bool) {
    values.withUnsafeMutableBufferPointer { v in
        for c in 0..<affine.scale.count {
            let scale = affine.scale[c]
            let shift = affine.shift[c]
            let base = c * plane
            for i in 0..<plane {
                let y = v[base + i] * scale + shift
                v[base + i] = relu ? max(0, y) : y
            }
        }
    }
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
