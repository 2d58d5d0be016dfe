// Peak overflow end to end in real workerd (wrangler dev) against ACS in a box, no mocks:
// customers call the queue number, the Worker answers them onto hold audio in the tenant's
// queue (one QueueObject), and with no agent free offers them to Teams knowledge workers by
// presence read from the emulator's Graph. Asserted on the emulator's request log (what ACS
// was asked), on the queue view (what the console shows) and on the Teams sightings.
// Needs a built Worker (npm test builds it first).
import test from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { api, startStack, until, DANA, ROBIN, SAM } from '../../scripts/stack.mjs';

const JO = '6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170';
const KIM = '11111111-2222-4333-8444-555555555555';
const QUEUE_NUMBER = '+18005550177';

/** The demo world plus Kim, Available, who declines; Dana leaves after `danaLeavesMs`. */
function world(danaLeavesMs = 90_000) {
  return (w) => {
    const dana = w.teams.find((t) => t.objectId === DANA);
    dana.behavior = { ...dana.behavior, leaveAfterMs: danaLeavesMs };
    w.teams.push({ ...dana, objectId: KIM, displayName: 'Kim Declines', behavior: { decline: true } });
    return w;
  };
}

/** contoso's overflow policy with `patch` merged in. */
function overflow(patch) {
  return (t) => {
    t.tenants.contoso.overflow = { ...t.tenants.contoso.overflow, ...patch };
    return t;
  };
}

const call = (stack, from) =>
  fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from, to: QUEUE_NUMBER }) });
const emulatorLog = async (stack) => (await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json()).entries;
const requests = async (stack) => (await emulatorLog(stack)).filter((e) => e.kind === 'request' && e.operation);
const queueView = async (stack) => (await api(stack.worker.url, 'GET', '/api/queue')).json;
const teamsOf = (e) => e.body?.participantToAdd?.microsoftTeamsUser?.userId ?? e.body?.targetParticipant?.microsoftTeamsUser?.userId;

test('all agents busy: the call overflows past Busy, Offline, no licence and a decline to the Available expert', async (t) => {
  const stack = await startStack({
    world: world(),
    policy: { reconcileAfterSeconds: 0 },
    mutateTenants: overflow({ groups: [{ name: 'Back office', order: 'priority', members: [ROBIN, JO, SAM, { objectId: KIM, displayName: 'Kim Declines' }, DANA] }] }),
  });
  t.after(() => stack.stop());
  const offline = await fetch(`${stack.emulator.url}/control/teams/${JO}`, { method: 'PATCH', body: JSON.stringify({ presence: 'Offline' }) });
  assert.equal(offline.status, 200, await offline.text());
  // Alex, the pool's only agent, has no console signed in to the queue: no agent is free.
  assert.equal((await call(stack, '+14255550123')).status, 202);
  const answered = await until(async () => {
    const v = await queueView(stack);
    return v?.calls?.find((c) => c.outcome?.kind === 'answered') && v;
  }, 40_000, 'the call to be answered by a knowledge worker');
  const c = answered.calls[0];
  assert.equal(c.outcome.by.objectId, DANA);
  assert.deepEqual(c.offers.map((o) => [o.name, o.outcome.kind]), [
    ['Sam Unlicensed', 'refused'],
    ['Kim Declines', 'declined'],
    ['Dana Expert', 'joined'],
  ]);
  assert.match(c.status, /^Answered by Dana Expert after \d+:\d\d$/);
  const sam = answered.knowledgeWorkers.find((w) => w.objectId === SAM);
  assert.match(sam.status, /^Not offered again: ACS refused the invitation \(403\/7604\)/);
  assert.equal(answered.knowledgeWorkers.find((w) => w.objectId === ROBIN).status, 'Not offered while Busy');
  assert.equal(answered.knowledgeWorkers.find((w) => w.objectId === JO).status, 'Not offered while Offline');
  // What ACS was asked, in order: answer, hold audio, three invitations, then the hold stopped.
  const ops = (await requests(stack)).map((e) => `${e.operation} ${e.status}`);
  assert.deepEqual(ops.slice(0, 2), ['answerCall 200', 'play 202']);
  const adds = (await requests(stack)).filter((e) => e.operation === 'addParticipant').map(teamsOf);
  assert.deepEqual(adds, [SAM, KIM, DANA]);
  assert.ok(ops.includes('cancelAllMediaOperations 202'), ops.join(', '));
  // Graph was asked for presence; Robin (Busy) and Jo (Offline) never rang.
  const truth = await (await fetch(`${stack.emulator.url}/control/world`)).json();
  assert.deepEqual(new Set(truth.sightings.map((s) => s.objectId)), new Set([KIM, DANA]));
  // The caller's display name in Dana's toast is the tenant's.
  assert.equal(truth.sightings.find((s) => s.objectId === DANA).shownCaller, 'Contoso Support');
});

