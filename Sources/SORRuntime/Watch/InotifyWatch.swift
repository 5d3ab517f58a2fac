import Foundation

/// Linux inotify on a few folders: it only tells the watcher when to look; the scan decides what is there.
final class InotifyWatch {
    private let fd: Int32
    private var watched: Set<String> = []
    private(set) var hasEvents = false

    init(directories: [String]) {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        for directory in directories { add(directory) }
    }

    deinit { if fd >= 0 { close(fd) } }

    func add(_ directory: String) {
        guard fd >= 0, !watched.contains(directory) else { return }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB)
        if inotify_add_watch(fd, directory, mask) >= 0 { watched.insert(directory) }
    }

    /// Watches each user's folder under `uploads/` as it appears.
    func addSubdirectories(of directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        add(directory)
        for name in names where !name.hasPrefix(".") { add(directory + "/" + name) }
    }

    /// Sleeps until an event, a byte on `other`, or the timeout; drains the events and records that there were some.
    func wait(timeout: Double, alsoWakeOn other: Int32) {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: other, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&fds, nfds_t(fds.count), Int32(timeout * 1000))
        hasEvents = false
        guard ready > 0 else { return }
        if fds[0].revents != 0 {
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while read(fd, &buffer, buffer.count) > 0 { hasEvents = true }
        }
        if fds[1].revents != 0 {
            var buffer = [UInt8](repeating: 0, count: 64)
            _ = read(other, &buffer, buffer.count)
        }
    }
}
