import Foundation

/// Exit checks by pid. Foundation's `Process.waitUntilExit()` and `isRunning` were seen to hang or stay true here
/// after a child had exited (under test runners and with daemonising children), so SOR asks the kernel directly.
public enum ChildProcess {
    /// True while `pid` has not exited. Reaps it when it has.
    public static func isAlive(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 { return true }
        if result == pid { return false }
        // ECHILD: already reaped (by Foundation's monitor), or not our child: ask whether it still exists.
        return errno != ECHILD && kill(pid, 0) == 0
    }

    /// Waits up to `timeout` seconds for `pid` to exit; returns whether it did.
    @discardableResult
    public static func wait(_ pid: pid_t, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isAlive(pid) {
            if Date() >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// SIGTERM, then SIGKILL after `grace` seconds; returns once the process is gone.
    public static func stop(_ pid: pid_t, grace: Double = 10) {
        guard isAlive(pid) else { return }
        kill(pid, SIGTERM)
        if !wait(pid, timeout: grace) {
            kill(pid, SIGKILL)
            wait(pid, timeout: 5)
        }
    }
}
