import Foundation

/// The certificate nginx serves: the configured one (`site.certificate`, `site.certificate_key`, e.g. certbot's),
/// or, when none is configured, a pair signed by a certificate authority of sor's own, made once with the
/// `openssl` command under `var/tls/` (`ca.crt` is what a browser or curl is told to trust for local use).
public enum TLSFiles {
    public struct Pair: Sendable, Equatable {
        public var certificate: String
        public var key: String
        /// The CA that signed a pair sor made; nil for a configured certificate.
        public var authority: String?
    }

    /// The pair to serve, made first when sor's own is wanted and missing (or made for another host name).
    public static func pair(for workspace: Workspace, openssl: String = "/usr/bin/openssl") throws -> Pair {
        let site = workspace.config.site
        if !site.certificate.isEmpty || !site.certificateKey.isEmpty {
            let pair = Pair(certificate: workspace.resolve(site.certificate), key: workspace.resolve(site.certificateKey), authority: nil)
            for (key, path) in [("site.certificate", pair.certificate), ("site.certificate_key", pair.key)] {
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw RuntimeError.cannotRead(path: path, detail: "\(key) names it, but it cannot be read; set both site.certificate and site.certificate_key, or neither for sor's own")
                }
            }
            return pair
        }
        let folder = workspace.work + "/tls"
        let pair = Pair(certificate: folder + "/server.crt", key: folder + "/server.key", authority: folder + "/ca.crt")
        let names = folder + "/server.names"
        let wanted = subjectAltNames(site.serverName)
        let fm = FileManager.default
        if fm.fileExists(atPath: pair.certificate), fm.fileExists(atPath: pair.key),
            (try? String(contentsOfFile: names, encoding: .utf8)) == wanted
        {
            return pair
        }
        guard fm.isExecutableFile(atPath: openssl) else {
            throw RuntimeError.commandFailed(command: openssl, detail: "openssl is not installed; run `make setup` (apt-get install openssl) or set site.certificate")
        }
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o700)
        func run(_ arguments: [String]) throws {
            let (status, errors) = try Command.run(openssl, arguments, errorLog: folder + "/openssl.log")
            guard status == 0 else { throw RuntimeError.commandFailed(command: "openssl " + arguments.joined(separator: " "), detail: errors) }
        }
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        if !fm.fileExists(atPath: folder + "/ca.key") || !fm.fileExists(atPath: folder + "/ca.crt") {
            try run(["req", "-x509"] + curve + [
                "-keyout", folder + "/ca.key", "-out", folder + "/ca.crt", "-days", "3650", "-subj", "/O=SOR/CN=SOR local CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        try run(["req"] + curve + ["-keyout", pair.key, "-out", folder + "/server.csr", "-subj", "/O=SOR/CN=" + site.serverName])
        let extensions = folder + "/server.ext"
        try Data("subjectAltName=\(wanted)\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: extensions))
        try run([
            "x509", "-req", "-in", folder + "/server.csr", "-CA", folder + "/ca.crt", "-CAkey", folder + "/ca.key", "-CAcreateserial",
            "-out", pair.certificate, "-days", "825", "-extfile", extensions,
        ])
        chmod(pair.key, 0o600)
        chmod(folder + "/ca.key", 0o600)
        try Data(wanted.utf8).write(to: URL(fileURLWithPath: names))
        return pair
    }

    /// The names the server certificate holds: the configured host name and the loopback names.
    static func subjectAltNames(_ serverName: String) -> String {
        var names = ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]
        if serverName != "localhost" { names.insert(serverName.allSatisfy { $0.isNumber || $0 == "." } ? "IP:" + serverName : "DNS:" + serverName, at: 0) }
        return names.joined(separator: ",")
    }
}
