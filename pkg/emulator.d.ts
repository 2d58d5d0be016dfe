// Types of `@switchboard/call-automation/emulator`: ACS in a box, in-process (Node and browsers).

/** Loads the emulator's wasm (browsers: once, before anything else; Node: nothing to do). */
export function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** What a simulated person does when called. */
export interface Behavior {
  /** Answers this long after the call rings (default 2 s). */
  answerAfterMs?: number | null;
  /** Declines (603). */
  decline?: boolean;
  /** Never answers (the invitation times out: 408). */
  neverAnswer?: boolean;
  /** Hangs up this long after joining. */
  leaveAfterMs?: number | null;
  /** DTMF tones entered when asked (default `one two three pound`). */
  dtmf?: string[] | null;
  /** What they say when speech is recognised. */
  speech?: string | null;
}

/** Graph presence availability. */
export type Presence = 'Available' | 'Busy' | 'DoNotDisturb' | 'Away' | 'Offline';

/** The client a Teams user answers on (`acsM365`: an ACS client with a Microsoft 365 identity, not a supported target). */
export type TeamsClient = 'desktop' | 'web' | 'ios' | 'android' | 'acsM365';

/** A Teams user in the simulated directory. */
export interface TeamsUser {
  /** Entra object id. */
  objectId: string;
  displayName: string;
  /** `public` (default), `dod` or `gcch`. */
  cloud?: string;
  /** Has a Teams Phone licence (default true). */
  licensed?: boolean;
  /** The tenant allows this ACS resource (default true). */
  tenantConsent?: boolean;
  presence?: Presence;
  client?: TeamsClient;
  behavior?: Behavior;
}

/** The simulated world: the ACS resource, PSTN customers, ACS agents, the Teams directory, faults. */
export interface WorldConfig {
  /** Seed of every id and fault decision: the same seed and script give the same log. */
  seed?: number;
  resource?: {
    /** Base64 HMAC key of the connection string (default: the well-known development key). */
    accessKey?: string;
    /** The `aud` of callback JWTs. */
    immutableResourceId?: string;
    armId?: string;
    /** Numbers the resource owns (E.164). */
    phoneNumbers?: string[];
    /** The ACS user the app's call legs appear as. */
    botId?: string;
  };
  /** Where inbound calls are announced, after the subscription validation handshake. */
  eventGrid?: { webhook: string; schema?: 'eventGrid' | 'cloudEvents' } | null;
  timing?: {
    eventDelayMs?: number;
    connectDelayMs?: number;
    defaultInvitationTimeoutS?: number;
    playDurationMs?: number;
    offerTimeoutMs?: number;
  };
  customers?: { phone: string; name: string; viaSbc?: string | null; behavior?: Behavior }[];
  agents?: { id: string; name: string; behavior?: Behavior }[];
  teams?: TeamsUser[];
  faults?: Faults;
}

/** Fault injection (every share is 0..1; all 0 by default). */
export interface Faults {
  callbacks?: {
    drop?: number;
    duplicate?: number;
    reorder?: number;
    delayMs?: [number, number] | null;
    beforeResponse?: number;
  };
  requests?: {
    throttle?: number;
    retryAfterS?: number | null;
    serverError?: number;
    serverErrorAfterAction?: number;
  };
  seed?: number | null;
}

/** A request the emulator wants made: a callback, an Event Grid event or a validation handshake. */
export interface Delivery {
  id: number;
  /** When it is due (Unix ms of the emulator's clock). */
  due: number;
  kind: 'callback' | 'eventGrid' | 'validation';
  method: 'POST' | 'OPTIONS';
  url: string;
  /** Including `Authorization: Bearer <RS256 JWT>` on callbacks. */
  headers: Record<string, string>;
  body: string;
  eventType: string;
  eventId: string;
}

/** What the emulator answered. */
export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Callbacks a fault delivers before this response. */
  deliverFirst: Delivery[];
}

/** What became of a delivery, as `deliver` reports it. */
export interface DeliveryResult {
  /** HTTP status; 0 when it could not be delivered. */
  status: number;
  body?: string;
  error?: string;
}

