import Foundation

extension SearchIndex {
    /// Postings as JSON-safe text: (call, line, position) triples sorted by call and line become, per call, its
    /// distance from the previous call less one, its occurrences less one, and per occurrence its line's distance
    /// from the previous occurrence's (from 0 in each call) and its word position; each number a little-endian
    /// varint of five-bit digits, `0`–`V` the last digit, `W`–`_` one with more to come. A word said once in every
    /// call costs four characters a call.
    enum Postings {
        static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_".utf8)
        static let values: [Int] = {
            var table = [Int](repeating: -1, count: 256)
            for (value, digit) in digits.enumerated() { table[Int(digit)] = value }
            return table
        }()

        static func append(_ value: Int, to text: inout [UInt8]) {
            var value = value
            while value >= 32 {
                text.append(digits[32 + (value & 31)])
                value >>= 5
            }
            text.append(digits[value])
        }

        static func encode(_ triples: [Int]) -> String {
            var text: [UInt8] = []
            text.reserveCapacity(triples.count)
            var previous = -1
            var index = 0
            while index + 2 < triples.count {
                let call = triples[index]
                var end = index
                while end + 2 < triples.count, triples[end] == call { end += 3 }
                append(call - previous - 1, to: &text)
                append((end - index) / 3 - 1, to: &text)
                var line = 0
                for place in stride(from: index, to: end, by: 3) {
                    append(triples[place + 1] - line, to: &text)
                    append(triples[place + 2], to: &text)
                    line = triples[place + 1]
                }
                previous = call
                index = end
            }
            return String(decoding: text, as: UTF8.self)
        }

        static func decode(_ text: String) -> [Int] {
            var numbers: [Int] = []
            var value = 0
            var shift = 0
            for byte in text.utf8 {
                let digit = values[Int(byte)]
                if digit >= 32 {
                    value |= (digit - 32) << shift
                    shift += 5
                } else {
                    numbers.append(value | digit << shift)
                    (value, shift) = (0, 0)
                }
            }
            var triples: [Int] = []
            var call = -1
            var index = 0
            while index + 1 < numbers.count {
                call += numbers[index] + 1
                var count = numbers[index + 1] + 1
                index += 2
                var line = 0
                while count > 0, index + 1 < numbers.count {
                    line += numbers[index]
                    triples += [call, line, numbers[index + 1]]
                    index += 2
                    count -= 1
                }
            }
            return triples
        }
    }
}
