import Foundation

/// Runs a short helper program (nginx's control commands) to completion with posix_spawn and waitpid.
///
/// Foundation's `Process.waitUntilExit()` was seen to hang here when the child forks a daemon and exits at once
/// (nginx does); waiting on the pid directly has no such race.
enum Command {
    /// Runs `executable` with `arguments`; stdin and stdout are /dev/null and stderr goes to `errorLog`.
    /// Returns the exit status and what the program wrote to stderr.
    static func run(_ executable: String, _ arguments: [String], errorLog: String) throws -> (status: Int32, errors: String) {
        let status = try spawn(executable, arguments, stdout: "/dev/null", stderr: errorLog)
        return (status, (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "")
    }

    /// Runs a program and captures its stdout (`git log`, the bare engine's lines); stderr is discarded, or kept
    /// in `errorLog`.
    static func capture(_ executable: String, _ arguments: [String], errorLog: String = "/dev/null") throws -> (status: Int32, output: String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sor-capture-\(getpid())-\(UUID().uuidString.prefix(8))").path
        defer { unlink(path) }
        let status = try spawn(executable, arguments, stdout: path, stderr: errorLog)
        return (status, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    /// posix_spawn with stdin from /dev/null and stdout/stderr to files; waits and returns the exit status
    /// (128 + signal when killed).
    private static func spawn(_ executable: String, _ arguments: [String], stdout: String, stderr: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw RuntimeError.commandFailed(command: executable, detail: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED/WEXITSTATUS are macros Swift cannot import.
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
