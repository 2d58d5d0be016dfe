// The two sides of the comparison with the official SDK (bench/compare.mjs), and what both are
// given: the same callback bodies, the same requests, the same handler decisions.
//
// Ours: the npm package (pkg/). Theirs: @azure/communication-call-automation 1.6.0 with
// @azure/communication-common 2.4.2, used as its README shows — a CallAutomationClient, a fresh
// `getCallConnection(id)` per request — with an `httpClient` that captures the request after every
// pipeline policy (signing included) and answers it locally instead of sending it.
import { readFileSync, readdirSync } from 'node:fs';
import { CallAutomationClient, parseCallAutomationEvent } from '@azure/communication-call-automation';
import { getIdentifierRawId } from '@azure/communication-common';
import { createHttpHeaders } from '@azure/core-rest-pipeline';

export const CS = 'endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
/** What the SDK 1.6.0 sends (SPEC §8); our default is 2025-05-15. */
export const API_VERSION = '2026-03-12';
export const CALL = '401f3500-62bd-46a9-8c09-9e1b06caca01';
export const EXPERTS = {
  dana: '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b',
  robin: '2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f',
  jo: '6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170',
};
const CALLBACK_URI = 'https://app.contoso.example/api/callbacks/contoso/call-1';
const PROMPT = 'https://cdn.contoso.example/prompts/greeting.wav';

// ---- the corpus ------------------------------------------------------------------------------

/** Whitespace outside strings removed, escapes (`\u002B`) kept: the bytes as ACS sends them. */
export function wireForm(text) {
  return text.replace(/("(?:[^"\\]|\\.)*")|\s+/g, (_, s) => s ?? '');
}

/**
 * The callback fixtures (tests/fixtures/events: 16 types and one unknown), in wire form, in
 * file order: `{name, body}`.
 */
export function corpus() {
  const dir = new URL('../tests/fixtures/events/', import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/^\d+_|\.json$/g, ''), file: f, body: wireForm(readFileSync(new URL(f, dir), 'utf8')) }));
}

// ---- the requests ----------------------------------------------------------------------------

/**
 * The seven requests of the build benchmark, each as our `buildRequest` params and as the SDK
 * call that sends the same request. Where the SDK fills a random `operationContext`, both are
 * given one, so the bodies can be compared.
 */
export const REQUESTS = [
  {
    name: 'addParticipant',
    ours: { callConnectionId: CALL, participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: EXPERTS.dana } }, sourceDisplayName: 'Contoso Support', invitationTimeoutInSeconds: 30, operationContext: 'expert-1' },
    sdk: (c) => c.getCallConnection(CALL).addParticipant({ targetParticipant: { microsoftTeamsUserId: EXPERTS.dana }, sourceDisplayName: 'Contoso Support' }, { operationContext: 'expert-1', invitationTimeoutInSeconds: 30 }),
  },
  {
    name: 'createCall',
    ours: { targets: [{ kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: EXPERTS.dana } }], callbackUri: CALLBACK_URI, operationContext: 'create-1' },
    sdk: (c) => c.createCall({ targetParticipant: { microsoftTeamsUserId: EXPERTS.dana } }, CALLBACK_URI, { operationContext: 'create-1' }),
  },
  {
    name: 'playToAll',
    ours: { callConnectionId: CALL, playSources: [{ kind: 'file', file: { uri: PROMPT } }], playOptions: { loop: false }, operationContext: 'greeting' },
    sdk: (c) => c.getCallConnection(CALL).getCallMedia().playToAll([{ kind: 'fileSource', url: PROMPT }], { operationContext: 'greeting' }),
  },
  {
    name: 'startRecording',
    ours: { callConnectionId: CALL },
    sdk: (c) => c.getCallRecording().start({ callConnectionId: CALL }),
  },
  {
    name: 'transferToParticipant',
    ours: { callConnectionId: CALL, targetParticipant: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: EXPERTS.robin } }, operationContext: 'transfer-1' },
    sdk: (c) => c.getCallConnection(CALL).transferCallToParticipant({ microsoftTeamsUserId: EXPERTS.robin }, { operationContext: 'transfer-1' }),
  },
  { name: 'terminateCall', ours: { callConnectionId: CALL }, sdk: (c) => c.getCallConnection(CALL).hangUp(true) },
  { name: 'hangupCall', ours: { callConnectionId: CALL }, sdk: (c) => c.getCallConnection(CALL).hangUp(false) },
];

