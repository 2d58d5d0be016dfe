// Types of @switchboard/call-automation. Names and shapes are ACS's own (REST API 2025-05-15).

// ---- identifiers (SPEC §4) ------------------------------------------------------------------

/** The Microsoft cloud of a Teams identity. */
export type TeamsCloud = 'public' | 'dod' | 'gcch';

/** An Azure Communication Services user (`8:acs:...`). */
export interface CommunicationUserIdentifier {
  kind: 'communicationUser';
  rawId: string;
  communicationUser: { id: string };
}

/** A phone number (PSTN or Direct Routing leg). */
export interface PhoneNumberIdentifier {
  kind: 'phoneNumber';
  rawId: string;
  /** `isAnonymous` as ACS sent it: events may leave it out (then false; the snapshot always has it). */
  phoneNumber: { value: string; isAnonymous?: boolean; assertedId?: string };
}

/** A Microsoft Teams user, by Entra object id (`8:orgid:<guid>`). */
export interface MicrosoftTeamsUserIdentifier {
  kind: 'microsoftTeamsUser';
  rawId: string;
  microsoftTeamsUser: { userId: string; isAnonymous: boolean; cloud: TeamsCloud };
}

/** A Teams app: resource account, call queue or auto attendant (`28:orgid:<guid>`). */
export interface MicrosoftTeamsAppIdentifier {
  kind: 'microsoftTeamsApp';
  rawId: string;
  microsoftTeamsApp: { appId: string; cloud: TeamsCloud };
}

/** A Teams Phone user extended through ACS (`8:acs:<resource>_<tenant>_<user>`). */
export interface TeamsExtensionUserIdentifier {
  kind: 'teamsExtensionUser';
  rawId: string;
  teamsExtensionUser: { userId: string; tenantId: string; resourceId?: string; cloud: TeamsCloud };
}

/** An identity of a kind this version does not know: only its raw id. */
export interface UnknownIdentifier {
  kind: 'unknown';
  rawId: string;
}

/** A CommunicationIdentifierModel as ACS returns it (and as this package writes it). */
export type CommunicationIdentifier =
  | CommunicationUserIdentifier
  | PhoneNumberIdentifier
  | MicrosoftTeamsUserIdentifier
  | MicrosoftTeamsAppIdentifier
  | TeamsExtensionUserIdentifier
  | UnknownIdentifier;

/** An identifier as input: the expanded form, the minimal one (kind + typed member), or `{rawId}`. */
export type IdentifierInput =
  | { rawId: string; kind?: CommunicationIdentifier['kind'] }
  | { kind?: 'communicationUser'; rawId?: string; communicationUser: { id: string } }
  | { kind?: 'phoneNumber'; rawId?: string; phoneNumber: { value: string; isAnonymous?: boolean; assertedId?: string } }
  | { kind?: 'microsoftTeamsUser'; rawId?: string; microsoftTeamsUser: { userId: string; isAnonymous?: boolean; cloud?: TeamsCloud } }
  | { kind?: 'microsoftTeamsApp'; rawId?: string; microsoftTeamsApp: { appId: string; cloud?: TeamsCloud } }
  | {
      kind?: 'teamsExtensionUser';
      rawId?: string;
      teamsExtensionUser: { userId: string; tenantId: string; resourceId?: string; cloud?: TeamsCloud };
    };

// ---- errors ----------------------------------------------------------------------------------

/** Every error this package throws: a stable `code` and, when one field is at fault, `field`. */
export interface SwitchboardError extends Error {
  code:
    | 'invalid_json'
    | 'not_events'
    | 'invalid_event'
    | 'invalid_event_data'
    | 'invalid_raw_id'
    | 'invalid_identifier'
    | 'invalid_connection_string'
    | 'invalid_request'
    | 'invalid_url'
    | 'invalid_params'
    | 'invalid_options'
    | 'unknown_operation'
    | 'invalid_action'
    | 'invalid_response'
    | 'no_randomness'
    | 'freed' // a CallState used after free()
    | 'not_initialized' // the browser build used before `await init()` finished, or init() failed
    | 'invalid_result' // describeResult given something that is not a result code
    | 'internal';
  /** Dotted path of the offending field, e.g. `participantToAdd.microsoftTeamsUser.userId`. */
  field?: string;
}

