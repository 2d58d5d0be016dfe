// The same minimal edge handler on the official SDK (bench: size and cold start): parse the
// callback with parseCallAutomationEvent, build the next signed request with a
// CallAutomationClient. The httpClient keeps the signed request instead of sending it (so a
// cold start measures no network); the bundle also carries the SDK's own fetch client, as a
// deployed handler would.
import { CallAutomationClient, parseCallAutomationEvent } from '@azure/communication-call-automation';
import { createHttpHeaders } from '@azure/core-rest-pipeline';

export async function handle(body, connectionString) {
  let sent;
  const httpClient = {
    async sendRequest(request) {
      sent = request;
      return { status: 202, headers: createHttpHeaders(), request, bodyAsText: '{}' };
    },
  };
  const client = new CallAutomationClient(connectionString, { httpClient });
  const event = parseCallAutomationEvent(body);
  await client
    .getCallConnection(event.callConnectionId)
    .addParticipant({ targetParticipant: { microsoftTeamsUserId: '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b' }, sourceDisplayName: 'Contoso Support' }, { operationContext: 'expert-1' });
  return sent;
}

export default {
  async fetch(request, env) {
    const req = await handle(await request.text(), env.ACS_CONNECTION_STRING);
    return new Response(`${req.method} ${req.url}`);
  },
};
