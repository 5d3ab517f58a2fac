import Foundation

/// The effective configuration (`sor.yaml`). Every field has a default; see Documentation/Configuration.md.
public struct Config: Sendable, Equatable {
    /// Where things live, relative to the folder holding `sor.yaml` unless absolute.
    public struct Paths: Sendable, Equatable {
        public var inbox = "inbox"
        public var data = "data"
        public var site = "site"
        public var templates = "templates"
        public var scorecards = "scorecards.yaml"
        /// Scratch space for decoded audio and the engine's runtime files.
        public var work = "var"
        /// Who may sign in and what they may do: `htpasswd` and `roles.yaml` (`sor users`).
        public var access = "access"
        public init() {}
    }

    /// Acceptance rules for recordings.
    public struct Audio: Sendable, Equatable {
        /// Shorter recordings are rejected (seconds).
        public var minDuration = 1.0
        /// Longer recordings are rejected (seconds).
        public var maxDuration = 14_400.0
        /// Larger files are rejected before they are read (MiB): 4 h of 48 kHz stereo 24-bit WAV is about 4 GiB.
        public var maxMegabytes = 4096.0
        /// A recording whose loudest sample stays below this level (dBFS) is treated as silence.
        public var silenceThresholdDB = -50.0
        public init() {}
    }

    /// The embedded local speech engine that `sor` starts and supervises.
    public struct EmbeddedEngine: Sendable, Equatable {
        public var python = ".venv/bin/python"
        public var script = "engine/sor_engine.py"
        public var modelDir = "models/whisper-base"
        /// CPU threads for the engine; 0 means one per core.
        public var threads = 0
        public var computeType = "int8"
        public var beamSize = 5
        /// Whether the engine skips silence with its Silero VAD filter (off: measured no better on real speech,
        /// README "Recognition").
        public var vad = false
        /// Seconds to wait for the engine to load its model and answer its health check.
        public var startupTimeout = 180.0
        public init() {}
    }

    /// Speech recognition: the embedded engine or any OpenAI-compatible endpoint.
    public struct Speech: Sendable, Equatable {
        public enum Engine: String, Sendable, CaseIterable { case embedded, remote }
        public var engine = Engine.embedded
        /// Base URL of a remote OpenAI-compatible API, e.g. `https://api.openai.com/v1` (remote engine only).
        public var url = ""
        public var model = "whisper-base"
        /// Name of the environment variable holding the API key (never the key itself).
        public var apiKeyEnv = "SOR_SPEECH_API_KEY"
        /// Seconds one transcription request may take.
        public var timeout = 1800.0
        /// Default language (`pl`, `en`, …) or `auto` to let the engine detect it.
        public var language = "pl"
        /// Vocabulary hint sent as the prompt: company names, products, jargon.
        public var prompt = ""
        public var embedded = EmbeddedEngine()
        public init() {}
    }

    /// The generated site and the local web server.
    public struct Site: Sendable, Equatable {
        public var title = "SOR — ocena rozmów"
        /// Interface language of the generated pages.
        public var language = "pl"
        /// The HTTPS address nginx listens on (`sor serve`, `sor nginx`).
        public var listen = "127.0.0.1:8443"
        /// An HTTP address that redirects to HTTPS and answers certbot's challenges (e.g. `0.0.0.0:80`); empty: none.
        public var httpListen = ""
        /// The host name the site is served as (nginx's server_name, and the name in sor's own certificate).
        public var serverName = "localhost"
        /// The certificate chain and key to serve (PEM, e.g. certbot's); empty: a pair signed by sor's own CA.
        public var certificate = ""
        public var certificateKey = ""
        /// Where certbot's webroot challenges are written (`certbot certonly --webroot -w …`).
        public var acmeRoot = "/var/www/certbot"
        /// The user nginx's workers run as when nginx is started as root.
        public var nginxUser = "www-data"
        /// The largest recording a browser may upload, in MiB.
        public var uploadLimitMB = 200
        /// The group that owns the files written to the site (pages and recordings are mode 0640): the group nginx's
        /// workers run as (`www-data` on Debian). Empty: the group of whoever runs sor.
        public var group = ""
        public init() {}
    }