// ---- events (SPEC §3) ------------------------------------------------------------------------

/** `resultInformation`: HTTP-like `code`, precise `subCode` (SPEC §5.2). */
export interface ResultInformation {
  code: number;
  subCode: number;
  message: string;
  sipDetails?: unknown;
  q850Details?: unknown;
}

/** Envelope members every parsed event carries. Members ACS adds later are kept too. */
export interface EventEnvelope {
  /** Event id: the deduplication key. */
  id: string;
  /** ISO 8601, as ACS sent it. */
  time?: string;
  /** `calling/callConnections/<id>` for callbacks; the resource for Event Grid. */
  source?: string;
  subject?: string;
}

/** Members common to every mid-call callback event. */
export interface CallEventBase extends EventEnvelope {
  callConnectionId: string;
  serverCallId?: string;
  correlationId?: string;
  /** Echo of the request's `operationContext` (absent on unsolicited events). */
  operationContext?: string;
  resultInformation?: ResultInformation;
}

type Plain<T extends string> = CallEventBase & { type: T };

/** A participant in a ParticipantsUpdated roster. */
export interface CallParticipant {
  identifier: CommunicationIdentifier;
  isMuted: boolean;
  isOnHold?: boolean;
}

/** Names of the events that carry only the common members. */
export type PlainEventType =
  | 'CallConnected'
  | 'CallDisconnected'
  | 'CreateCallFailed'
  | 'AnswerFailed'
  | 'ConnectFailed'
  | 'CallTransferFailed'
  | 'PlayStarted'
  | 'PlayCompleted'
  | 'PlayCanceled'
  | 'PlayPaused'
  | 'PlayResumed'
  | 'RecognizeCanceled'
  | 'ContinuousDtmfRecognitionToneFailed'
  | 'ContinuousDtmfRecognitionStopped'
  | 'SendDtmfTonesCompleted'
  | 'SendDtmfTonesFailed'
  | 'HoldFailed'
  | 'HoldAudioStarted'
  | 'HoldAudioPaused'
  | 'HoldAudioResumed'
  | 'HoldAudioCompleted';

export type PlainEvent = { [T in PlainEventType]: Plain<T> }[PlainEventType];

export type ParticipantOutcomeEvent = CallEventBase & {
  type: 'AddParticipantSucceeded' | 'AddParticipantFailed' | 'RemoveParticipantSucceeded' | 'RemoveParticipantFailed';
  participant: CommunicationIdentifier;
};

export type CancelAddParticipantEvent = CallEventBase & {
  type: 'CancelAddParticipantSucceeded' | 'CancelAddParticipantFailed';
  invitationId: string;
};

export type CallTransferAcceptedEvent = CallEventBase & {
  type: 'CallTransferAccepted';
  transferTarget?: CommunicationIdentifier;
  transferee?: CommunicationIdentifier;
};

export type ParticipantsUpdatedEvent = CallEventBase & {
  type: 'ParticipantsUpdated';
  sequenceNumber?: number;
  participants: CallParticipant[];
};

export type RecordingStateChangedEvent = CallEventBase & {
  type: 'RecordingStateChanged' | 'TeamsRecordingStateChanged' | 'TeamsComplianceRecordingStateChanged';
  recordingId: string;
  /** Known values in this spelling, whichever casing ACS used; a value newer than this version as ACS sent it. */
  state: 'active' | 'inactive' | (string & {});
  startDateTime?: string;
  /** Both casings occur on the wire (SPEC §6). */
  recordingKind?: string;
};