test('two calls at once with one free knowledge worker: one rings her, the other waits; no double offer', async (t) => {
  const stack = await startStack({
    world: world(4_000),
    policy: { reconcileAfterSeconds: 0 },
    mutateTenants: overflow({ groups: [{ name: 'Solo', members: [DANA] }] }),
  });
  t.after(() => stack.stop());
  await Promise.all([call(stack, '+14255550123'), call(stack, '+14255550124')]);
  const first = await until(async () => {
    const v = await queueView(stack);
    return v?.calls?.length === 2 && v.calls.some((c) => c.outcome?.kind === 'answered') && v;
  }, 30_000, 'one call answered');
  const waiting = first.calls.find((c) => !c.outcome);
  assert.ok(waiting, 'the other call waits');
  assert.equal(waiting.offers.length, 0, 'not offered while Dana is busy');
  assert.match(waiting.status, /^Waiting \d+:\d\d: on hold$/);
  // Dana leaves the first call after 4 s: the queue ends it and offers her the second.
  const both = await until(async () => {
    const v = await queueView(stack);
    return v.calls.filter((c) => c.outcome?.kind === 'answered').length === 2 && v;
  }, 40_000, 'both calls answered in turn');
  assert.equal(both.stats.offers, 2);
  // ACS never had two invitations to Dana ringing at once: the second came after the first call ended.
  const log = await requests(stack);
  const adds = log.filter((e) => e.operation === 'addParticipant');
  const terminate = log.findIndex((e) => e.operation === 'terminateCall');
  assert.equal(adds.length, 2);
  assert.ok(terminate > 0 && log.indexOf(adds[1]) > terminate, 'second invitation after the first call ended');
});

test('nobody answers: the fallback message plays and the call ends; after hours: the closed message', async (t) => {
  const today = new Date().getUTCDay(); // 0 Sunday
  const names = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const stack = await startStack({
    policy: { reconcileAfterSeconds: 0 },
    world: (w) => ({ ...w, resource: { ...w.resource, phoneNumbers: [...w.resource.phoneNumbers, '+18005550166'] } }),
    mutateTenants: (t) => {
      t.tenants.contoso.routing.rules.push({ to: '+18005550166', action: 'queue' });
      t.tenants.contoso.overflow = {
        ...t.tenants.contoso.overflow,
        groups: [{ members: [JO] }],
        invitationTimeoutSeconds: 3,
        maxOffers: 1,
        fallback: { afterSeconds: 60, messageUrl: 'https://contoso.example/audio/we-will-call-you-back.wav', then: 'end' },
      };
      return t;
    },
  });
  t.after(() => stack.stop());
  assert.equal((await call(stack, '+14255550123')).status, 202);
  const ended = await until(async () => {
    const v = await queueView(stack);
    return v?.calls?.[0]?.outcome?.kind === 'fallbackEnded' && v;
  }, 30_000, 'the fallback to end the call');
  assert.equal(ended.calls[0].offers[0].outcome.kind, 'noAnswer');
  assert.equal(ended.stats.fallbacks, 1);
  const log = await requests(stack);
  const plays = log.filter((e) => e.operation === 'play').map((e) => e.body.playSources[0].file.uri);
  assert.deepEqual(plays, ['https://contoso.example/audio/hold-music.wav', 'https://contoso.example/audio/we-will-call-you-back.wav']);
  assert.equal(log.at(-1).operation, 'terminateCall');
  await stack.stop();

  // After hours: open only on a day that is not today.
  const closed = await startStack({
    policy: { reconcileAfterSeconds: 0 },
    mutateTenants: overflow({
      businessHours: { days: [names[(today + 1) % 7]], open: '00:00', close: '24:00' },
      afterHours: { messageUrl: 'https://contoso.example/audio/closed.wav' },
    }),
  });
  t.after(() => closed.stop());
  await call(closed, '+14255550123');
  const v = await until(async () => {
    const v = await queueView(closed);
    return v?.calls?.[0]?.outcome?.kind === 'afterHours' && v;
  }, 20_000, 'the after-hours path');
  assert.equal(v.calls[0].offers.length, 0);
  const ops = (await requests(closed)).map((e) => e.operation);
  assert.deepEqual(ops, ['answerCall', 'cancelAllMediaOperations', 'play', 'terminateCall']);
});