    /// The inbox watcher (`sor watch`).
    public struct Watch: Sendable, Equatable {
        /// Seconds between full scans of the inbox, for shared folders (SMB/NFS) where inotify misses events.
        public var rescanInterval = 10.0
        /// Seconds a file's size and modification time must stay unchanged before it is taken.
        public var settleSeconds = 2.0
        /// Recordings processed in parallel.
        public var jobs = 1
        /// Immediate retries after the speech engine fails, with doubling delays starting at `retryDelay`.
        public var engineRetries = 3
        public var retryDelay = 2.0
        /// Seconds a recording waits for the engine after the immediate retries, before the next attempt.
        public var engineWaitInterval = 60.0
        /// After this many waiting rounds, a recording the engine keeps failing on while it transcribes others is
        /// refused (`engine-failed`, kept in inbox/failed/); 0 waits forever. While the engine fails on everything,
        /// nothing is refused.
        public var giveUpRounds = 5
        public init() {}
    }

    /// Protection of the store.
    public struct Security: Sendable, Equatable {
        /// The key file that seals recordings and results (AES-256-GCM). Created by `sor key init`; keep it outside
        /// `data/` and back it up separately.
        public var keyFile = "keys/sor.key"
        public init() {}
    }

    /// How long calls are kept; applied by `sor watch` once an hour and by `sor calls expire`.
    public struct Retention: Sendable, Equatable {
        public enum Action: String, Sendable, CaseIterable { case delete, archive }
        /// Calls older than this many days (by call time, else by the time received) are expired; 0 keeps them forever.
        public var days = 0
        /// `delete` erases them (a tombstone stays in the audit log); `archive` moves their sealed folder to `archiveDir`.
        public var action = Action.delete
        public var archiveDir = "archive"
        public init() {}
    }

    /// Who spoke when, the parties' roles and the talk analytics.
    public struct Diarization: Sendable, Equatable {
        public enum Stereo: String, Sendable, CaseIterable {
            /// One party per channel; each channel is transcribed on its own, so every word has its party.
            /// Measured worse than `energy` on the demo calls (WER 55.6% vs 44.6%, words to the right party 93.9% vs
            /// 98.3%, 2.5× the engine time): Whisper drifts in the long silences of a one-sided channel.
            case channels
            /// One party per channel; the mix is transcribed once and each word goes to the louder channel.
            case energy
            /// Mix the channels and diarize the mix like a mono recording.
            case mix
        }

        public enum Direction: String, Sendable, CaseIterable { case inbound, outbound }

        /// Off: every call is one speaker without roles.
        public var enabled = true
        /// Where scripts/setup-diarization.sh put the converted segmentation and CAM++ weights.
        public var modelsDir = "models/diarization"
        /// Speakers expected in a mono call; a range (e.g. 2…4) for conference calls.
        public var minSpeakers = 2
        public var maxSpeakers = 2
        /// Seconds between the 10-second segmentation windows (smaller: a little more accurate, slower).
        public var chunkStep = 10.0
        /// Seconds a recorded announcement (IVR menu, recording notice) before the answer must last to be told apart
        /// as its own speaker without a role; 0 turns this off.
        public var announcementMinimum = 3.0
        /// Threads for the neural networks (OpenBLAS).
        public var threads = 2
        public var stereo = Stereo.energy
        /// Role of each channel of a stereo recording, left first; empty: the role labeller decides.
        public var channelMap: [Role] = [.konsultant, .klient]
        /// Company names the consultant says in greetings (a strong cue for the role labeller).
        public var companyNames: [String] = []
        /// Direction assumed when a call's metadata does not give one (inbound: the consultant answers first).
        public var direction = Direction.inbound
        /// Calls whose role confidence is below this are flagged "do weryfikacji".
        public var reviewBelow = 0.6
        public var talk = TalkParameters()
        public init() {}
    }

