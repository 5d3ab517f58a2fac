import Foundation
internal import CCurl

/// A multipart form field for `HTTPClient.post`.
enum FormField {
    case text(name: String, value: String)
    /// Streamed from disk by libcurl, so large recordings are never held in memory.
    case file(name: String, path: String, contentType: String)
}

struct HTTPResponse {
    var status: Int
    var body: Data
}

/// The one place SOR speaks HTTP: a blocking libcurl easy handle per request.
enum HTTPClient {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// What a request sends.
    private enum Body {
        case none
        case form([FormField])
        /// Bytes as they are (JSON), with their content type.
        case raw(Data, contentType: String)
    }

    static func get(_ url: String, headers: [String] = [], timeout: Double) throws(SpeechError) -> HTTPResponse {
        try perform(url: url, headers: headers, body: .none, timeout: timeout)
    }

    static func post(_ url: String, headers: [String] = [], form: [FormField], timeout: Double) throws(SpeechError) -> HTTPResponse {
        try perform(url: url, headers: headers, body: .form(form), timeout: timeout)
    }

    /// A POST of `body` as it is, e.g. a JSON request to a chat endpoint.
    static func post(_ url: String, headers: [String] = [], body: Data, contentType: String, timeout: Double) throws(SpeechError) -> HTTPResponse {
        try perform(url: url, headers: headers, body: .raw(body, contentType: contentType), timeout: timeout)
    }

    private final class Sink {
        var data = Data()
    }

    private static func perform(url: String, headers: [String], body: Body, timeout: Double) throws(SpeechError) -> HTTPResponse {
        _ = globalInit
        guard let curl = curl_easy_init() else { throw .unreachable(url: url, detail: "libcurl could not start") }
        defer { curl_easy_cleanup(curl) }
        let sink = Sink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        var allHeaders = headers
        if case .raw(_, let contentType) = body {
            // An empty Expect stops libcurl waiting a second for a "100 Continue" that HTTP/1.0 servers never send.
            allHeaders += ["Content-Type: \(contentType)", "Expect:"]
        }
        for header in allHeaders { headerList = curl_slist_append(headerList, header) }
        var mime: OpaquePointer?
        defer { if let mime { curl_mime_free(mime) } }

        _ = sor_curl_setopt_string(curl, CURLOPT_URL, url)
        _ = sor_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        _ = sor_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        _ = sor_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(min(timeout, 10) * 1000))
        _ = sor_curl_setopt_pointer(curl, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))
        _ = sor_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, sinkPointer)
        _ = sor_curl_setopt_write_callback(curl) { data, size, count, user in
            guard let data, let user else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
            sink.data.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
            return size * count
        }
        switch body {
        case .none:
            break
        case .raw(let data, _):
            _ = sor_curl_setopt_long(curl, CURLOPT_POSTFIELDSIZE, data.count)
            // COPYPOSTFIELDS copies the bytes at once, so they need not outlive this call (the NUL gives an empty
            // body an address).
            var bytes = [UInt8](data)
            bytes.append(0)
            _ = bytes.withUnsafeMutableBytes { sor_curl_setopt_pointer(curl, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        case .form(let form):
            mime = curl_mime_init(curl)
            for field in form {
                let part = curl_mime_addpart(mime)
                switch field {
                case .text(let name, let value):
                    curl_mime_name(part, name)
                    curl_mime_data(part, value, -1)  // -1 is CURL_ZERO_TERMINATED
                case .file(let name, let path, let contentType):
                    curl_mime_name(part, name)
                    curl_mime_filedata(part, path)
                    curl_mime_type(part, contentType)
                }
            }
            _ = sor_curl_setopt_pointer(curl, CURLOPT_MIMEPOST, UnsafeMutableRawPointer(mime))
        }
        let code = curl_easy_perform(curl)
        switch code {
        case CURLE_OK:
            break
        case CURLE_OPERATION_TIMEDOUT:
            throw .timedOut(url: url, seconds: timeout)
        default:
            throw .unreachable(url: url, detail: String(cString: curl_easy_strerror(code)))
        }
        var status = 0
        _ = sor_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, body: sink.data)
    }
}
