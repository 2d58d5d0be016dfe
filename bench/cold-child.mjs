// One cold start (bench/cold.mjs runs this in a fresh `node` each time): import the library,
// parse one callback, build one signed request, exit. `node bench/cold-child.mjs ours|sdk|bare`.
const side = process.argv[2];
const CS = 'endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const BODY =
  '[{"id":"00000003-1111-4222-8333-000000000003","source":"calling/callConnections/401f3500-62bd-46a9-8c09-9e1b06caca01","type":"Microsoft.Communication.CallConnected","data":{"version":"2025-05-15","operationContext":"create-1","resultInformation":{"code":200,"subCode":0,"message":""},"callConnectionId":"401f3500-62bd-46a9-8c09-9e1b06caca01","serverCallId":"aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29tL2FwaS92Mi9jcA","correlationId":"d4f4c1be-59d8-4850-b9bf-ee564c15839d","publicEventType":"Microsoft.Communication.CallConnected"},"time":"2025-04-01T12:00:05+00:00","specversion":"1.0","datacontenttype":"application/json","subject":"calling/callConnections/401f3500-62bd-46a9-8c09-9e1b06caca01"}]';
const DANA = '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';

let url;
if (side === 'ours') {
  const sb = await import('../pkg/node.js');
  const [event] = sb.parseEvents(BODY);
  const params = { callConnectionId: event.callConnectionId, participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: DANA } }, sourceDisplayName: 'Contoso Support', operationContext: 'expert-1' };
  url = sb.buildRequest('addParticipant', params, CS, { apiVersion: '2026-03-12' }).url;
} else if (side === 'sdk') {
  const { CallAutomationClient, parseCallAutomationEvent } = await import('@azure/communication-call-automation');
  const { createHttpHeaders } = await import('@azure/core-rest-pipeline');
  const httpClient = {
    async sendRequest(request) {
      url = request.url;
      return { status: 202, headers: createHttpHeaders(), request, bodyAsText: '{}' };
    },
  };
  const event = parseCallAutomationEvent(BODY);
  await new CallAutomationClient(CS, { httpClient })
    .getCallConnection(event.callConnectionId)
    .addParticipant({ targetParticipant: { microsoftTeamsUserId: DANA }, sourceDisplayName: 'Contoso Support' }, { operationContext: 'expert-1' });
} else if (side !== 'bare') {
  throw new Error('usage: node bench/cold-child.mjs ours|sdk|bare');
}
if (side !== 'bare' && !url?.includes('/participants:add?api-version=2026-03-12')) throw new Error(`${side}: no request built`);
process.stdout.write(`${side} ok\n`);