/** One line of the ground-truth log. */
export interface LogEntry {
  seq: number;
  at: number;
  kind: string;
  method?: string;
  path?: string;
  operation?: string;
  status?: number;
  callConnectionId?: string;
  repeatabilityRequestId?: string;
  repeated?: boolean;
  fault?: string;
  deliveryId?: number;
  url?: string;
  eventType?: string;
  eventId?: string;
  body?: unknown;
  note?: string;
}

/** Every error the emulator's API throws: a stable `code`. */
export interface EmulatorError extends Error {
  code:
    | 'invalid_world' // the world does not read (its message names the member)
    | 'invalid_option' // a constructor option or a time argument
    | 'invalid_request' // a request, a delivery report or a control call it refuses
    | 'invalid_headers'
    | 'not_found'
    | 'conflict'
    | 'freed'; // used after free()
}

/** Options of an in-process emulator. */
export interface AcsEmulatorOptions {
  /** The world (default: the demo world). */
  world?: WorldConfig | string | null;
  /** The origin it answers as (default `http://127.0.0.1:8788`); it is in the connection string. */
  origin?: string;
  /** The clock, Unix ms (default `Date.now`; give a virtual one for tests). */
  now?: () => number;
  /** Sends a delivery (default: `fetch` to its URL). */
  deliver?: (delivery: Delivery) => DeliveryResult | Promise<DeliveryResult>;
  /** Told about every delivery sent by `pump` or `fetch`. */
  onDelivered?: ((delivery: Delivery, result: DeliveryResult) => void) | null;
}

/** One emulated ACS resource, in-process. */
export class AcsEmulator {
  constructor(options?: AcsEmulatorOptions);
  /** `endpoint=<origin>/;accesskey=<key>`. */
  readonly connectionString: string;
  /** The origin, without a trailing slash. */
  readonly origin: string;
  /** Handles one request; the caller sends `deliverFirst`. */
  handle(
    request: { method?: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array },
    now?: number,
  ): EmulatorResponse;
  /** Runs the simulation to `now`; returns the deliveries due. */
  advance(now?: number): Delivery[];
  /** When the next delivery is due, or null. */
  nextDue(): number | null;
  /** Reports a delivery's outcome. */
  delivered(id: number, status: number, body?: string, now?: number): void;
  /** Sends everything due through `deliver`, in order; resolves to how many were sent. */
  pump(): Promise<number>;
  /** A `fetch` that reaches the emulator in-process (give it to any HTTP client). */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Every request received and callback sent. */
  log(): LogEntry[];
  /** The simulated people (`GET /control/world`). */
  world(): {
    connectionString: string;
    resource: { endpoint: string; botId: string; phoneNumbers: string[]; immutableResourceId: string };
    eventGrid: WorldConfig['eventGrid'];
    eventGridValidated: boolean;
    customers: { phone: string; name: string; viaSbc: string | null; behavior: Behavior }[];
    agents: { id: string; name: string; behavior: Behavior }[];
    teams: Required<TeamsUser>[];
    /** What each Teams client showed when it rang (custom display names on desktop and web only). */
    sightings: { at: number; objectId: string; client: TeamsClient; shownCaller: string; customDisplayName: boolean }[];
    faults: Faults;
    faultCounts: Record<string, number>;
    now: number;
  };
  /** A customer calls in; the IncomingCall goes to the Event Grid webhook. */
  inbound(call: { from: string; to?: string; callerDisplayName?: string }): {
    serverCallId: string;
    correlationId: string;
    from: string;
    to: string;
    eventGridConfigured: boolean;
  };
  /**
   * A Teams user in the call starts (`active`) or stops (`inactive`) recording it from their
   * Teams client: the app hears of it through TeamsRecordingStateChanged. Throws (code
   * `not_found`, `conflict` — no Teams user in the call, already recording, not recording —
   * or `invalid_request`).
   */
  teamsRecording(callConnectionId: string, state: 'active' | 'inactive'): { recordingId: string; recordingState: 'active' | 'inactive'; recordingKind: 'teams' };
  /** Releases the wasm memory now; a second call does nothing, any other method then throws `freed`. */
  free(): void;
}

/** The demo world of `npm start`. */
export function demoWorld(): WorldConfig & Required<Pick<WorldConfig, 'agents' | 'teams' | 'customers'>>;

/** The default `deliver`: `fetch` with a 10 s timeout. */
export function fetchDelivery(delivery: Delivery): Promise<DeliveryResult>;
