/**
 * Throughput of the Odoo simulator itself for a 10-record search_read, over XML-RPC and
 * JSON-RPC. Run: `npx tsx bench/sim-throughput.ts [durationSeconds] [connections]`.
 * Each request opens its own connection, since the simulator (like Odoo) closes every one.
 */
import autocannon from 'autocannon';
import { startSimulator } from '../src/sim/index.js';
import { methodCall } from '../src/sim/wire/xmlrpc.js';

const duration = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 10);

const sim = await startSimulator({ adminPassword: 'bench', households: 40 });
const domain = [['is_registrant', '=', true], ['is_group', '=', false]];
const kwargs = { fields: ['name', 'gender', 'birthdate', 'income', 'registration_date'], limit: 10, order: 'id asc' };

const targets = [
  {
    name: 'xmlrpc search_read x10',
    path: '/xmlrpc/2/object',
    contentType: 'text/xml',
    body: methodCall('execute_kw', ['g2p', 2, 'bench', 'res.partner', 'search_read', [domain], kwargs]),
  },
  {
    name: 'jsonrpc search_read x10',
    path: '/jsonrpc',
    contentType: 'application/json',
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: ['g2p', 2, 'bench', 'res.partner', 'search_read', [domain], kwargs] }, id: 1 }),
  },
];

for (const target of targets) {
  sim.resetCalls();
  const result = await autocannon({
    url: `${sim.url}${target.path}`,
    method: 'POST',
    headers: { 'content-type': target.contentType },
    body: target.body,
    duration,
    connections,
  });
  const ok = result.non2xx === 0 && result.errors === 0;
  // autocannon's latency histogram is not meaningful when the server closes every connection
  // (it includes reconnect queueing), so only the simulator-counted throughput is reported.
  const served = sim.calls.length;
  console.log(
    `${target.name}: ${(served / duration).toFixed(0)} req/s served (${served} calls logged by the simulator, autocannon counted ${result.requests.total}; ${ok ? 'all 200' : `${result.non2xx} non-2xx, ${result.errors} errors`})`,
  );
}
await sim.close();