test('an agent signed in to the queue is offered the call first, live over the WebSocket', async (t) => {
  const stack = await startStack({ policy: { reconcileAfterSeconds: 0 } });
  t.after(() => stack.stop());
  const messages = [];
  const ws = new WebSocket(`${stack.worker.url.replace('http', 'ws')}/api/queue/events?ready=true&access_token=dev-agent-token-contoso-alex`);
  ws.on('message', (m) => messages.push(JSON.parse(String(m))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  t.after(() => ws.close());
  await until(() => messages.length > 0, 5_000, 'the hello view');
  assert.equal(messages[0].type, 'queue');
  // The sign-in's own push does not reach the new socket before its hello: one first view.
  assert.equal(messages[0].reason, 'hello');
  assert.equal(messages[0].queue.agents[0].signedIn, true);
  await call(stack, '+14255550123');
  const taken = await until(() => messages.find((m) => m.queue?.calls?.[0]?.outcome?.kind === 'answered'), 20_000, 'the agent to take the call');
  assert.deepEqual(taken.queue.calls[0].outcome.by, { kind: 'agent', id: 'alex' });
  assert.match(taken.queue.calls[0].status, /^Answered by Alex Agent after/);
  const adds = (await requests(stack)).filter((e) => e.operation === 'addParticipant');
  assert.equal(adds[0].body.participantToAdd.communicationUser.id, stack.tenants.tenants.contoso.agents[0].acsUserId);
  // Views arrived in order while it happened: waiting, ringing Alex, answered.
  const statuses = messages.map((m) => m.queue?.calls?.[0]?.status).filter(Boolean);
  assert.ok(statuses.some((s) => s.includes('ringing Alex Agent')), statuses.join(' | '));
});

test('an agent away from a signed-in console is offered the call once, then it overflows; a restart signs them out', async (t) => {
  const stack = await startStack({
    world: (w) => {
      w.agents[0].behavior = { ...w.agents[0].behavior, neverAnswer: true };
      return world()(w);
    },
    policy: { reconcileAfterSeconds: 0 },
    mutateTenants: overflow({ groups: [{ members: [DANA] }], invitationTimeoutSeconds: 4 }),
  });
  t.after(() => stack.stop());
  const ws = new WebSocket(`${stack.worker.url.replace('http', 'ws')}/api/queue/events?ready=true&access_token=dev-agent-token-contoso-alex`);
  const closed = new Promise((resolve) => ws.once('close', resolve));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await call(stack, '+14255550123');
  const v = await until(async () => {
    const v = await queueView(stack);
    return v?.calls?.[0]?.outcome?.kind === 'answered' && v;
  }, 40_000, 'the call to reach Dana');
  assert.deepEqual(v.calls[0].offers.map((o) => [o.name, o.outcome.kind]), [['Alex Agent', 'noAnswer'], ['Dana Expert', 'joined']]);
  assert.equal(v.calls[0].outcome.by.objectId, DANA);
  // A restart closes the console's socket: Alex is no longer in the pool, though nobody said so.
  await stack.restartWorker();
  await closed;
  const after = await until(async () => (await queueView(stack))?.agents, 15_000, 'the view after the restart');
  assert.deepEqual([after[0].signedIn, after[0].status], [false, 'Signed out']);
});

test('the caller hangs up while a knowledge worker rings: the offer is withdrawn, nobody is left ringing; an agent ending one is not an abandon', async (t) => {
  const stack = await startStack({
    world: (w) => {
      const dana = w.teams.find((p) => p.objectId === DANA);
      dana.behavior = { ...dana.behavior, answerAfterMs: 60_000 };
      return w;
    },
    policy: { reconcileAfterSeconds: 0 },
    mutateTenants: overflow({ groups: [{ members: [DANA] }], invitationTimeoutSeconds: 60 }),
  });
  t.after(() => stack.stop());
  await call(stack, '+14255550126');
  await until(async () => (await queueView(stack))?.calls?.[0]?.offers?.[0]?.outcome === null, 20_000, 'Dana to be offered the call');
  // The queue's offer is decided before its addParticipant reaches ACS: wait for ACS to ring her
  // (under load the request can be a moment behind the queue's view).
  const queued = await until(async () => {
    const truth = await (await fetch(`${stack.emulator.url}/control/calls`)).json();
    return truth.find((c) => !c.ended && c.participants.some((p) => p.rawId === '4:+14255550126') && c.ringing.length > 0);
  }, 20_000, 'Dana to ring');
  assert.deepEqual(queued.ringing, [`8:orgid:${DANA}`]);
  // The customer hangs up (the emulator's control API: what a person does).
  const left = await fetch(`${stack.emulator.url}/control/calls/${queued.callConnectionId}/leave`, { method: 'POST', body: JSON.stringify({ rawId: '4:+14255550126' }) });
  assert.equal(left.status, 200, await left.text());
  const v = await until(async () => {
    const v = await queueView(stack);
    return v?.calls?.[0]?.outcome?.kind === 'abandoned' && v;
  }, 20_000, 'the call to be abandoned');
  assert.deepEqual(v.calls[0].offers.map((o) => [o.name, o.outcome.kind]), [['Dana Expert', 'callerLeft']]);
  assert.match(v.calls[0].status, /^Caller hung up after \d+:\d\d$/);
  assert.match(v.knowledgeWorkers.find((w) => w.objectId === DANA).status, /^Free/);
  const after = await (await fetch(`${stack.emulator.url}/control/calls`)).json();
  assert.deepEqual(after.find((c) => c.callConnectionId === queued.callConnectionId).ringing, [], 'Dana no longer rings');

  // A second caller, ended by an agent while Dana rings (a nuisance call): said so, not abandoned.
  await call(stack, '+14255550127');
  const second = await until(async () => (await queueView(stack))?.calls?.find((c) => c.live && c.offers.some((o) => o.outcome === null)), 20_000, 'Dana to be offered the second call');
  const ended = await api(stack.worker.url, 'POST', `/api/calls/${second.callId}:terminate`);
  assert.equal(ended.status, 200, ended.text);
  const w = await until(async () => {
    const w = await queueView(stack);
    return w?.calls?.find((c) => c.callId === second.callId)?.outcome?.kind === 'endedByAgent' && w;
  }, 20_000, 'the second call to be ended by the agent');
  assert.match(w.calls.find((c) => c.callId === second.callId).status, /^Ended by an agent after \d+:\d\d$/);
  assert.equal(w.stats.abandoned, 1, 'only the first caller abandoned');
  await until(async () => /^Free/.test((await queueView(stack)).knowledgeWorkers.find((k) => k.objectId === DANA).status), 20_000, 'Dana free again');
});

test('an agent who joined another call is not offered queue calls until they leave it', async (t) => {
  const stack = await startStack({ policy: { reconcileAfterSeconds: 0 }, mutateTenants: overflow({ groups: [{ members: [DANA] }] }) });
  t.after(() => stack.stop());
  const alex = stack.tenants.tenants.contoso.agents[0];
  const ws = new WebSocket(`${stack.worker.url.replace('http', 'ws')}/api/queue/events?ready=true&access_token=dev-agent-token-contoso-alex`);
  t.after(() => ws.close());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  // A customer on the line the Worker answers for the agent (not the queue's number); Alex joins it.
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: '+14255550128' }) });
  const direct = await until(async () => (await api(stack.worker.url, 'GET', '/api/calls')).json.calls.find((c) => c.connectionState === 'connected'), 15_000, 'the direct call');
  const join = await api(stack.worker.url, 'POST', `/api/calls/${direct.callId}/participants`, { body: { participants: [{ acsUserId: alex.acsUserId }] } });
  assert.equal(join.status, 202, join.text);
  const busy = await until(async () => {
    const v = await queueView(stack);
    return v?.agents?.[0]?.status?.startsWith('On another call') && v;
  }, 15_000, 'Alex on another call in the queue view');
  assert.equal(busy.agents[0].signedIn, true);
  // A queue call now goes to Dana, not to Alex.
  await call(stack, '+14255550129');
  const v = await until(async () => {
    const v = await queueView(stack);
    return v?.calls?.[0]?.outcome?.kind === 'answered' && v;
  }, 30_000, 'the queue call to be taken');
  assert.deepEqual(v.calls[0].offers.map((o) => o.name), ['Dana Expert']);
  // Alex leaves the other call: free for the queue again.
  const truth = await (await fetch(`${stack.emulator.url}/control/calls`)).json();
  const other = truth.find((c) => !c.ended && c.participants.some((p) => p.rawId === alex.acsUserId));
  await fetch(`${stack.emulator.url}/control/calls/${other.callConnectionId}/leave`, { method: 'POST', body: JSON.stringify({ rawId: alex.acsUserId }) });
  await until(async () => (await queueView(stack))?.agents?.[0]?.status === 'Free', 15_000, 'Alex free again');
});