    /// Which scorecards a call is scored on (the cards themselves are in `scorecards.yaml`).
    public struct Scoring: Sendable, Equatable {
        /// A rule: when every given field matches (shell patterns, `*` and `?`, case-insensitive), these cards apply.
        public struct Rule: Sendable, Equatable {
            public var file: String?
            public var campaign: String?
            public var team: String?
            public var agent: String?
            public var direction: String?
            public var cards: [String]
            public init(file: String? = nil, campaign: String? = nil, team: String? = nil, agent: String? = nil, direction: String? = nil, cards: [String]) {
                self.file = file
                self.campaign = campaign
                self.team = team
                self.agent = agent
                self.direction = direction
                self.cards = cards
            }
        }

        /// Cards for calls that name none in their metadata and match no rule.
        public var defaultCards = ["SERVICE"]
        /// Tried in order; every matching rule adds its cards.
        public var rules: [Rule] = []
        public init() {}
    }

    /// Sentiment of the utterances: the lexicon always, and optionally a language model's emotion judgement.
    public struct Sentiment: Sendable, Equatable {
        /// An OpenAI-compatible chat model asked for each utterance's emotion and a quote that shows it. Off by
        /// default; it adds to the lexicon's sentiment and never replaces it.
        public struct Judge: Sendable, Equatable {
            public var enabled = false
            /// Base URL up to and including `/v1`, e.g. `http://127.0.0.1:8000/v1`; required when enabled.
            public var url = ""
            /// Model name sent with each request; required when enabled.
            public var model = ""
            /// Name of the environment variable holding the API key (never the key itself); unset: no key is sent.
            public var apiKeyEnv = "SOR_JUDGE_API_KEY"
            /// Seconds one request (up to 40 utterances) may take.
            public var timeout = 60.0
            public init() {}
        }

        public var judge = Judge()
        public init() {}
    }

    /// Reports: the CSV separator, and the reports `sor watch` writes on a schedule under `site/reports/`.
    public struct Reports: Sendable, Equatable {
        public struct Scheduled: Sendable, Equatable {
            /// A name for the schedule: its folder under `site/reports/` and its job in the scheduler.
            public var name: String
            /// A cron expression (five fields or a macro such as `@daily`), in the server's time zone.
            public var cron: String
            /// What `sor report --period` takes; `yesterday`, `last-week` and `last-month` suit a schedule.
            public var period: String
            public var team: String?
            /// `xlsx`, `csv`, `pdf`.
            public var formats: [String]
            /// A note printed on the PDF under its title (Markdown).
            public var note: String?

            public init(name: String, cron: String, period: String, team: String? = nil, formats: [String], note: String? = nil) {
                self.note = note
                self.name = name
                self.cron = cron
                self.period = period
                self.team = team
                self.formats = formats
            }
        }

        /// `;` (the default: Polish Excel, with a decimal comma), `,` or a tab.
        public var csvSeparator = ";"
        public var schedule: [Scheduled] = []
        public init() {}
    }

    public static let currentVersion = 1

    public var version = Config.currentVersion
    public var paths = Paths()
    public var audio = Audio()
    public var speech = Speech()
    public var site = Site()
    public var watch = Watch()
    public var security = Security()
    public var retention = Retention()
    public var scoring = Scoring()
    public var diarization = Diarization()
    public var sentiment = Sentiment()
    public var reports = Reports()
    /// The telephone systems recordings are fetched from (`ImportSource.swift`).
    public var sources: [Source] = []

    public init() {}
}

/// A problem found in a configuration or data file, located like a compiler message.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var file: String
    public var line: Int
    public var column: Int
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int, column: Int, severity: Severity = .error, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    /// `file:line:col: error: message`.
    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}
