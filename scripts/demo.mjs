// The expert-consultation story, run through the npm package: events in, call state and the
// Teams-interop rules out, signed requests built for each command. Everything printed is real
// output of the package; the events are what ACS would send (SPEC §3, §9).
import * as sb from '../pkg/node.js';

const CS = 'endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const CALL = '401f3500-62bd-46a9-8c09-9e1b06caca01';
const EXPERT = '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';
const CUSTOMER = '+14255550123';
const AGENT = '8:acs:b9614373-fd0b-480c-8fd2-cb58b70eab9f_00000021-5f2e-4f3a-85f4-343a0d00e64f';
const T0 = Date.UTC(2025, 3, 1, 12, 0, 0);

const teams = { kind: 'microsoftTeamsUser', rawId: `8:orgid:${EXPERT}`, microsoftTeamsUser: { userId: EXPERT, isAnonymous: false, cloud: 'public' } };
const phone = { kind: 'phoneNumber', rawId: `4:${CUSTOMER}`, phoneNumber: { value: CUSTOMER } };
const agent = { kind: 'communicationUser', rawId: AGENT, communicationUser: { id: AGENT } };

let n = 0;
function callback(type, seconds, data) {
  n += 1;
  return JSON.stringify([{
    id: `demo-${n}`,
    source: `calling/callConnections/${CALL}`,
    type: `Microsoft.Communication.${type}`,
    data: { callConnectionId: CALL, serverCallId: 'demo-server-call', correlationId: 'demo-correlation', ...data },
    time: new Date(T0 + seconds * 1000).toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/json',
  }]);
}
const roster = (seconds, seq, who) => callback('ParticipantsUpdated', seconds, { sequenceNumber: seq, participants: who.map((identifier) => ({ identifier, isMuted: false, isOnHold: false })) });
const at = (seconds) => new Date(T0 + seconds * 1000).toISOString().slice(11, 19);
const say = (line) => console.log(line);
const show = (label, req) => say(`    → ${req.method} ${req.url.replace('https://contoso.communication.azure.com', '')}${req.body ? `  ${req.body.length} B body` : ''}  [${label}]`);

const state = new sb.CallState();
const apply = (body) => {
  for (const outcome of state.apply(body)) {
    for (const c of outcome.changes ?? []) {
      if (c.change === 'participant') say(`    · ${c.rawId} is ${c.status}${c.result ? ` (${c.result.code}/${c.result.subCode})` : ''}`);
      if (c.change === 'connection') say(`    · call ${c.state}`);
      if (c.change === 'recording') say(`    · recording ${c.status}`);
      if (c.change === 'operation') say(`    · ${c.operation ?? 'operation'} "${c.operationContext}" ${c.succeeded ? 'succeeded' : 'failed'} (${c.event})`);
    }
    if (outcome.outcome !== 'applied') say(`    · ${outcome.outcome}`);
  }
};
const check = (action) => {
  const v = state.can(action);
  say(`    ${v.allowed ? '✔ allowed' : `✘ refused by ${v.rule}: ${v.reason}`}`);
  return v.allowed;
};

say('Switchboard demo — expert consultation, run through the npm package (pkg/)\n');
say(`[${at(0)}] The customer (${CUSTOMER}) is connected to the agent.`);
apply(callback('CallConnected', 0, { operationContext: 'inbound' }));
apply(roster(1, 1, [phone, agent]));

say(`\n[${at(10)}] The agent asks for an expert: Teams user ${EXPERT}, shown as "Contoso Support".`);
const add = { operation: 'addParticipant', callConnectionId: CALL, participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: EXPERT } }, sourceDisplayName: 'Contoso Support', invitationTimeoutInSeconds: 30, operationContext: 'expert-1' };
if (check(add)) {
  const { operation, ...params } = add;
  show('signed, with Repeatability', sb.buildRequest(operation, params, CS, { date: T0 + 10000 }));
  state.recordCommand(add, { at: T0 + 10000, by: 'agent-7' });
  state.recordResponse('addParticipant', { status: 202, body: { invitationId: 'inv-1', operationContext: 'expert-1' }, operationContext: 'expert-1' });
  say('    · the expert\'s Teams client rings');
}
say('    A retry of the same click is refused, so the expert is never invited twice:');
check(add);

say(`\n[${at(20)}] The expert answers.`);
apply(callback('AddParticipantSucceeded', 20, { operationContext: 'expert-1', participant: teams, resultInformation: { code: 200, subCode: 0, message: 'Action completed successfully.' } }));
apply(roster(21, 2, [phone, agent, teams]));

say(`\n[${at(30)}] Teams interop limits, checked before anything is sent:`);
say('  • collect the customer\'s account number by DTMF');
check({ operation: 'recognize', recognizeInputType: 'dtmf' });
say('  • blind transfer to the expert');
check({ operation: 'transferToParticipant', targetParticipant: teams });
say('  • start recording');
if (check({ operation: 'startRecording' })) {
  show('signed', sb.buildRequest('startRecording', { callConnectionId: CALL }, CS, { date: T0 + 30000 }));
  state.recordCommand({ operation: 'startRecording', operationContext: 'rec-1' }, { at: T0 + 30000, by: 'agent-7' });
  state.recordResponse('startRecording', { status: 200, body: { recordingId: 'rec-1', recordingState: 'inactive' }, operationContext: 'rec-1' });
  apply(callback('RecordingStateChanged', 31, { recordingId: 'rec-1', state: 'active', startDateTime: new Date(T0 + 31000).toISOString(), recordingKind: 'azureCommunicationServices' }));
}
say('  • stop that recording (it started after the Teams user joined)');
check({ operation: 'stopRecording' });
say('  • pause it instead');
if (check({ operation: 'pauseRecording' })) apply(callback('RecordingStateChanged', 40, { recordingId: 'rec-1', state: 'inactive' }));

say(`\n[${at(140)}] The expert has helped and leaves; the agent and the customer carry on.`);
apply(roster(140, 3, [phone, agent]));

say(`\n[${at(200)}] The agent ends the call for everyone.`);
show('signed, with Repeatability', sb.buildRequest('terminateCall', { callConnectionId: CALL }, CS, { date: T0 + 200000 }));
apply(callback('CallDisconnected', 201, { operationContext: 'terminate', resultInformation: { code: 200, subCode: 7000, message: 'The conversation has ended.' } }));

const snap = state.snapshot();
say('\nTimeline from CallState.snapshot():');
for (const p of snap.participants) {
  const stays = p.stays.map((s) => `joined ${at((s.joinedAt - T0) / 1000)}, left ${s.leftAt ? at((s.leftAt - T0) / 1000) : '—'}`).join('; ');
  say(`  ${p.identifier.kind.padEnd(18)} ${p.identifier.rawId.slice(0, 46).padEnd(46)} ${p.status.padEnd(8)} ${stays}`);
}
const rec = snap.recording;
say(`  recording ${rec.recordingId}: ${rec.status}, started by ${rec.startedBy} at ${at((rec.startedAt - T0) / 1000)}, after a Teams user joined: ${rec.startedAfterTeamsJoined}`);
say(`  events applied: ${snap.eventsApplied}; call ended: ${snap.ended}`);
say('\nNext: `npm test` runs every test; the README shows the JS and Rust APIs.');