// ACS's answers, so the SDK's operations complete as against the service (status, body).
const RESPONSES = [
  [/\/callConnections\?/, 201, JSON.stringify({ callConnectionId: CALL, serverCallId: 'srv', callbackUri: CALLBACK_URI, callConnectionState: 'connecting', targets: [] })],
  [/:add\?/, 202, JSON.stringify({ operationContext: 'expert-1', invitationId: '3b6c2b57-52a1-4d5b-a2c1-c4a0bde7b0f1' })],
  [/:play\?/, 202, ''],
  [/\/recordings\?/, 200, JSON.stringify({ recordingId: 'rec-1', recordingState: 'inactive' })],
  [/:transferToParticipant\?/, 202, JSON.stringify({ operationContext: 'transfer-1' })],
  [/:terminate\?/, 204, ''],
  [/./, 204, ''],
];

/**
 * A CallAutomationClient whose `httpClient` keeps the last request (after signing) and answers
 * as ACS would, without a network.
 */
export function sdkClient() {
  const captured = { last: null, count: 0 };
  const headers = createHttpHeaders();
  const httpClient = {
    async sendRequest(request) {
      captured.last = request;
      captured.count += 1;
      const [, status, bodyAsText] = RESPONSES.find(([re]) => re.test(request.url));
      return { status, headers, request, bodyAsText };
    },
  };
  return { client: new CallAutomationClient(CS, { httpClient }), captured };
}

// ---- a callback handler, both ways -----------------------------------------------------------

/**
 * The order a call's callbacks arrive in for the end-to-end benchmark: the corpus, with the
 * transfer accepted last before the hang-up (after it the call is no longer connected).
 */
export const CALL_ORDER = [
  'CallConnected', 'ParticipantsUpdated', 'AddParticipantSucceeded', 'ParticipantsUpdated_teams', 'AddParticipantFailed',
  'RemoveParticipantSucceeded', 'CancelAddParticipantSucceeded', 'PlayStarted', 'PlayCompleted', 'PlayFailed',
  'RecognizeCompleted', 'RecordingStateChanged', 'StartRecordingFailed', 'CallTransferFailed', 'CallTransferAccepted',
  'CallDisconnected', 'Unknown_TeamsFutureEvent',
];

const teams = (userId) => ({ kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId } });
const play = (ctx) => ({ operation: 'playToAll', playSources: [{ kind: 'file', file: { uri: PROMPT } }], operationContext: ctx });

/**
 * The handler's decision for an event (the same code on both sides): what to ask ACS for next,
 * by event type and the roster counter. Whether it is allowed is for the call's state to say.
 */
export function decide(type, callConnectionId) {
  const on = { callConnectionId };
  switch (type) {
    case 'CallConnected':
      return { ...play('greeting'), ...on };
    case 'ParticipantsUpdated':
      return { operation: 'startRecording', ...on };
    case 'AddParticipantSucceeded':
    case 'RemoveParticipantSucceeded':
    case 'PlayCompleted':
    case 'PlayFailed':
    case 'RecognizeCompleted':
    case 'RecordingStateChanged':
    case 'StartRecordingFailed':
    case 'CallTransferFailed':
      return { ...play(`after-${type}`), ...on };
    case 'AddParticipantFailed':
      return { operation: 'addParticipant', participantToAdd: teams(EXPERTS.robin), sourceDisplayName: 'Contoso Support', invitationTimeoutInSeconds: 30, operationContext: 'expert-2', ...on };
    case 'CancelAddParticipantSucceeded':
      return { operation: 'addParticipant', participantToAdd: teams(EXPERTS.jo), sourceDisplayName: 'Contoso Support', invitationTimeoutInSeconds: 30, operationContext: 'expert-3', ...on };
    case 'CallTransferAccepted':
      return { operation: 'hangupCall', ...on };
    case 'CallDisconnected':
      return { operation: 'terminateCall', ...on };
    default:
      return null; // PlayStarted; an unknown event
  }
}

