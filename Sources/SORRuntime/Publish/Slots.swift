import Foundation

/// Work shared among the threads of `DispatchQueue.concurrentPerform`: hands out slot numbers one at a time
/// (`next`) and keeps each slot's result, so the results come back in slot order however the threads ran.
/// Thread-safe.
final class Slots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = 0
    private var values: [Value?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    /// The next slot no thread has taken, nil when all are taken.
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard taken < values.count else { return nil }
        taken += 1
        return taken - 1
    }

    func store(_ slot: Int, _ value: Value) {
        lock.lock()
        values[slot] = value
        lock.unlock()
    }

    /// Every slot's value, nil where none was stored.
    var all: [Value?] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}