export type StartRecordingFailedEvent = CallEventBase & { type: 'StartRecordingFailed'; recordingId?: string };

export type MediaFailedEvent = CallEventBase & { type: 'PlayFailed' | 'RecognizeFailed'; failedPlaySourceIndex?: number };

/** A DTMF tone. */
export type Tone =
  | 'zero' | 'one' | 'two' | 'three' | 'four' | 'five' | 'six' | 'seven' | 'eight' | 'nine'
  | 'a' | 'b' | 'c' | 'd' | 'pound' | 'asterisk';

/** A tone in an event: one of {@link Tone}, or a value newer than this version as ACS sent it. */
export type ReceivedTone = Tone | (string & {});

export type RecognizeCompletedEvent = CallEventBase & {
  type: 'RecognizeCompleted';
  recognitionType: 'dtmf' | 'speech' | 'choices';
  dtmfResult?: { tones: ReceivedTone[] };
  choiceResult?: { label: string; recognizedPhrase?: string; confidence?: number };
  speechResult?: { speech: string; confidence?: number };
};

export type ToneReceivedEvent = CallEventBase & { type: 'ContinuousDtmfRecognitionToneReceived'; sequenceId: number; tone: ReceivedTone };

export type MediaStreamingEvent = CallEventBase & {
  type: 'MediaStreamingStarted' | 'MediaStreamingStopped' | 'MediaStreamingFailed';
  mediaStreamingUpdate?: { contentType?: string; mediaStreamingStatus?: string; mediaStreamingStatusDetails?: string };
};

export type TranscriptionEvent = CallEventBase & {
  type: 'TranscriptionStarted' | 'TranscriptionStopped' | 'TranscriptionUpdated' | 'TranscriptionFailed';
  transcriptionUpdate?: { transcriptionStatus?: string; transcriptionStatusDetails?: string };
};

/** Event Grid `Microsoft.Communication.IncomingCall` (SPEC §3.4). */
export interface IncomingCallEvent extends EventEnvelope {
  type: 'IncomingCall';
  to: CommunicationIdentifier;
  from: CommunicationIdentifier;
  serverCallId?: string;
  callerDisplayName?: string;
  /** Opaque and single-use: pass it to answerCall / redirectCall / rejectCall, never parse it. */
  incomingCallContext: string;
  customContext?: { sipHeaders?: Record<string, string>; voipHeaders?: Record<string, string>; [member: string]: unknown };
  correlationId?: string;
  onBehalfOfCallee?: CommunicationIdentifier;
}

/** Event Grid's webhook handshake: answer `{validationResponse: validationCode}` (SPEC §3.5). */
export interface SubscriptionValidationEvent extends EventEnvelope {
  type: 'SubscriptionValidation';
  validationCode: string;
  validationUrl?: string;
}

/** Event Grid `RecordingFileStatusUpdated`: recording chunks ready to download. */
export interface RecordingFileStatusUpdatedEvent extends EventEnvelope {
  type: 'RecordingFileStatusUpdated';
  recordingStorageInfo?: {
    recordingChunks?: Array<{ documentId: string; index: number; endReason: string; contentLocation: string; metadataLocation: string; deleteLocation?: string }>;
  };
  recordingStartTime?: string;
  recordingDurationMs?: number;
  sessionEndReason?: string;
}

/** Any event type this version does not know, kept whole. */
export interface UnknownEvent extends EventEnvelope {
  type: 'Unknown';
  /** The full type as received, e.g. `Microsoft.Communication.TeamsFutureEvent`. */
  eventType: string;
  /** The event exactly as received. */
  raw: unknown;
}

/** A parsed event: narrow on `type`. */
export type AcsEvent =
  | PlainEvent
  | ParticipantOutcomeEvent
  | CancelAddParticipantEvent
  | CallTransferAcceptedEvent
  | ParticipantsUpdatedEvent
  | RecordingStateChangedEvent
  | StartRecordingFailedEvent
  | MediaFailedEvent
  | RecognizeCompletedEvent
  | ToneReceivedEvent
  | MediaStreamingEvent
  | TranscriptionEvent
  | IncomingCallEvent
  | SubscriptionValidationEvent
  | RecordingFileStatusUpdatedEvent
  | UnknownEvent;

