import Foundation
import SORCore

/// The complete nginx configuration that serves the site: `sor serve` writes and runs it, `sor nginx` prints it for
/// production. One generator for both, so what the tests exercise on loopback is what is deployed.
///
/// What it serves and allows:
/// - HTTPS only (TLS 1.2 and 1.3) with the configured certificate or the pair sor's own CA signs (`TLSFiles`); an
///   optional HTTP listener redirects to HTTPS and answers certbot's ACME challenges from `site.acme_root`.
/// - Headers on every response: HSTS, a Content-Security-Policy that the site's own scripts satisfy (they are
///   modules loaded from `static/`; nothing inline), `nosniff`, no framing, no referrer, no device APIs.
/// - Debian's MIME types (never replaced by a server-level `types` block) plus the audio types it lacks.
/// - Reads of the site only (GET and HEAD); the one place anything is written is WebDAV `PUT` of an edit document
///   into `inbox/edits/USER/` (1 MiB, `.json` names) or of a recording into `inbox/uploads/USER/` (audio names,
///   `site.upload_limit_mb`), where USER is the signed-in user.
/// - Sign-in (HTTP basic over TLS, bcrypt hashes in `access/htpasswd`) whenever the file holds a user; without users
///   the site is open, which `validate` allows only on a loopback address.
/// - Reads by role: admins and managers read the whole site; a team lead, an evaluator or an agent reads only their
///   own view, `/v/LOGIN/` (built from the calls their role covers, see `SiteViews`), and the site's assets; `/`
///   takes them there. The rule is decided after sign-in (in `try_files`), so a request without a valid password
///   learns nothing but 401.
public struct NginxConfig: Sendable {
    public var workspace: Workspace
    /// The HTTPS address (`site.listen`, or `sor serve --listen`).
    public var listen: String
    /// The TLS pair in use.
    public var tls: TLSFiles.Pair
    /// The users and their roles: sign-in is on when the htpasswd file holds a user, and reads are limited by role.
    public var access: Access
    /// Whether the htpasswd file holds at least one user (sign-in on).
    public var signIn: Bool { access.enforced }
    /// The user nginx's workers run as, when nginx is started as root; nil: as whoever starts it.
    public var workerUser: String?
    /// Whose folder edits go to when there is no sign-in: the login running `sor serve`.
    public var localUser: String

    /// Where nginx keeps its pid, logs and temporary files (`var/nginx/`).
    public var prefix: String { workspace.work + "/nginx" }
    public var htpasswd: String { workspace.access + "/htpasswd" }

    /// The file types an upload may have (the recordings the inbox takes).
    static var uploadPattern: String { InboxLayout.audioExtensions.sorted().joined(separator: "|") }

    /// The policy the site's pages satisfy: everything from the site itself, images also as data: URLs (the
    /// charts are inline SVG, which needs no source), no plugins, no framing, forms and requests to the site only.
    public static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
        + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// Refuses what would make an unsafe or broken configuration, saying what to change.
    public func validate() throws {
        guard Self.isListenAddress(listen) else {
            throw RuntimeError.commandFailed(
                command: "site.listen", detail: "\"\(listen)\" is not an address nginx can listen on; write HOST:PORT, e.g. 127.0.0.1:8443 or [::1]:8443 or 0.0.0.0:443")
        }
        let http = workspace.config.site.httpListen
        if !http.isEmpty, !Self.isListenAddress(http) {
            throw RuntimeError.commandFailed(command: "site.http_listen", detail: "\"\(http)\" is not HOST:PORT, e.g. 0.0.0.0:80 (empty: no HTTP listener)")
        }
        if !signIn, !Self.isLoopback(listen) || (!http.isEmpty && !Self.isLoopback(http)) {
            throw RuntimeError.commandFailed(
                command: "sor serve",
                detail: "the site would be open to the network without sign-in (\(listen)); add a user first (sor users add NAME --role admin) or listen on 127.0.0.1")
        }
        guard Self.isHostName(workspace.config.site.serverName) else {
            throw RuntimeError.commandFailed(
                command: "site.server_name", detail: "\"\(workspace.config.site.serverName)\" is not a host name (letters, digits, dots and hyphens)")
        }
        for (key, path) in [("site.certificate", tls.certificate), ("site.certificate_key", tls.key), ("paths.site", workspace.site),
            ("paths.inbox", workspace.inbox), ("paths.work", workspace.work), ("site.acme_root", workspace.config.site.acmeRoot)]
        where !Self.isSafePath(path) {
            throw RuntimeError.commandFailed(command: key, detail: "\"\(path)\" cannot go into the nginx configuration (no spaces, quotes, braces, semicolons or $); move it")
        }
    }