test('a waiting call survives a Worker restart and is still offered afterwards', async (t) => {
  const stack = await startStack({
    world: world(),
    policy: { reconcileAfterSeconds: 0 },
    mutateTenants: overflow({ groups: [{ members: [DANA] }], trigger: { waitedSeconds: 12 } }),
  });
  t.after(() => stack.stop());
  await call(stack, '+14255550123');
  await until(async () => (await queueView(stack))?.calls?.[0]?.stage === 'waiting', 15_000, 'the call to wait');
  await stack.restartWorker();
  const v = await until(async () => {
    const v = await queueView(stack);
    return v?.calls?.[0]?.outcome?.kind === 'answered' && v;
  }, 40_000, 'the call to be offered after the restart (queue alarm)');
  assert.ok(v.calls[0].waitedSeconds >= 12, `${v.calls[0].waitedSeconds}`);
});

test('a bad overflow policy is a clear error at load, naming the field', async () => {
  const cases = [
    [{ groups: [{ members: ['not-a-guid'] }] }, 'tenants.contoso.overflow.groups[0].members[0]'],
    [{ groups: [{ name: 'Empty', members: [] }] }, 'tenants.contoso.overflow.groups[0].members'],
    [{ invitationTimeoutSeconds: -5 }, 'tenants.contoso.overflow.invitationTimeoutSeconds'],
  ];
  // Not a document at all: 503 too, and no empty field named.
  const broken = await startStack({ mutateTenants: () => 'not a document', readyStatus: 503 });
  try {
    const r = await api(broken.worker.url, 'GET', '/api/me');
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json.error.code, 'bad_configuration');
    assert.equal('field' in r.json.error, false, r.text);
  } finally {
    await broken.stop();
  }
  for (const [patch, field] of cases) {
    // Health says so too: a deployment check fails rather than passing over a broken document.
    const stack = await startStack({ mutateTenants: overflow(patch), readyStatus: 503 });
    try {
      const health = await api(stack.worker.url, 'GET', '/api/health');
      assert.equal(health.json.ok, false);
      assert.ok(health.json.problem.startsWith(`TENANTS is invalid: ${field}: `), health.text);
      const r = await api(stack.worker.url, 'GET', '/api/me');
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.error.code, 'bad_configuration');
      assert.equal(r.json.error.field, field);
      assert.match(r.json.error.message, new RegExp(`TENANTS is invalid: ${field.replace(/[[\]().]/g, '\\$&')}: .+`));
    } finally {
      await stack.stop();
    }
  }
});
