// The minimal edge handler on the package (bench: size and cold start): parse the callback,
// build the next signed request. Bundled with esbuild; the wasm is a separate module.
import { init, parseEvents, buildRequest } from '../../pkg/web.js';
import wasm from './switchboard_bg.wasm';

const ready = init(wasm);

export async function handle(body, connectionString) {
  await ready;
  const [event] = parseEvents(body);
  return buildRequest(
    'addParticipant',
    {
      callConnectionId: event.callConnectionId,
      participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b' } },
      sourceDisplayName: 'Contoso Support',
      operationContext: 'expert-1',
    },
    connectionString,
    { apiVersion: '2026-03-12' },
  );
}

export default {
  async fetch(request, env) {
    const req = await handle(await request.text(), env.ACS_CONNECTION_STRING);
    return new Response(`${req.method} ${req.url}`);
  },
};
