import Foundation
import SORScoring

/// Problems loading a sentiment lexicon.
public enum LexiconError: Error, LocalizedError, Equatable, Sendable {
    case notFound(language: String, searched: [String])
    case invalidLine(file: String, line: Int, detail: String)

    public var errorDescription: String? {
        switch self {
        case .notFound(let language, let searched):
            "no sentiment lexicon for language \"\(language)\" (looked for \(searched.joined(separator: ", "))). Lexicons exist for pl and en; copy sor_SORSentiment.resources next to the sor binary when installing it elsewhere."
        case .invalidLine(let file, let line, let detail):
            "\(file):\(line): \(detail)"
        }
    }
}

/// A sentiment lexicon: words and phrases with a weight (−3 … +3), and the words that change them (negators,
/// intensifiers, diminishers, contrast). Entries are matched on folded forms and Polish lemmas, so "zadowolona",
/// "zadowoleni" and "zadowolony" are one entry, and text without diacritics matches the same.
///
/// The file is tab-separated: `kind`, `entry`, `weight`, `source`. Kinds: `word` (one word), `phrase` (words in
/// order, at most one other word between two of them), `neutral` (a formula whose words carry no sentiment, such
/// as "dzień dobry" or "w czym mogę pomóc": its words are taken and weigh nothing), `negator` (weight: how much of
/// a negation it is), `intensifier` and `diminisher` (weight: the factor), `contrast` ("ale": what follows it
/// counts more), `apology` ("przepraszam": the trouble named after it is regret, not complaint) and `complaint`
/// (words that make a question a complaint, "dlaczego", "czy naprawdę": the weight it adds, when the utterance is a
/// question) and `escalation` (asking for a supervisor: negative from a client, procedure from a consultant, who
/// says "połączę pana z kierownikiem"). An entry ending in `*` matches any word that begins with it.
public struct Lexicon: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case word, phrase, neutral, negator, intensifier, diminisher, contrast, apology, complaint, escalation
    }

    public struct Entry: Sendable {
        public var kind: Kind
        /// As written in the file.
        public var text: String
        /// Folded elements; an element ending in `*` is a prefix.
        var elements: [String]
        public var weight: Double
    }

    public let language: String
    /// The lexicon file's name and a hash of its content, recorded with results.
    public let version: String
    let entries: [Entry]
    /// Entries by their first element (exact), longest first.
    let byFirst: [String: [Int]]
    /// Entries whose first element is a prefix, by the prefix's first three letters.
    let byPrefix: [String: [Int]]

    public init(text: String, language: String, file: String = "lexicon") throws(LexiconError) {
        try self.init(sources: [(file, text)], language: language)
    }

    /// Several files read in order: an entry of the same kind and words in a later file replaces the earlier one.
    public init(sources: [(file: String, text: String)], language: String) throws(LexiconError) {
        var entries: [Entry] = []
        var known: [String: Int] = [:]
        for (file, text) in sources {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 3 else {
                throw .invalidLine(file: file, line: index + 1, detail: "expected kind, entry, weight and source separated by tabs")
            }
            guard let kind = Kind(rawValue: fields[0]) else {
                throw .invalidLine(file: file, line: index + 1, detail: "unknown kind \"\(fields[0])\" (one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let weight = Double(fields[2]), weight.isFinite, abs(weight) <= 5 else {
                throw .invalidLine(file: file, line: index + 1, detail: "weight \"\(fields[2])\" is not a number between -5 and 5")
            }
            let elements = fields[1].split(separator: " ").map { word -> String in
                word.hasSuffix("*") ? TextNormalizer.fold(String(word.dropLast())) + "*" : TextNormalizer.fold(String(word))
            }.filter { !$0.isEmpty && $0 != "*" }
            guard !elements.isEmpty else { throw .invalidLine(file: file, line: index + 1, detail: "the entry is empty") }
            if kind == .word && elements.count > 1 {
                throw .invalidLine(file: file, line: index + 1, detail: "a word entry is one word; use kind phrase for \"\(fields[1])\"")
            }
            // A later entry of the same kind and words replaces an earlier one (the core lexicon follows the
            // general one).
            let entry = Entry(kind: kind, text: fields[1], elements: elements, weight: weight)
            let key = kind.rawValue + "|" + elements.joined(separator: " ")
            if let earlier = known[key] {
                entries[earlier] = entry
            } else {
                known[key] = entries.count
                entries.append(entry)
            }
        }
        }
        var byFirst: [String: [Int]] = [:]
        var byPrefix: [String: [Int]] = [:]
        for (index, entry) in entries.enumerated() {
            let first = entry.elements[0]
            if first.hasSuffix("*") {
                byPrefix[String(first.prefix(3)), default: []].append(index)
            } else {
                byFirst[first, default: []].append(index)
            }
        }
        let longestFirst = { (a: Int, b: Int) in entries[a].elements.count > entries[b].elements.count }
        self.entries = entries
        self.byFirst = byFirst.mapValues { $0.sorted(by: longestFirst) }
        self.byPrefix = byPrefix.mapValues { $0.sorted(by: longestFirst) }
        self.language = language
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (_, text) in sources {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        version = "\(sources.last?.file ?? language) \(String(hash, radix: 16).prefix(8))"
    }

    /// The intensifier or diminisher a word is, if it is one.
    func modifier(_ forms: [String]) -> Entry? {
        for form in forms {
            for index in byFirst[form] ?? [] where entries[index].elements.count == 1 {
                let kind = entries[index].kind
                if kind == .intensifier || kind == .diminisher { return entries[index] }
            }
        }
        return nil
    }

    /// Whether a folded word is one of the lexicon's negators.
    func isNegator(_ element: String) -> Bool {
        (byFirst[element] ?? []).contains { entries[$0].kind == .negator && entries[$0].elements.count == 1 }
    }

    /// The lexicon shipped with SOR for `language` ("pl" or "en").
    public static func bundled(_ language: String) throws(LexiconError) -> Lexicon {
        let name = language.lowercased().hasPrefix("en") ? "en" : (language.lowercased().hasPrefix("pl") ? "pl" : language)
        var searched: [String] = []
        for folder in resourceFolders() {
            let path = folder + "/\(name).tsv"
            searched.append(path)
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                // The broad general lexicon first, if there is one; the core lexicon's entries replace its own.
                var sources: [(file: String, text: String)] = []
                if let general = try? String(contentsOfFile: folder + "/\(name)-general.tsv", encoding: .utf8) {
                    sources.append(("\(name)-general.tsv", general))
                }
                sources.append(("\(name).tsv", text))
                return try Lexicon(sources: sources, language: name)
            }
        }
        throw .notFound(language: language, searched: searched)
    }

    /// Where the lexicon files are: SwiftPM's resource bundle next to the executable (a build, or an installed
    /// copy with its bundle), else the source tree this module was built from (tests, development).
    static func resourceFolders() -> [String] {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent().path
        let bundleName = "sor_SORSentiment.resources"
        var folders = [executable + "/" + bundleName + "/Lexicon", Bundle.main.bundlePath + "/" + bundleName + "/Lexicon"]
        // Test bundles live in .build/<config>/, next to the resource bundle.
        for bundle in Bundle.allBundles { folders.append((bundle.bundlePath as NSString).deletingLastPathComponent + "/" + bundleName + "/Lexicon") }
        folders.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Lexicon").path)
        return folders
    }
}