/**
 * Parses a callback or Event Grid webhook body (JSON text, its UTF-8 bytes — a `Buffer` or
 * `Uint8Array` — or the already-parsed value): an array or a single event, CloudEvents or Event
 * Grid schema. Unknown types become `Unknown`; malformed input throws a
 * {@link SwitchboardError} naming the field. A recording's `state` and `recordingKind` come in
 * their canonical spelling whichever casing ACS used.
 */
export function parseEvents(body: string | Uint8Array | object): AcsEvent[];

/** The typed identifier of a raw id (SPEC §4.2); unrecognised shapes are `unknown`. */
export function identifierFromRawId(rawId: string): CommunicationIdentifier;

/**
 * The raw id of an identifier (a given `rawId` wins, as in the SDKs). A string is either the
 * identifier's JSON text (starting with `{`) or a raw id, checked and returned in canonical form.
 */
export function rawIdOf(identifier: IdentifierInput | string): string;

// ---- requests (SPEC §1.3, §2) ----------------------------------------------------------------

/** The three headers of an access-key request. */
export interface SignedHeaders {
  'x-ms-date': string;
  'x-ms-content-sha256': string;
  Authorization: string;
}

/** Signs any request with the connection string's key (HMAC-SHA256, SPEC §1.3). */
export function signRequest(
  request: { method?: string; url: string; body?: string | null; date?: Date | number | string },
  connectionString: string,
): SignedHeaders;

/** A request ready for `fetch(url, {method, headers, body})`. */
export interface BuiltRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** JSON text, or null when the operation sends no body. */
  body: string | null;
}

/** Inputs the package does not invent unless told to (time, idempotency key, API version). */
export interface BuildOptions {
  /** Signing time; default now. */
  date?: Date | number | string;
  /** Repeatability-Request-ID (a UUID). Default: a fresh random one — keep it for retries. */
  repeatabilityRequestId?: string;
  /** Repeatability-First-Sent; default `date`. */
  repeatabilityFirstSent?: Date | number | string;
  /** `api-version`; default 2025-05-15 (the JS SDK 1.6 sends 2026-03-12), and 2024-09-01-preview
   * for the operations only preview versions have (`operations()` says which). */
  apiVersion?: string;
  /** `x-ms-client-request-id`: printable ASCII (it is a header value). */
  clientRequestId?: string;
  /** Send members this version does not model instead of refusing them as typos. */
  allowUnknownFields?: boolean;
}

export interface PhoneNumberModel {
  value: string;
  isAnonymous?: boolean;
  assertedId?: string;
}

export interface CustomCallingContext {
  voipHeaders?: Record<string, string>;
  sipHeaders?: Record<string, string>;
  teamsPhoneCallDetails?: unknown;
}

export type PlaySource =
  | { kind: 'file'; file: { uri: string }; playSourceCacheId?: string }
  | { kind: 'text'; text: { text: string; sourceLocale?: string; voiceKind?: 'male' | 'female'; voiceName?: string; customVoiceEndpointId?: string }; playSourceCacheId?: string }
  | { kind: 'ssml'; ssml: { ssmlText: string; customVoiceEndpointId?: string }; playSourceCacheId?: string };

export interface CallLocator {
  groupCallId?: string;
  serverCallId?: string;
  roomId?: string;
  kind?: 'groupCallLocator' | 'serverCallLocator' | 'roomCallLocator';
}

