/**
 * The gateway alone in its own process, so the bench measures it the way it is deployed (its
 * own event loop and core, apart from Odoo and the load generator) and its resident memory is
 * its own. Started by gateway-child.ts with its Odoo as the first argument (JSON), a Redis URL
 * for shared state as the second (empty: none) and configuration sections to add as the third
 * (JSON); speaks over the IPC channel only.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';
import type { ChildReply, ChildRequest } from './gateway-child.js';
import { benchConfig, type BenchOdoo, type BenchSections } from './support.js';

const [odooArg, redisUrl, sectionsArg] = process.argv.slice(2);
if (!odooArg || !process.send) {
  console.error('gateway-process.ts is started by bench/gateway-child.ts (IPC) with the Odoo (JSON: a URL or settings) as argument');
  process.exit(2);
}
const send = (reply: ChildReply) => process.send!(reply);

// tsx turns source-mapped stack traces on; `node dist/server.js` runs without them. Off, so
// errors made on the hot path (undici notes every socket Odoo closes) cost what they cost in
// production rather than a source-map lookup each.
process.setSourceMapsEnabled(false);

const app = buildApp(
  benchConfig(JSON.parse(odooArg) as string | BenchOdoo, redisUrl || undefined, sectionsArg ? (JSON.parse(sectionsArg) as BenchSections) : {}),
);
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as AddressInfo;

process.on('message', (request: ChildRequest) => {
  if (request.type === 'usage') {
    // A forced collection first, when asked, so "after" figures show what is still referenced
    // rather than garbage the collector has not yet had a reason to reclaim.
    if (request.collectGarbage) globalThis.gc?.();
    send({ type: 'usage', memory: process.memoryUsage(), cpu: process.cpuUsage(), maxRssBytes: process.resourceUsage().maxRSS * 1024 });
  } else if (request.type === 'stop') {
    void app.close().then(() => process.exit(0));
  }
});
// The bench process gone (finished or crashed) means nobody will ever stop this one.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', origin: `http://127.0.0.1:${port}` });