/** The SDK side's decision input: its event `kind` (an unknown type throws in the SDK). */
export function sdkParse(body) {
  try {
    return parseCallAutomationEvent(body);
  } catch (e) {
    if (e instanceof TypeError && /Unknown Call Automation Event type/.test(e.message)) return null;
    throw e;
  }
}

/**
 * The hand-written call state an SDK user writes for the same handler: connection state,
 * roster, invitations, recording — and the same refusals the package's rules make for the
 * actions `decide` takes (call ended; mid-call actions need a connected call; no second
 * invitation of someone ringing or present; one recording at a time).
 */
export class SdkCallState {
  state = 'unknown';
  ended = false;
  present = new Set();
  ringing = new Map(); // rawId → operationContext
  recording = null;
  pending = new Map(); // operationContext → operation

  apply(e) {
    switch (e.kind) {
      case 'CallConnected':
        this.state = 'connected';
        break;
      case 'CallTransferAccepted':
        this.state = 'transferAccepted';
        break;
      case 'CallDisconnected':
        this.state = 'disconnected';
        this.ended = true;
        this.present.clear();
        break;
      case 'ParticipantsUpdated':
        this.present = new Set(e.participants.map((p) => getIdentifierRawId(p.identifier)));
        for (const raw of this.present) this.ringing.delete(raw);
        break;
      case 'AddParticipantSucceeded':
        this.ringing.delete(getIdentifierRawId(e.participant));
        this.present.add(getIdentifierRawId(e.participant));
        break;
      case 'AddParticipantFailed':
        this.ringing.delete(getIdentifierRawId(e.participant));
        break;
      case 'RemoveParticipantSucceeded':
        this.present.delete(getIdentifierRawId(e.participant));
        break;
      case 'RecordingStateChanged':
        this.recording = e.state;
        break;
      case 'StartRecordingFailed':
        this.recording = 'failed';
        break;
      default:
    }
    if (e.operationContext) this.pending.delete(e.operationContext);
  }

  can(action) {
    if (this.ended) return false;
    const op = action.operation;
    if (op !== 'hangupCall' && op !== 'terminateCall' && this.state !== 'connected') return false;
    if (op === 'addParticipant') {
      const raw = `8:orgid:${action.participantToAdd.microsoftTeamsUser.userId}`;
      if (this.present.has(raw) || this.ringing.has(raw)) return false;
    }
    if (op === 'startRecording' && this.recording !== null && this.recording !== 'failed' && this.recording !== 'inactive') return false;
    return true;
  }

  record(action) {
    if (action.operationContext) this.pending.set(action.operationContext, action.operation);
    if (action.operation === 'addParticipant') this.ringing.set(`8:orgid:${action.participantToAdd.microsoftTeamsUser.userId}`, action.operationContext);
    if (action.operation === 'startRecording') this.recording = 'starting';
  }
}

/** Sends `action` with the SDK, idiomatically (a fresh `getCallConnection(id)` per request). */
export function sdkSend(client, action) {
  const call = client.getCallConnection(action.callConnectionId);
  switch (action.operation) {
    case 'playToAll':
      return call.getCallMedia().playToAll([{ kind: 'fileSource', url: action.playSources[0].file.uri }], { operationContext: action.operationContext });
    case 'addParticipant':
      return call.addParticipant(
        { targetParticipant: { microsoftTeamsUserId: action.participantToAdd.microsoftTeamsUser.userId }, sourceDisplayName: action.sourceDisplayName },
        { operationContext: action.operationContext, invitationTimeoutInSeconds: action.invitationTimeoutInSeconds },
      );
    case 'startRecording':
      return client.getCallRecording().start({ callConnectionId: action.callConnectionId });
    case 'hangupCall':
      return call.hangUp(false);
    case 'terminateCall':
      return call.hangUp(true);
    default:
      throw new Error(`no SDK mapping for ${action.operation}`);
  }
}
