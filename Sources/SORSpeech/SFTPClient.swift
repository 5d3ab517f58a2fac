import Foundation
internal import CCurl

/// Why an SFTP operation failed, in words a person can act on.
public struct SFTPError: Error, LocalizedError, Sendable {
    public var message: String
    public var errorDescription: String? { message }
}

/// Files on a telephone exchange over SFTP, through libcurl (the one owner of libcurl in SOR is this module): a
/// folder's entries and a file streamed to disk. The server's host key must be in `knownHosts` (OpenSSH's format);
/// a server whose key is not there, or differs, is refused.
public struct SFTPClient: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    /// A private key file (OpenSSH or PEM); its `.pub` beside it is used when present.
    public var privateKey: String?
    public var password: String?
    public var knownHosts: String
    /// Seconds a connection may take to open; a transfer has no overall limit (recordings are large) but is cut
    /// after 60 s without a byte.
    public var connectTimeout: Double = 15

    public init(host: String, port: Int, user: String, privateKey: String?, password: String?, knownHosts: String) {
        self.host = host
        self.port = port
        self.user = user
        self.privateKey = privateKey
        self.password = password
        self.knownHosts = knownHosts
    }

    public struct Entry: Sendable, Equatable {
        public var name: String
        public var isDirectory: Bool
        public var size: Int64
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// `sftp://host:port/path`, each path segment escaped (a recording's name may hold spaces).
    func url(_ path: String, directory: Bool) -> String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%;")
        let escaped = path.split(separator: "/", omittingEmptySubsequences: true)
            .map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }.joined(separator: "/")
        return "sftp://\(hostPart):\(port)/\(escaped)\(directory ? "/" : "")"
    }

    /// The entries of a remote folder (without `.` and `..`).
    public func list(_ path: String) throws(SFTPError) -> [Entry] {
        let sink = Sink()
        try perform(url(path, directory: true), sink: sink)
        return Self.parseListing(String(decoding: sink.data, as: UTF8.self))
    }

    /// Streams a remote file into `local` (created or truncated); returns its size.
    @discardableResult
    public func download(_ path: String, to local: String) throws(SFTPError) -> Int64 {
        guard FileManager.default.createFile(atPath: local, contents: nil), let handle = FileHandle(forWritingAtPath: local) else {
            throw SFTPError(message: "\(local) cannot be written")
        }
        defer { try? handle.close() }
        let sink = Sink(handle: handle)
        try perform(url(path, directory: false), sink: sink)
        if let failure = sink.failure { throw SFTPError(message: "\(local) could not be written: \(failure)") }
        return sink.written
    }

    /// Runs SFTP commands on the server (`rm PATH`, `rename FROM TO`, `mkdir PATH`; a leading `*` lets one fail),
    /// in order, in one session.
    public func run(_ commands: [String]) throws(SFTPError) {
        try perform(url("/", directory: true), sink: Sink(), quote: commands)
    }

    /// `ls -l`-style lines, as libssh2 lists a folder: the type in the first letter, the name after eight fields.
    static func parseListing(_ text: String) -> [Entry] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 8, omittingEmptySubsequences: true)
            guard fields.count == 9, let kind = fields[0].first else { return nil }
            let name = String(fields[8])
            guard name != ".", name != "..", kind == "d" || kind == "-" else { return nil }
            return Entry(name: name, isDirectory: kind == "d", size: Int64(fields[4]) ?? 0)
        }
    }

    private final class Sink {
        var data = Data()
        let handle: FileHandle?
        var written: Int64 = 0
        var failure: String?
        init(handle: FileHandle? = nil) { self.handle = handle }
    }

    private func perform(_ url: String, sink: Sink, quote: [String] = []) throws(SFTPError) {
        _ = Self.globalInit
        guard let curl = curl_easy_init() else { throw SFTPError(message: "libcurl could not start") }
        defer { curl_easy_cleanup(curl) }
        var commands: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(commands) }
        if !quote.isEmpty {
            for command in quote { commands = curl_slist_append(commands, command) }
            _ = sor_curl_setopt_pointer(curl, CURLOPT_QUOTE, UnsafeMutableRawPointer(commands))
            _ = sor_curl_setopt_long(curl, CURLOPT_NOBODY, 1)
        }
        _ = sor_curl_setopt_string(curl, CURLOPT_URL, url)
        _ = sor_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        _ = sor_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
        _ = sor_curl_setopt_long(curl, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = sor_curl_setopt_long(curl, CURLOPT_LOW_SPEED_TIME, 60)
        _ = sor_curl_setopt_string(curl, CURLOPT_USERNAME, user)
        if let password { _ = sor_curl_setopt_string(curl, CURLOPT_PASSWORD, password) }
        var auth = 0
        if let privateKey {
            _ = sor_curl_setopt_string(curl, CURLOPT_SSH_PRIVATE_KEYFILE, privateKey)
            if FileManager.default.fileExists(atPath: privateKey + ".pub") {
                _ = sor_curl_setopt_string(curl, CURLOPT_SSH_PUBLIC_KEYFILE, privateKey + ".pub")
            }
            auth |= Int(CURLSSH_AUTH_PUBLICKEY)
        }
        if password != nil { auth |= Int(CURLSSH_AUTH_PASSWORD) | Int(CURLSSH_AUTH_KEYBOARD) }
        _ = sor_curl_setopt_long(curl, CURLOPT_SSH_AUTH_TYPES, auth)
        // Host key checking on: only a server whose key is in known_hosts is talked to.
        _ = sor_curl_setopt_string(curl, CURLOPT_SSH_KNOWNHOSTS, knownHosts)
        let pointer = Unmanaged.passUnretained(sink).toOpaque()
        _ = sor_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, pointer)
        _ = sor_curl_setopt_write_callback(curl) { data, size, count, user in
            guard let data, let user else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
            let bytes = Data(bytes: data, count: size * count)
            if let handle = sink.handle {
                do {
                    try handle.write(contentsOf: bytes)
                } catch {
                    sink.failure = error.localizedDescription
                    return 0
                }
                sink.written += Int64(bytes.count)
            } else {
                sink.data.append(bytes)
            }
            return size * count
        }
        var errors = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code = errors.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            _ = sor_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return curl_easy_perform(curl)
        }
        guard code != CURLE_OK else { return }
        let detail = String(decoding: errors.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let what = String(cString: curl_easy_strerror(code))
        let place = "sftp://\(user)@\(host):\(port)"
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION:
            throw SFTPError(message: "\(place): the server's host key is not the one in \(knownHosts) (\(detail.isEmpty ? what : detail)); if the exchange was reinstalled, check its key and replace the line (ssh-keyscan -p \(port) \(host))")
        case CURLE_LOGIN_DENIED:
            throw SFTPError(message: "\(place): sign-in refused (\(detail.isEmpty ? what : detail)); check the user, the key or password, and the exchange's authorized_keys")
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT:
            throw SFTPError(message: "\(place) cannot be reached (\(detail.isEmpty ? what : detail)); check the host, the port and the firewall")
        case CURLE_REMOTE_FILE_NOT_FOUND:
            throw SFTPError(message: "\(url.replacingOccurrences(of: "sftp://", with: "sftp://\(user)@")): no such file or folder on the exchange (it may have been removed since it was listed)")
        default:
            throw SFTPError(message: "\(place): \(what)\(detail.isEmpty ? "" : " (\(detail))")")
        }
    }
}
