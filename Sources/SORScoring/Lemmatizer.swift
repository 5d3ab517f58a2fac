import CHunspell
import Foundation

/// Text as phrase rules compare it: lower case, Polish letters folded to ASCII (ą→a, ł→l, ż→z…), only letters and
/// digits. "Dzień dobry!" and "dzien dobry" are the same words.
public enum TextNormalizer {
    static let folds: [Character: Character] = [
        "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z",
    ]

    /// One word, folded.
    public static func fold(_ word: String) -> String {
        var result = ""
        result.reserveCapacity(word.utf8.count)
        for character in word.lowercased() {
            if let folded = folds[character] {
                result.append(folded)
            } else if character.isLetter || character.isNumber {
                // Other accented letters (é, ü…) lose their marks.
                for scalar in String(character).decomposedStringWithCanonicalMapping.unicodeScalars
                where CharacterSet.alphanumerics.contains(scalar) && scalar.properties.generalCategory != .nonspacingMark {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// The words of a text, as written (punctuation dropped).
    public static func words(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || $0 == "-") }.map(String.init).filter { !$0.allSatisfy { $0 == "-" } }
    }
}

/// Polish lemmas from libhunspell with Debian's `hunspell-pl` dictionary: "reklamację" → "reklamacja", "złożę" →
/// "złożyć". Results are cached (a contact centre's vocabulary is small), so each distinct word is stemmed once.
/// Thread-safe. Without the dictionary it still works, on folded surface forms only.
public final class Lemmatizer: @unchecked Sendable {
    // `handle` is used under `lock` only; hunspell handles are not thread-safe.
    private let handle: OpaquePointer?
    private let lock = NSLock()
    private var cache: [String: [String]] = [:]
    public let dictionary: String?

    public static let defaultDictionary = "/usr/share/hunspell/pl_PL"

    /// `dictionary` is the path without `.aff`/`.dic`.
    public init(dictionary: String? = Lemmatizer.defaultDictionary) {
        if let dictionary, FileManager.default.fileExists(atPath: dictionary + ".aff"), FileManager.default.fileExists(atPath: dictionary + ".dic") {
            handle = Hunspell_create(dictionary + ".aff", dictionary + ".dic")
            self.dictionary = handle == nil ? nil : dictionary
        } else {
            handle = nil
            self.dictionary = nil
        }
    }

    deinit {
        if let handle { Hunspell_destroy(handle) }
    }

    public static let shared = Lemmatizer()

    /// The folded forms a word may match by: its own, and its lemmas.
    public func forms(_ word: String) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[word] { return cached }
        var forms = [TextNormalizer.fold(word)]
        for stem in stems(word) {
            let form = TextNormalizer.fold(stem)
            if !form.isEmpty && !forms.contains(form) { forms.append(form) }
        }
        cache[word] = forms
        return forms
    }

    /// Hunspell's stems (the dictionary is ISO 8859-2); called under the lock.
    private func stems(_ word: String) -> [String] {
        guard let handle, let encoded = word.lowercased().data(using: .isoLatin2) else { return [] }
        var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = (encoded + [0]).withUnsafeBytes { bytes in
            Hunspell_stem(handle, &list, bytes.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
        guard count > 0, let entries = list else { return [] }
        defer { Hunspell_free_list(handle, &list, count) }
        var result: [String] = []
        for index in 0..<Int(count) {
            guard let pointer = entries[index] else { continue }
            let data = Data(bytes: pointer, count: strlen(pointer))
            if let stem = String(data: data, encoding: .isoLatin2) { result.append(stem) }
        }
        return result
    }
}