export interface RecognizeOptions {
  targetParticipant: IdentifierInput;
  interruptPrompt?: boolean;
  initialSilenceTimeoutInSeconds?: number;
  dtmfOptions?: { interToneTimeoutInSeconds?: number; maxTonesToCollect?: number; stopTones?: Tone[] };
  choices?: Array<{ label: string; phrases: string[]; tone?: Tone }>;
  speechLanguage?: string;
  speechRecognitionModelEndpointId?: string;
  speechOptions?: { endSilenceTimeoutInMs?: number };
}

interface WithCall {
  callConnectionId: string;
}
interface OperationContextual {
  operationContext?: string;
  operationCallbackUri?: string;
}
interface StreamingOptions {
  callIntelligenceOptions?: { cognitiveServicesEndpoint?: string };
  mediaStreamingOptions?: Record<string, unknown>;
  transcriptionOptions?: Record<string, unknown>;
}

/** Params of each operation: its REST body members plus its path parameters. */
export interface OperationParams {
  createCall: StreamingOptions & {
    targets: IdentifierInput[];
    callbackUri: string;
    sourceCallerIdNumber?: PhoneNumberModel;
    sourceDisplayName?: string;
    source?: { id: string };
    operationContext?: string;
    teamsAppSource?: { appId: string; cloud?: TeamsCloud };
    customCallingContext?: CustomCallingContext;
  };
  answerCall: StreamingOptions & { incomingCallContext: string; callbackUri: string; operationContext?: string; answeredBy?: { id: string } };
  redirectCall: { incomingCallContext: string; target: IdentifierInput };
  rejectCall: { incomingCallContext: string; callRejectReason?: 'none' | 'busy' | 'forbidden' };
  connect: StreamingOptions & { callLocator: CallLocator; callbackUri: string; operationContext?: string };
  getCall: WithCall;
  hangupCall: WithCall;
  hangUp: WithCall;
  terminateCall: WithCall;
  transferToParticipant: WithCall & OperationContextual & {
    targetParticipant: IdentifierInput;
    transferee?: IdentifierInput;
    customCallingContext?: CustomCallingContext;
    sourceCallerIdNumber?: PhoneNumberModel;
  };
  getParticipants: WithCall & { nextLink?: string };
  getParticipant: WithCall & { participantRawId: string };
  addParticipant: WithCall & OperationContextual & {
    participantToAdd: IdentifierInput;
    sourceCallerIdNumber?: PhoneNumberModel;
    /** Shown in the invitee's toast (Teams desktop and web clients only). */
    sourceDisplayName?: string;
    /** 0–180 s. */
    invitationTimeoutInSeconds?: number;
    customCallingContext?: CustomCallingContext;
  };
  removeParticipant: WithCall & OperationContextual & { participantToRemove: IdentifierInput };
  muteParticipants: WithCall & { targetParticipants: IdentifierInput[]; operationContext?: string };
  mute: WithCall & { targetParticipants: IdentifierInput[]; operationContext?: string };
  unmuteParticipants: WithCall & { targetParticipants: IdentifierInput[]; operationContext?: string };
  cancelAddParticipant: WithCall & OperationContextual & { invitationId: string };
  play: WithCall & OperationContextual & {
    playSources: PlaySource[];
    playTo?: IdentifierInput[];
    interruptCallMediaOperation?: boolean;
    playOptions?: { loop: boolean };
  };
  playToAll: WithCall & OperationContextual & { playSources: PlaySource[]; playTo?: []; interruptCallMediaOperation?: boolean; playOptions?: { loop: boolean } };
  cancelAllMediaOperations: WithCall;
  recognize: WithCall & OperationContextual & {
    recognizeInputType: 'dtmf' | 'speech' | 'speechOrDtmf' | 'choices';
    recognizeOptions: RecognizeOptions;
    playPrompt?: PlaySource;
    playPrompts?: PlaySource[];
    interruptCallMediaOperation?: boolean;
  };
  startContinuousDtmfRecognition: WithCall & OperationContextual & { targetParticipant: IdentifierInput };
  stopContinuousDtmfRecognition: WithCall & OperationContextual & { targetParticipant: IdentifierInput };
  sendDtmfTones: WithCall & OperationContextual & { tones: Tone[]; targetParticipant: IdentifierInput };
  hold: WithCall & OperationContextual & { targetParticipant: IdentifierInput; playSourceInfo?: PlaySource };
  unhold: WithCall & OperationContextual & { targetParticipant: IdentifierInput };
  startTranscription: WithCall & OperationContextual & { locale?: string; speechModelEndpointId?: string };
  stopTranscription: WithCall & OperationContextual;
  updateTranscription: WithCall & OperationContextual & { locale?: string; speechModelEndpointId?: string };
  startMediaStreaming: WithCall & OperationContextual;
  stopMediaStreaming: WithCall & OperationContextual;
  interruptAudioAndAnnounce: WithCall & { playSources: PlaySource[]; playTo?: IdentifierInput[]; operationContext?: string };
  startRecording: {
    callConnectionId?: string;
    callLocator?: CallLocator;
    recordingStateCallbackUri?: string;
    recordingContentType?: 'audio' | 'audioVideo';
    recordingChannelType?: 'mixed' | 'unmixed';
    recordingFormatType?: 'wav' | 'mp3' | 'mp4';
    audioChannelParticipantOrdering?: IdentifierInput[];
    channelAffinity?: Array<{ channel?: number; participant: IdentifierInput }>;
    pauseOnStart?: boolean;
    externalStorage?: { recordingStorageKind: 'azureCommunicationServices' | 'azureBlobStorage'; recordingDestinationContainerUrl?: string };
  };
  getRecordingProperties: { recordingId: string };
  stopRecording: { recordingId: string };
  pauseRecording: { recordingId: string };
  resumeRecording: { recordingId: string };
}

