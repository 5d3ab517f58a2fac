import Crypto
import Foundation

extension AuditLog {
    /// Checks the whole log; returns the number of lines checked and every problem found: a line altered (its hash),
    /// removed, inserted or reordered (the chain and the sequence), not authentic (its MAC: written, or the chain
    /// recomputed, without the audit key), garbage (not an audit record), and lines cut off the end (the anchor
    /// outside `data/`, and `HEAD`, whether or not `HEAD` was rewritten to match).
    public func verify() -> (lines: Int, problems: [AuditProblem]) {
        var problems: [AuditProblem] = []
        let key = existingKey()
        var previousHash = Self.genesis
        var previousSeq = 0
        var count = 0
        var authenticated = false
        /// The last seq whose line could not be shown authentic (no key, no MAC, a wrong one, garbage before it).
        var lastUnproven = 0
        for path in files() {
            let name = (path as NSString).lastPathComponent
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append(AuditProblem(file: name, line: 0, message: "cannot be read"))
                continue
            }
            if !data.isEmpty && data.last != UInt8(ascii: "\n") {
                problems.append(AuditProblem(file: name, line: 0, message: "the last line is incomplete"))
            }
            for (index, raw) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
                count += 1
                let number = index + 1
                let line = Data(raw)
                guard let event = try? JSONDecoder().decode(AuditEvent.self, from: line), let hash = event.hash,
                    let body = Self.body(of: line, event: event)
                else {
                    problems.append(AuditProblem(file: name, line: number, message: "garbage: not an audit record"))
                    lastUnproven = previousSeq + 1
                    continue
                }
                if !Self.authentic(event, line: line, key: key) { lastUnproven = event.seq }
                let actual = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
                if actual != hash {
                    problems.append(AuditProblem(file: name, line: number, message: "altered: its content does not match its hash (seq \(event.seq))"))
                } else if event.mac != nil || authenticated {
                    // Lines from before SOR authenticated the log carry no MAC; from the first MAC on, every line must.
                    if event.mac == nil {
                        problems.append(AuditProblem(file: name, line: number, message: "not authenticated: seq \(event.seq) has no MAC, though the lines before it do (written without the audit key)"))
                    } else if key == nil {
                        if !authenticated {
                            problems.append(AuditProblem(file: "audit.key", line: 0, message: "missing or unreadable in \(keyDirectory): the MACs cannot be checked; restore it from the backup of the key folder"))
                        }
                    } else if !Self.authentic(event, line: line, key: key) {
                        problems.append(AuditProblem(file: name, line: number, message: "not authenticated: the MAC of seq \(event.seq) is wrong (the line, or the whole chain, was rewritten without the audit key)"))
                    }
                    authenticated = true
                }
                if event.prev != previousHash {
                    problems.append(AuditProblem(
                        file: name, line: number,
                        message: "the chain is broken before seq \(event.seq): a line was removed, inserted or reordered here (previous seq \(previousSeq))"))
                }
                if event.seq != previousSeq + 1 {
                    problems.append(AuditProblem(file: name, line: number, message: "sequence jumps from \(previousSeq) to \(event.seq)"))
                }
                previousHash = hash
                previousSeq = event.seq
            }
        }
        // A record behind the log's end is what a crash between writing a line and updating HEAD leaves: harmless
        // when every line after it is authentic; otherwise it is reported (and so are those lines).
        problems += checkMark(anchorPath, name: "anchor (\(anchorPath))", lastSeq: previousSeq, lastHash: previousHash, required: authenticated, unproven: lastUnproven)
        problems += checkMark(headPath, name: "HEAD", lastSeq: previousSeq, lastHash: previousHash, required: count > 0, unproven: lastUnproven)
        return (count, problems)
    }

    /// Compares a record of the last line (the anchor, `HEAD`) with the log's end.
    private func checkMark(_ path: String, name: String, lastSeq: Int, lastHash: String, required: Bool, unproven: Int) -> [AuditProblem] {
        let mark: (seq: Int, hash: String)?
        do {
            mark = try Self.readMark(path)
        } catch {
            return [AuditProblem(file: name, line: 1, message: "unreadable: \(error.localizedDescription)")]
        }
        guard let mark else {
            return required ? [AuditProblem(file: name, line: 0, message: "missing")] : []
        }
        if mark.seq > lastSeq {
            return [AuditProblem(file: name, line: 1, message: "the log ends at seq \(lastSeq) but \(name) records seq \(mark.seq): lines were cut off the end")]
        }
        if mark.seq == lastSeq && mark.hash != lastHash {
            return [AuditProblem(file: name, line: 1, message: "the last line (seq \(lastSeq)) is not the one \(name) records: it was replaced")]
        }
        if mark.seq < lastSeq && unproven > mark.seq {
            return [AuditProblem(file: name, line: 1, message: "\(name) records seq \(mark.seq) but the log goes on to seq \(lastSeq): lines were added after it, or it was rewritten")]
        }
        return []
    }
}
