import Foundation

/// Edit distance: the fewest insertions, deletions and substitutions that turn one sequence into another.
/// Used for "did you mean" hints on misspelt keys and for names the recogniser slightly misheard.
public enum Levenshtein {
    /// The distance between `a` and `b`. With `limit`, any distance above it comes back as `limit + 1`, as soon as
    /// that is certain (cheap for clearly different words).
    public static func distance<T: Equatable>(_ a: [T], _ b: [T], limit: Int = .max - 1) -> Int {
        guard abs(a.count - b.count) <= limit else { return limit + 1 }
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            var best = row[0]
            for j in 1...b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
                best = min(best, row[j])
            }
            if best > limit { return limit + 1 }
        }
        return row[b.count]
    }
}