/** An operation name as in the REST spec, camelCase (aliases: `playToAll`, `mute`, `hangUp`). */
export type OperationName = keyof OperationParams;

/**
 * Builds a signed request for an operation, ready for any HTTP client. Params are checked
 * first; a bad one throws a {@link SwitchboardError} with `code: 'invalid_params'` and `field`.
 */
export function buildRequest<O extends OperationName>(
  operation: O,
  params: OperationParams[O],
  connectionString: string,
  options?: BuildOptions,
): BuiltRequest;

/** One operation's route metadata. */
export interface OperationInfo {
  name: Exclude<OperationName, 'playToAll' | 'mute' | 'hangUp'>;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  pathParams: string[];
  success: number[];
  repeatable: boolean;
  /** The `api-version` built by default: the stable 2025-05-15, or 2024-09-01-preview for the
   * operations no stable version has (unmuteParticipants, interruptAudioAndAnnounce). */
  apiVersion: string;
}

/** Every operation's method, path, success statuses and Repeatability support. */
export function operations(): OperationInfo[];

// ---- call state and rules --------------------------------------------------------------------

/** The name of a capability rule. */
export type RuleName =
  | 'call_not_ended'
  | 'call_connected'
  | 'before_answer_only'
  | 'dtmf_not_in_teams_calls'
  | 'blind_transfer_one_to_one'
  | 'mute_acs_users_only'
  | 'invitation_timeout_range'
  | 'stop_recording_started_after_teams_joined'
  | 'one_recording_at_a_time'
  | 'recording_state'
  | 'teams_recording_not_controllable'
  | 'no_duplicate_invitation'
  | 'participant_present'
  | 'cancel_needs_ringing_invitation'
  | 'teams_calls_play_files_only';

/** Every capability rule, with what it says. */
export function rules(): Array<{ name: RuleName; description: string }>;

/** Whether an action is allowed now, and if not which rule refuses it and why. */
export type Verdict = { allowed: true } | { allowed: false; rule: RuleName; reason: string };

/** An action to check: an operation and (some of) its params. */
export type Action = { [O in OperationName]: { operation: O } & Partial<OperationParams[O]> }[OperationName];

