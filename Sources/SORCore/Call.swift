import Foundation

/// Metadata that travels with a recording in its sidecar file (`NAME.yaml` or `NAME.json`).
public struct CallMetadata: Codable, Sendable, Equatable {
    public var agent: String?
    public var team: String?
    /// `inbound` or `outbound`.
    public var direction: String?
    public var clientNumber: String?
    public var campaign: String?
    public var scorecard: String?
    /// When the call took place, as ISO 8601 text.
    public var callTime: String?
    /// Language of the call (`pl`, `en`, … or `auto`); overrides the configured default.
    public var language: String?
    /// Roles of a stereo recording's channels, e.g. `left: KONSULTANT`.
    public var channels: [String: String]?

    public init(
        agent: String? = nil, team: String? = nil, direction: String? = nil, clientNumber: String? = nil,
        campaign: String? = nil, scorecard: String? = nil, callTime: String? = nil, language: String? = nil,
        channels: [String: String]? = nil
    ) {
        self.agent = agent
        self.team = team
        self.direction = direction
        self.clientNumber = clientNumber
        self.campaign = campaign
        self.scorecard = scorecard
        self.callTime = callTime
        self.language = language
        self.channels = channels
    }

    /// The keys a sidecar may hold, as written in the file.
    public static let keys: Set<String> = [
        "agent", "team", "direction", "client_number", "campaign", "scorecard", "call_time", "language", "channels",
    ]
}

/// Where a call's recording came from.
public struct CallSource: Codable, Sendable, Equatable {
    public var fileName: String
    public var sha256: String
    public var bytes: Int64
    public var receivedAt: String
    /// The user whose browser upload (`inbox/uploads/<user>/`) brought the recording, if it came that way.
    public var uploadedBy: String?
    /// `device:inode:ctime` of the dropped file: a claim resumed after a crash recognises its own, already stored,
    /// call (and a later copy that reuses the freed inode is not mistaken for it).
    public var inode: String?

    public init(fileName: String, sha256: String, bytes: Int64, receivedAt: String, uploadedBy: String? = nil, inode: String? = nil) {
        self.fileName = fileName
        self.sha256 = sha256
        self.bytes = bytes
        self.receivedAt = receivedAt
        self.uploadedBy = uploadedBy
        self.inode = inode
    }
}

/// What the decoder found in the recording.
public struct AudioInfo: Codable, Sendable, Equatable {
    /// Container and codec, e.g. `WAV/PCM_16`, `MPEG/MPEG_LAYER_III`.
    public var format: String
    public var sampleRate: Int
    public var channels: Int
    public var duration: Double
    /// Loudest sample, in dBFS.
    public var peakDb: Double
    /// Overall loudness (RMS), in dBFS.
    public var rmsDb: Double

    public init(format: String, sampleRate: Int, channels: Int, duration: Double, peakDb: Double, rmsDb: Double) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.duration = duration
        self.peakDb = peakDb
        self.rmsDb = rmsDb
    }
}

/// How the transcript was made.
public struct ProcessingInfo: Codable, Sendable, Equatable {
    public var engine: EngineInfo
    public var language: String
    public var startedAt: String
    public var finishedAt: String
    /// Wall-clock seconds the speech engine took.
    public var transcriptionSeconds: Double

    public init(engine: EngineInfo, language: String, startedAt: String, finishedAt: String, transcriptionSeconds: Double) {
        self.engine = engine
        self.language = language
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.transcriptionSeconds = transcriptionSeconds
    }
}

/// The contents of `call.yaml`: identity, metadata, provenance and status of one call.
public struct CallRecord: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var id: String
    public var status: String
    public var source: CallSource
    /// Name of the stored original recording inside the call's folder.
    public var audioFile: String
    public var audio: AudioInfo
    public var metadata: CallMetadata
    public var processing: ProcessingInfo?
    /// Increases with every change to the call's results; edits name the revision they were based on.
    public var revision: Int
    /// The last person to change the call's results, and when (absent until the first edit).
    public var updatedBy: String?
    public var updatedAt: String?
    /// The id of the last edit applied (its content hash), so an edit interrupted by a crash is not applied twice.
    public var lastEdit: String?

    public init(
        id: String, status: String, source: CallSource, audioFile: String, audio: AudioInfo,
        metadata: CallMetadata, processing: ProcessingInfo?, revision: Int = 1
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.id = id
        self.status = status
        self.source = source
        self.audioFile = audioFile
        self.audio = audio
        self.metadata = metadata
        self.processing = processing
        self.revision = revision
    }

    /// The date the call belongs to (`YYYY-MM-DD`): the call time from metadata, else the time it was received.
    public var day: String {
        let stamp = metadata.callTime ?? source.receivedAt
        return String(stamp.prefix(10))
    }
}

/// One change people made to a call (or tried to): a file in the call's `history/`.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// The edit's id: the first 16 hex digits of its document's SHA-256.
    public var edit: String
    /// `applied` or `rejected`.
    public var state: String
    /// The edit type, e.g. `transcript.text`.
    public var type: String
    public var user: String
    public var time: String
    /// The file the edit came in (its name in `inbox/edits/<user>/`).
    public var file: String
    /// The revision the edit was based on, and the one it produced (applied edits only).
    public var baseRevision: Int?
    public var revision: Int?
    /// What the edit changed, before and after (`segment`, `text`, …).
    public var before: [String: String]?
    public var after: [String: String]?
    /// Why a rejected edit was refused.
    public var reason: String?
    public var comment: String?

    public init(
        edit: String, state: String, type: String, user: String, time: String, file: String, baseRevision: Int? = nil,
        revision: Int? = nil, before: [String: String]? = nil, after: [String: String]? = nil, reason: String? = nil,
        comment: String? = nil
    ) {
        self.edit = edit
        self.state = state
        self.type = type
        self.user = user
        self.time = time
        self.file = file
        self.baseRevision = baseRevision
        self.revision = revision
        self.before = before
        self.after = after
        self.reason = reason
        self.comment = comment
    }
}

/// Everything known about a call, as `sor show --json` prints it.
public struct CallDocument: Codable, Sendable, Equatable {
    public var call: CallRecord
    public var transcript: Transcript?
    /// Scores on each card, with evidence (nil before the call is scored).
    public var evaluation: Evaluation?
    /// Speakers, utterances, roles and talk statistics (nil before the call is analysed).
    public var analysis: Analysis?
    /// Applied and rejected edits, oldest first.
    public var history: [HistoryEntry]

    public init(
        call: CallRecord, transcript: Transcript?, evaluation: Evaluation? = nil, analysis: Analysis? = nil, history: [HistoryEntry] = []
    ) {
        self.call = call
        self.transcript = transcript
        self.evaluation = evaluation
        self.analysis = analysis
        self.history = history
    }

    /// Whether the call is read as speaker utterances (it has an analysis with at least one utterance): the page
    /// shows them, scoring and search read them, and text corrections name utterances rather than segments.
    public var hasUtterances: Bool { !(analysis?.utterances.isEmpty ?? true) }

    /// The words as people see and correct them: the utterances where the call has them, else the transcript.
    public var spokenTranscript: Transcript? {
        guard let transcript else { return nil }
        guard let analysis, hasUtterances else { return transcript }
        return analysis.transcript(basedOn: transcript)
    }
}
