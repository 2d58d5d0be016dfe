// Compile-time tests of pkg/index.d.ts (run by `tsc -p tests/js`): precise types narrow, and
// every `@ts-expect-error` below must really be an error, or the check fails.
import {
  buildRequest,
  CallState,
  identifierFromRawId,
  parseEvents,
  type AcsEvent,
  type BuiltRequest,
  type SwitchboardError,
} from '@switchboard/call-automation';

const cs = 'endpoint=https://contoso.communication.azure.com/;accesskey=AAAA';

export function onCallback(body: string): string[] {
  const out: string[] = [];
  for (const ev of parseEvents(body)) {
    switch (ev.type) {
      case 'AddParticipantFailed':
        out.push(`${ev.participant.rawId} ${ev.resultInformation?.subCode ?? 0}`);
        break;
      case 'ParticipantsUpdated':
        out.push(...ev.participants.map((p) => p.identifier.rawId));
        break;
      case 'RecordingStateChanged':
        out.push(ev.state);
        break;
      case 'IncomingCall':
        out.push(ev.incomingCallContext);
        break;
      case 'Unknown':
        out.push(ev.eventType);
        break;
      case 'CallConnected':
        // @ts-expect-error CallConnected carries no participant
        out.push(ev.participant.rawId);
        break;
    }
  }
  return out;
}

export function identifiers(): string {
  const id = identifierFromRawId('8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b');
  if (id.kind === 'microsoftTeamsUser') return id.microsoftTeamsUser.cloud;
  // @ts-expect-error only a Teams user has microsoftTeamsUser
  return id.microsoftTeamsUser.userId;
}

export function requests(): BuiltRequest[] {
  const add = buildRequest('addParticipant', { callConnectionId: 'c', participantToAdd: { rawId: '8:orgid:x' }, sourceDisplayName: 'Contoso' }, cs, { date: new Date() });
  const create = buildRequest('createCall', { targets: [{ microsoftTeamsUser: { userId: 'x' } }], callbackUri: 'https://a.b/cb' }, cs);
  // @ts-expect-error addParticipant needs participantToAdd
  buildRequest('addParticipant', { callConnectionId: 'c' }, cs);
  // @ts-expect-error no such operation
  buildRequest('teleport', {}, cs);
  // @ts-expect-error recognizeInputType is a closed set
  buildRequest('recognize', { callConnectionId: 'c', recognizeInputType: 'telepathy', recognizeOptions: { targetParticipant: { rawId: '4:+1' } } }, cs);
  return [add, create];
}

export function state(ev: AcsEvent): boolean {
  const s = new CallState();
  s.apply(JSON.stringify([ev]));
  const v = s.can({ operation: 'recognize', recognizeInputType: 'dtmf' });
  // @ts-expect-error `can` needs an operation
  s.can({ recognizeInputType: 'dtmf' });
  const snap = s.snapshot();
  const ringing = snap.participants.filter((p) => p.status === 'ringing').length;
  // A Teams-side recording is its own, optional view; its changes their own kind.
  const teamsActive: boolean = snap.teamsRecording?.status === 'active';
  // @ts-expect-error may be absent
  const teamsKind: string | null = snap.teamsRecording.kind;
  const changes = s.apply('[]').flatMap((o) => (o.outcome === 'applied' ? o.changes : []));
  const teamsChanges = changes.filter((c) => c.change === 'teamsRecording').map((c) => (c.change === 'teamsRecording' ? c.status : null));
  void [teamsActive, teamsKind, teamsChanges];
  return v.allowed ? ringing > 0 : v.rule === 'dtmf_not_in_teams_calls' && v.reason.length > 0;
}

export function errors(e: unknown): string | undefined {
  const err = e as SwitchboardError;
  return err.code === 'invalid_params' ? err.field : undefined;
}

// Log replay and plain-words results.
import { describeResult, type LogRecord } from '@switchboard/call-automation';
export function replay(records: LogRecord[]): string | undefined {
  const s = new CallState();
  for (const r of records) s.applyLogRecord(r);
  // @ts-expect-error: the code is a number
  describeResult('403');
  return describeResult(403, 7604);
}

// A callback handler: events with their outcomes, then a checked, signed, recorded command.
import type { CommandResult, ReceivedEvent } from '@switchboard/call-automation';
export function handler(s: CallState, body: string): CommandResult | null {
  const received: ReceivedEvent[] = s.receive(body);
  for (const r of received) {
    if (r.outcome !== 'applied' || r.event.type !== 'AddParticipantFailed') continue;
    const result = s.command(
      { operation: 'addParticipant', callConnectionId: r.event.callConnectionId, participantToAdd: { rawId: '8:orgid:y' }, sourceDisplayName: 'Contoso' },
      cs,
      { apiVersion: '2026-03-12', by: 'agent-7' },
    );
    if (result.allowed) return result.request.body === null ? null : result;
    // @ts-expect-error a refusal carries no request
    return result.request;
  }
  // @ts-expect-error a command needs its operation's required params
  s.command({ operation: 'addParticipant', callConnectionId: 'c' }, cs);
  return null;
}