    /// `HOST:PORT` with an IPv4 address, a bracketed IPv6 address, `*` or a host name, and a port 1–65535.
    public static func isListenAddress(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
            return false
        }
        let host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            let inner = host.dropFirst().dropLast()
            return !inner.isEmpty && inner.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        return host == "*" || isHostName(host)
    }

    static func isHostName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 253 && !text.hasPrefix("-") && !text.hasPrefix(".")
            && text.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "." || $0 == "-" }
    }

    static func isLoopback(_ address: String) -> Bool {
        let host = address.split(separator: ":").dropLast().joined(separator: ":")
        return host.hasPrefix("127.") || host == "[::1]" || host == "localhost"
    }

    static func isSafePath(_ path: String) -> Bool {
        !path.contains { " \t\n\r\"'{};$\\#".contains($0) }
    }

    /// The file nginx serves for a read: the URI itself, or, with sign-in, what `readRules` allows.
    private var path: String { signIn ? "$sor_path" : "$uri" }

    /// Each login's reach (`all`, `view`, or `none` for a user without a role) and what it allows: a URI anywhere
    /// (`all`), or in the login's own view and the site's assets (`view`); anything else becomes a file that does
    /// not exist, answered 403. Logins that cannot be written safely here cannot sign in (`sor users` refuses them).
    var readRules: String {
        guard signIn else { return "" }
        var scopes = ""
        var views = ""
        for login in access.users.sorted() where InboxLayout.isUserName(login) {
            let scope = access.roles.people[login].map { $0.role.readsEverything ? "all" : "view" } ?? "none"
            scopes += "        \"\(login)\" \(scope);\n"
            // No capture groups: a map regex's captures replace the request's, and a folder's index then loops.
            let literal = login.replacingOccurrences(of: ".", with: "\\.")
            if scope == "view" { views += "        \"~^view:\(literal):/v/\(literal)(?:/|$)\" $uri;\n" }
        }
        return """

                # Who reads what (from \(Workspace.accessFolderName)/roles.yaml): admins and managers everything, others their own /v/LOGIN/.
                map $remote_user $sor_scope {
                    default none;
            \(scopes)    }
                # volatile: evaluated again after an internal redirect (a folder's URI to its index.html).
                map "$sor_scope:$remote_user:$uri" $sor_path {
                    volatile;
                    default /.sor-refused;
                    "~^all:" $uri;
                    "~^view:[^:]*:/static/" $uri;
            \(views)    }
                map $sor_scope $sor_home {
                    default /.sor-view;
                    all /index.html;
                }

            """
    }

    /// `/` for someone with a view: their own.
    private var homeRedirect: String {
        """

                    location = / {
                        limit_except GET { deny all; }
                        try_files $sor_home @sor_view;
                    }
                    location @sor_view { return 302 /v/$remote_user/; }
        """
    }

    /// The configuration's text.
    public func render() -> String {
        let site = workspace.site
        let inbox = workspace.inbox
        let config = workspace.config.site
        let user = workerUser.map { "user \($0);\n" } ?? ""
        let editor = signIn ? "$remote_user" : localUser
        let auth = signIn ? "auth_basic \"SOR\";\n        auth_basic_user_file \(htpasswd);" : "# No users yet: no sign-in (allowed on loopback only)."
        let redirect = config.httpListen.isEmpty ? "" : """

                # HTTP: certbot's challenges, and a redirect to HTTPS for everything else.
                server {
                    listen \(config.httpListen);
                    server_name \(config.serverName);
                    location /.well-known/acme-challenge/ { root \(config.acmeRoot); }
                    location / { return 301 https://$host$request_uri; }
                }

            """
        return """
            # Generated by sor (`sor nginx`, `sor serve`) from \(workspace.configFile?.path ?? "the defaults"); edits are overwritten.
            \(user)worker_processes auto;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            events { worker_connections 1024; }
            http {
                include /etc/nginx/mime.types;
                types { audio/wav wav; audio/flac flac; audio/ogg oga opus; }
                default_type application/octet-stream;
                # Who saw what: one JSON line per request, with the signed-in user (read by `sor audit`).
                log_format sor escape=json '{"time":"$time_iso8601","user":"$remote_user","address":"$remote_addr",'
                    '"method":"$request_method","uri":"$uri","status":$status,"bytes":$body_bytes_sent}';
                access_log \(prefix)/access.log sor;
                client_body_temp_path \(prefix)/tmp/body;
                proxy_temp_path \(prefix)/tmp/proxy;
                fastcgi_temp_path \(prefix)/tmp/fastcgi;
                uwsgi_temp_path \(prefix)/tmp/uwsgi;
                scgi_temp_path \(prefix)/tmp/scgi;
                server_tokens off;
                sendfile on;
                client_max_body_size 1m;
            \(readRules)\(redirect)
                server {
                    listen \(listen) ssl http2;
                    server_name \(config.serverName);
                    ssl_certificate \(tls.certificate);
                    ssl_certificate_key \(tls.key);
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_prefer_server_ciphers off;
                    ssl_session_cache shared:sor:1m;
                    ssl_session_timeout 1h;

                    \(auth)

                    root \(site);
                    index index.html;
                    charset utf-8;
                    charset_types text/css application/javascript application/json image/svg+xml;
                    # The pages and the search index are text: compressed, they travel in about a third.
                    gzip on;
                    gzip_min_length 512;
                    gzip_types text/css application/javascript application/json image/svg+xml;

                    add_header Strict-Transport-Security "max-age=31536000" always;
                    add_header Content-Security-Policy "\(Self.contentSecurityPolicy)" always;
                    add_header X-Content-Type-Options nosniff always;
                    add_header X-Frame-Options DENY always;
                    add_header Referrer-Policy no-referrer always;
                    add_header Permissions-Policy "camera=(), microphone=(), geolocation=()" always;
                    add_header Cache-Control "private, no-cache" always;

                    # Everything is read-only but the two folders below.
                    location / {
                        limit_except GET { deny all; }
                        try_files \(path) \(path)/ @sor_missing;
                    }
                    location @sor_missing {
                        \(signIn ? "if ($sor_path = /.sor-refused) { return 403; }\n                        " : "")return 404;
                    }\(signIn ? homeRedirect : "")
                    # The site's scripts and styles: cached for an hour, then checked again.
                    location /static/ {
                        limit_except GET { deny all; }
                        expires 1h;
                        add_header Strict-Transport-Security "max-age=31536000" always;
                        add_header Content-Security-Policy "\(Self.contentSecurityPolicy)" always;
                        add_header X-Content-Type-Options nosniff always;
                        add_header Cache-Control "private" always;
                    }
                    # Only sor writes the status of edits; each user reads their own through /api/edit-status/.
                    location /edit-status/ { return 404; }
                    location /upload-status/ { return 404; }

                    # Corrections and evaluations: the page PUTs one JSON document, filed under the signed-in user's
                    # name, which is how sor knows who made the change (sor watch applies it or refuses it).
                    location ~ ^(?:/v/[A-Za-z0-9._-]+)?/api/edits/([A-Za-z0-9._-]+\\.json)$ {
                        limit_except PUT { deny all; }
                        dav_methods PUT;
                        create_full_put_path on;
                        dav_access user:rw group:rw;
                        client_max_body_size 1m;
                        alias \(inbox)/edits/\(editor)/$1;
                    }
                    # Recordings uploaded from the browser, into the user's own upload folder.
                    location ~ ^(?:/v/[A-Za-z0-9._-]+)?/api/uploads/([A-Za-z0-9._-]+\\.(?i:\(Self.uploadPattern)))$ {
                        limit_except PUT { deny all; }
                        dav_methods PUT;
                        create_full_put_path on;
                        dav_access user:rw group:rw;
                        client_max_body_size \(config.uploadLimitMB)m;
                        alias \(inbox)/uploads/\(editor)/$1;
                    }
                    # The metadata of an upload (agent, team, scorecard, direction), sent before its recording.
                    location ~ ^(?:/v/[A-Za-z0-9._-]+)?/api/uploads/([A-Za-z0-9._-]+\\.json)$ {
                        limit_except PUT { deny all; }
                        dav_methods PUT;
                        create_full_put_path on;
                        dav_access user:rw group:rw;
                        client_max_body_size 64k;
                        alias \(inbox)/uploads/\(editor)/$1;
                    }
                    location /api/ { return 403; }
                    # What became of each of the user's uploads (written by sor watch), the user's own only.
                    location ~ ^(?:/v/[A-Za-z0-9._-]+)?/api/upload-status/([A-Za-z0-9._-]+\\.json)$ {
                        add_header Cache-Control "no-store" always;
                        add_header X-Content-Type-Options nosniff always;
                        alias \(site)/upload-status/\(editor)/$1;
                        error_page 404 = @edit_pending;
                    }
                    # What became of each of the user's edits (written by sor watch); a user sees only their own.
                    location ~ ^(?:/v/[A-Za-z0-9._-]+)?/api/edit-status/([A-Za-z0-9._-]+\\.json)$ {
                        add_header Cache-Control "no-store" always;
                        add_header X-Content-Type-Options nosniff always;
                        alias \(site)/edit-status/\(editor)/$1;
                        error_page 404 = @edit_pending;
                    }
                    # Not decided yet: 204, so the polling page sees no errors.
                    location @edit_pending { add_header Cache-Control "no-store" always; return 204; }
                }
            }

            """
    }
}
