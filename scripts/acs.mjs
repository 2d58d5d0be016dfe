// Sends one signed ACS Call Automation request (or prints it as a curl command), built by the
// npm package — for scripting calls against the emulator or a real resource from a shell.
//
//   node scripts/acs.mjs <operation> '<params JSON>'          sends it, prints status and body
//   node scripts/acs.mjs --curl <operation> '<params JSON>'   prints a curl command instead
//
// Connection string: $ACS_CONNECTION_STRING, default the local emulator's.
import * as sb from '../pkg/node.js';

const DEFAULT = 'endpoint=http://127.0.0.1:8788/;accesskey=U3dpdGNoYm9hcmQtQUNTLWVtdWxhdG9yLWRldi1rZXk=';
const args = process.argv.slice(2);
const curl = args[0] === '--curl';
const [operation, params = '{}'] = curl ? args.slice(1) : args;
if (!operation) {
  console.error("usage: node scripts/acs.mjs [--curl] <operation> '<params JSON>'");
  process.exit(2);
}
const cs = process.env.ACS_CONNECTION_STRING ?? DEFAULT;
try {
  const req = sb.buildRequest(operation, JSON.parse(params), cs);
  if (curl) {
    const q = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
    const headers = Object.entries(req.headers).map(([k, v]) => `-H ${q(`${k}: ${v}`)}`).join(' ');
    console.log(`curl -s -X ${req.method} ${headers}${req.body ? ` --data ${q(req.body)}` : ''} ${q(req.url)}`);
  } else {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined });
    console.log(res.status, await res.text());
  }
} catch (e) {
  console.error(`${e.code ?? 'error'}${e.field ? ` (${e.field})` : ''}: ${e.message}`);
  process.exit(1);
}