export type ParticipantStatus = 'ringing' | 'connected' | 'left' | 'removed' | 'failed' | 'cancelled';
export type RecordingStatus = 'starting' | 'active' | 'paused' | 'stopped' | 'failed';
export type ConnectionState = 'unknown' | 'connecting' | 'connected' | 'transferring' | 'transferAccepted' | 'disconnecting' | 'disconnected';

/** One fact that changed. */
export type Change =
  | { change: 'connection'; state: ConnectionState }
  | { change: 'offered' }
  | { change: 'participant'; rawId: string; status: ParticipantStatus; result?: ResultInformation }
  | { change: 'flags'; rawId: string }
  | { change: 'recording'; status: RecordingStatus }
  | { change: 'teamsRecording'; status: RecordingStatus }
  | { change: 'operation'; operationContext: string; operation?: string; succeeded: boolean; event: string };

/** A command to check, build and record at once (`CallState.command`): an operation and all its params. */
export type Command = { [O in OperationName]: { operation: O } & OperationParams[O] }[OperationName];

/** What `CallState.command` did: refused by a rule (nothing built, nothing recorded), or built and recorded. */
export type CommandResult =
  | { allowed: true; request: BuiltRequest; changes: Change[] }
  | { allowed: false; rule: RuleName; reason: string };

/** What applying one event did. */
export type ApplyOutcome =
  | { outcome: 'applied'; changes: Change[] }
  | { outcome: 'duplicate' }
  | { outcome: 'stale' }
  | { outcome: 'otherCall' };

/** A participant and everything the call has shown about them. */
export interface ParticipantState {
  identifier: CommunicationIdentifier;
  status: ParticipantStatus;
  isMuted: boolean;
  isOnHold: boolean;
  /** Every stay in the call (Unix ms): "joined at t1, left at t2". */
  stays: Array<{ joinedAt: number | null; leftAt: number | null }>;
  invitation?: {
    operationContext: string | null;
    invitationId?: string;
    invitedAt: number | null;
    sourceDisplayName?: string;
    status: ParticipantStatus;
    changedAt: number | null;
    /** The earliest end without an answer reported (`failed` or `cancelled`) and when (Unix ms): with `stays` it decides `status`, whatever order the events came in. */
    unanswered?: [ParticipantStatus, number | null];
  };
  lastResult?: ResultInformation;
  joinedHint?: number;
  removedAt?: number;
}

/** A recording as the console sees it. */
export interface RecordingView {
  recordingId: string | null;
  /** `azureCommunicationServices`, `teams`, `teamsCompliance` (or a newer one). */
  kind: string | null;
  /** A Teams-side recording is `active` or `stopped` (Teams recordings do not pause). */
  status: RecordingStatus;
  startedAt: number | null;
  requestedAt: number | null;
  startedBy: string | null;
  spans: Array<[number | null, number | null]>;
  /** Started after a Teams user joined: cannot be stopped in the preview (always false for a Teams-side recording). */
  startedAfterTeamsJoined: boolean;
}

/** A console's view of one call. */
export interface CallSnapshot {
  callConnectionId: string | null;
  serverCallId: string | null;
  correlationId: string | null;
  connectionState: ConnectionState | null;
  ended: boolean;
  endedAt: number | null;
  incoming: {
    from: CommunicationIdentifier;
    to: CommunicationIdentifier;
    callerDisplayName?: string;
    handled: string | null;
    offeredAt: number | null;
  } | null;
  appRawId: string | null;
  participants: ParticipantState[];
  othersInCall: number;
  teamsUsersActive: number;
  /** The recording this app controls (Call Automation's). */
  recording: RecordingView | null;
  /** A recording a Teams client or compliance policy runs: shown, not this app's to pause or stop. */
  teamsRecording?: RecordingView;
  /** Operations sent and awaiting their outcome; `expiresAt`: when it is due at the latest. */
  pending: Array<{ operation: OperationName; operationContext: string; sentAt: number | null; expiresAt?: number | null; target?: string }>;
  lastError: { source: string; operationContext?: string; result: ResultInformation; at: number | null } | null;
  lastEventAt: number | null;
  eventsApplied: number;
  /** `hangupCall` or `terminateCall` was sent and not refused: the call is being left or ended (nothing but reads is allowed). */
  ending?: 'hangupCall' | 'terminateCall';
}

