import Foundation
import SORCore

/// A configuration with its paths resolved against the folder that holds `sor.yaml`.
public struct Workspace: Sendable {
    public var config: Config
    public var root: URL
    public var configFile: URL?

    public init(config: Config, root: URL, configFile: URL? = nil) {
        self.config = config
        self.root = root
        self.configFile = configFile
    }

    /// Loads `sor.yaml` (or defaults when `path` is nil and no `sor.yaml` exists in the current folder).
    public static func load(configPath: String?) throws -> Workspace {
        let fm = FileManager.default
        let path = configPath ?? ProcessInfo.processInfo.environment["SOR_CONFIG"] ?? "sor.yaml"
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: fm.currentDirectoryPath)).standardizedFileURL
        guard fm.fileExists(atPath: url.path) else {
            if configPath != nil { throw RuntimeError.cannotRead(path: url.path, detail: "no such file") }
            return Workspace(config: Config(), root: URL(fileURLWithPath: fm.currentDirectoryPath))
        }
        guard let data = fm.contents(atPath: url.path) else {
            throw RuntimeError.cannotRead(path: url.path, detail: "permission denied")
        }
        let (config, diagnostics) = ConfigParser.parse(String(decoding: data, as: UTF8.self), file: path)
        guard let config else { throw RuntimeError.invalidConfig(diagnostics) }
        return Workspace(config: config, root: url.deletingLastPathComponent(), configFile: url)
    }

    /// An absolute path for a configured one.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return root.appendingPathComponent(path).standardizedFileURL.path
    }

    public var inbox: String { resolve(config.paths.inbox) }
    public var failed: String { resolve(config.paths.inbox) + "/failed" }
    public var duplicates: String { resolve(config.paths.inbox) + "/duplicates" }
    public var data: String { resolve(config.paths.data) }
    public var site: String { resolve(config.paths.site) }
    public var templates: String { resolve(config.paths.templates) }
    public var work: String { resolve(config.paths.work) }
    public var access: String { resolve(config.paths.access) }
    /// How the access folder is named in messages.
    static var accessFolderName: String { "access" }
    public var keyFile: String { resolve(config.security.keyFile) }
    public var audit: String { data + "/audit" }
    public var archive: String { resolve(config.retention.archiveDir) }
}
