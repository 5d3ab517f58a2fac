import Foundation

extension Config {
    /// One telephone system SOR fetches recordings from (`sources:` in sor.yaml), on its own schedule.
    public struct Source: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            /// A FreePBX/Asterisk monitor tree on a local or mounted disk (`/var/spool/asterisk/monitor/YYYY/MM/DD/`).
            case asteriskDir = "asterisk-dir"
            /// The same tree on the exchange, pulled over SFTP (`host`, `port`, `user`, a key or a password, and
            /// the exchange's host key in `known_hosts`).
            case asteriskSFTP = "asterisk-sftp"
        }

        /// Which channel of a stereo recording is the agent's: FreePBX mixes both legs into one (`mixed`).
        public enum AgentChannel: String, Sendable, CaseIterable {
            case mixed, left, right
        }

        /// Letters, digits, `-` and `_`: the source's job in the scheduler and its state file (`var/import/NAME.json`).
        public var name: String
        public var kind: Kind
        /// The monitor tree's root.
        public var path: String
        /// The cdr_csv file (`Master.csv`); empty: recordings are read from their names alone.
        public var cdr = ""
        /// A cron expression (or a macro such as `@hourly`) in the server's time zone; empty: by hand only.
        public var schedule = ""
        public var agentChannel = AgentChannel.mixed
        public var rules = ImportRules()
        /// What becomes of a recording on the exchange once SOR holds it as a stored call: kept, deleted, or moved
        /// under `moveTo` (a folder of the exchange, the same relative path below it).
        public var afterImport = AfterImport.keep
        public var moveTo = ""

        public enum AfterImport: String, Sendable, CaseIterable {
            case keep, delete, move
        }
        /// `asterisk-sftp`: where and how to sign in. The password, if any, comes from the environment variable
        /// `passwordEnv` or the file `passwordFile` (mode 0600; never from sor.yaml itself); `knownHosts` holds the
        /// exchange's host key (OpenSSH's format).
        public var host = ""
        public var port = 22
        public var user = ""
        public var keyFile = ""
        public var passwordEnv = ""
        public var passwordFile = ""
        public var knownHosts = ""

        public init(name: String, kind: Kind, path: String) {
            self.name = name
            self.kind = kind
            self.path = path
        }
    }

    /// Which recordings of a source are imported, and the metadata they get.
    public struct ImportRules: Sendable, Equatable {
        /// A list to take only (`include`, empty: all) and a list to leave out (`exclude`).
        public struct Filter: Sendable, Equatable {
            public var include: [String] = []
            public var exclude: [String] = []
            public init(include: [String] = [], exclude: [String] = []) {
                self.include = include
                self.exclude = exclude
            }
            public var isEmpty: Bool { include.isEmpty && exclude.isEmpty }
        }

        /// Seconds of talk (the CDR's billsec); 0: no limit.
        public var minDuration: Double = 0
        public var maxDuration: Double = 0
        /// Only calls the CDR says were answered.
        public var answeredOnly = false
        /// `inbound`, `outbound`, `internal`; empty: every direction.
        public var directions: [String] = []
        public var queues = Filter()
        public var extensions = Filter()
        /// Regular expressions on the client's number.
        public var callerNumbers = Filter()
        /// `HH:MM-HH:MM` in the server's time zone (the call's start); empty: any time.
        public var hours = ""
        /// `mon` … `sun`; empty: every day.
        public var days: [String] = []
        /// The share of each agent's calls per period to import, chosen by a hash of the call's unique id (the
        /// same calls on every run); 100: all.
        public var samplePercent: Double = 100
        /// `day`, `week` (Monday to Sunday) or `month`.
        public var samplePer = "week"
        /// A scorecard by queue or direction: the first entry that matches sets the call's `scorecard`.
        public var cards: [CardRule] = []
        /// An extension's agent and team.
        public var agents: [String: Person] = [:]

        public struct CardRule: Sendable, Equatable {
            public var queue: String?
            public var direction: String?
            public var card: String
            public init(queue: String? = nil, direction: String? = nil, card: String) {
                self.queue = queue
                self.direction = direction
                self.card = card
            }
        }

        public struct Person: Sendable, Equatable {
            public var agent: String
            public var team: String?
            public init(agent: String, team: String? = nil) {
                self.agent = agent
                self.team = team
            }
        }

        public init() {}
    }
}