/** One event of a webhook body with what folding it did (`CallState.receive`). */
export type ReceivedEvent = ApplyOutcome & { event: AcsEvent };

/** One call's truth, folded from its events; the same rules the Worker enforces. */
export class CallState {
  constructor();
  /** Folds a webhook body in (deduplicated by event id, rosters ordered by sequence number). */
  apply(body: string | Uint8Array | object): ApplyOutcome[];
  /**
   * Folds a webhook body in and hands back each event with its outcome: `parseEvents` and
   * `apply` in one pass over the body (what a callback handler needs to decide).
   */
  receive(body: string | Uint8Array | object): ReceivedEvent[];
  /**
   * Checks `command` with the rules (as `can`); when allowed, builds its signed request (as
   * `buildRequest`, same options) and records it (as `recordCommand`, at the signing time, `by`
   * from the options) — one step, one crossing into wasm. A refusal builds and records nothing.
   */
  command(command: Command, connectionString: string, options?: BuildOptions & { by?: string }): CommandResult;
  /** The console view. */
  snapshot(): CallSnapshot;
  /**
   * Whether `action` is allowed now by the capability rules (e.g. `{operation: 'recognize',
   * recognizeInputType: 'dtmf'}`). Only the rules: a partial action may be asked about, and its
   * params (a Teams user id's format, required members) are checked when it is built (`command`,
   * `buildRequest`, which throw `invalid_params`).
   */
  can(action: Action): Verdict;
  /** Records a command about to be sent, so its outcome is matched and an invitee rings. */
  recordCommand(action: Action & { operationContext?: string }, options?: { at?: Date | number; by?: string }): Change[];
  /** Records a command's HTTP answer (e.g. the add's `invitationId`, a refusal). */
  recordResponse(
    operation: OperationName,
    response: { status: number; body?: string | object | null; operationContext?: string; at?: Date | number },
  ): Change[];
  /**
   * Folds one record of a Switchboard call log (`GET /api/calls/{id}/log` or a `log` push); replaying
   * a call's log in order rebuilds the state its Durable Object holds.
   */
  applyLogRecord(record: LogRecord): Array<ApplyOutcome | Change>;
  /** Releases the wasm memory now; a second call does nothing, any other method then throws `freed`. */
  free(): void;
}

/** One record of a Switchboard call log. */
export interface LogRecord {
  seq: number;
  /** Unix ms. */
  at: number;
  kind: 'offer' | 'command' | 'request' | 'sent' | 'callback' | 'workflow' | (string & {});
  detail: {
    /** `offer` and `callback`: the event as ACS sent it. */
    event?: object;
    /** `request` and `sent`. */
    operation?: OperationName;
    params?: Record<string, unknown>;
    operationContext?: string | null;
    status?: number;
    body?: unknown;
    by?: string | null;
    [more: string]: unknown;
  };
}

/**
 * An ACS result in plain words ("declined the call", "no Teams Phone licence …"), or undefined
 * for a pair this version does not know. Throws `invalid_result` for a code that is not an integer.
 */
export function describeResult(code: number, subCode?: number): string | undefined;

/**
 * Loads the wasm: required once in browsers and workers before anything else (until it has
 * finished, every function throws `not_initialized`); a no-op in Node. Without `input` it fetches
 * `web/switchboard_bg.wasm` beside the package's `web.js`; a bundler that does not copy that file
 * needs its URL (or its bytes, a Response or a compiled module) here. A failed load rejects with
 * `not_initialized` saying from where, and a later call tries again.
 */
export function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;
