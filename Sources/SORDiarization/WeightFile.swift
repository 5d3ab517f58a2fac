import Foundation

/// Why a model could not be loaded or run. Each message says what, where and how to fix it.
public enum DiarizerError: Error, Equatable, LocalizedError, Sendable {
    case missingModel(path: String)
    case badModel(path: String, detail: String)
    case missingTensor(path: String, name: String, shape: [Int])

    public var errorDescription: String? {
        switch self {
        case .missingModel(let path):
            "\(path): diarization model not found. Run `make setup` (scripts/setup-diarization.sh) to fetch and "
                + "convert it, or point `diarization.models_dir` in sor.yaml at the folder that holds it."
        case .badModel(let path, let detail):
            "\(path): not a usable SOR weight file (\(detail)). Delete it and run `make setup` to convert it again."
        case .missingTensor(let path, let name, let shape):
            "\(path): tensor \(name) with shape \(shape) is missing or has another shape. The file belongs to "
                + "another model version: delete it and run `make setup`."
        }
    }
}

/// A converted checkpoint (`scripts/convert-torch-weights.py`): named float32 tensors.
struct WeightFile: Sendable {
    let path: String
    private let data: [Float]
    private let index: [String: (shape: [Int], offset: Int)]

    init(path: String) throws {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw DiarizerError.missingModel(path: path)
        }
        let magic = Array("SORW1\n".utf8)
        guard bytes.count > magic.count + 4, Array(bytes.prefix(magic.count)) == magic else {
            throw DiarizerError.badModel(path: path, detail: "no SORW1 header")
        }
        let headerLength = bytes.withUnsafeBytes { raw in
            UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: magic.count, as: UInt32.self))
        }
        let headerStart = magic.count + 4
        let dataStart = headerStart + Int(headerLength)
        guard dataStart <= bytes.count, (bytes.count - dataStart) % 4 == 0 else {
            throw DiarizerError.badModel(path: path, detail: "truncated")
        }
        struct Header: Decodable {
            struct Tensor: Decodable {
                var name: String
                var shape: [Int]
                var offset: Int
            }
            var tensors: [Tensor]
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: bytes.subdata(in: headerStart..<dataStart))
        } catch {
            throw DiarizerError.badModel(path: path, detail: "unreadable header: \(error)")
        }
        let count = (bytes.count - dataStart) / 4
        var floats = [Float](repeating: 0, count: count)
        floats.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[dataStart...]))
            }
        }
        var index: [String: (shape: [Int], offset: Int)] = [:]
        for tensor in header.tensors {
            let size = tensor.shape.reduce(1, *)
            guard tensor.offset >= 0, tensor.offset + size <= count else {
                throw DiarizerError.badModel(path: path, detail: "tensor \(tensor.name) lies outside the data")
            }
            index[tensor.name] = (tensor.shape, tensor.offset)
        }
        self.path = path
        self.data = floats
        self.index = index
    }

    /// The tensor `name`, which must have `shape` (row-major).
    func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
        guard let entry = index[name], entry.shape.reduce(1, *) == shape.reduce(1, *),
              entry.shape.filter({ $0 != 1 }) == shape.filter({ $0 != 1 })
        else {
            throw DiarizerError.missingTensor(path: path, name: name, shape: shape)
        }
        return Array(data[entry.offset..<(entry.offset + shape.reduce(1, *))])
    }

    /// Inference-time batch normalisation as a per-channel scale and shift.
    func batchNorm(_ prefix: String, channels: Int, affine: Bool = true, epsilon: Float = 1e-5) throws -> Affine {
        let mean = try tensor(prefix + ".running_mean", [channels])
        let variance = try tensor(prefix + ".running_var", [channels])
        let weight = affine ? try tensor(prefix + ".weight", [channels]) : [Float](repeating: 1, count: channels)
        let bias = affine ? try tensor(prefix + ".bias", [channels]) : [Float](repeating: 0, count: channels)
        var scale = [Float](repeating: 0, count: channels)
        var shift = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            scale[c] = weight[c] / (variance[c] + epsilon).squareRoot()
            shift[c] = bias[c] - mean[c] * scale[c]
        }
        return Affine(scale: scale, shift: shift)
    }
}

/// y = x · scale[c] + shift[c] per channel (a folded batch norm).
struct Affine: Sendable {
    var scale: [Float]
    var shift: [Float]
}
