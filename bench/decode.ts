/**
 * Client-side CPU cost of decoding a `search_read` answer of 10, 100 and 1,000 registrants
 * over each transport, using the exact decoders the transports use (JSON-RPC: decodeJsonRpc;
 * XML-RPC: the guarded `xmlrpc` package deserializer). Bodies are generated up front in the
 * shapes Odoo 17 sends (see odoo-wire), so only decoding is measured, with process.cpuUsage().
 *
 *   npx tsx bench/decode.ts
 */
import { createRequire } from 'node:module';
import { decodeJsonRpc } from '../src/odoo/jsonrpc.js';
import { decodeXmlRpc } from '../src/odoo/xmlrpc-codec.js';
import type { HttpReply } from '../src/odoo/http.js';

const require = createRequire(import.meta.url);
const Serializer = require('xmlrpc/lib/serializer.js') as { serializeMethodResponse(value: unknown): string };

function registrants(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => ({
    id: 1000 + i,
    name: i % 7 === 0 ? `Åsa Ñúñez 李雷 🙂 ${i}` : `DOE, JANE ${i}`,
    given_name: 'Jane',
    family_name: 'Doe',
    gender: i % 2 ? 'Female' : 'Male',
    birthdate: i % 3 ? '1990-05-17' : false,
    registration_date: '2026-11-28',
    income: 1234.5 + i,
    is_group: false,
    company_id: [1, 'My Company'],
    reg_ids: [i * 2, i * 2 + 1],
    phone_number_ids: [],
    write_date: '2026-11-28 09:00:46',
  }));
}

function jsonReply(records: unknown[]): HttpReply {
  // Odoo's json.dumps puts a space after ':' and ','; the shape, not the whitespace, matters here.
  return { status: 200, contentType: 'application/json; charset=utf-8', setSessionId: undefined, text: JSON.stringify({ jsonrpc: '2.0', id: 1, result: records }) };
}

function xmlReply(records: unknown[]): HttpReply {
  return { status: 200, contentType: 'text/xml; charset=utf-8', setSessionId: undefined, text: Serializer.serializeMethodResponse(records) };
}

async function measure(decode: () => unknown, minCpuMicros: number): Promise<{ perDecodeMicros: number; iterations: number }> {
  for (let i = 0; i < 5; i++) await decode(); // warm-up (JIT)
  const start = process.cpuUsage();
  let iterations = 0;
  let used = 0;
  while (used < minCpuMicros) {
    await decode();
    iterations++;
    const delta = process.cpuUsage(start);
    used = delta.user + delta.system;
  }
  return { perDecodeMicros: used / iterations, iterations };
}

const rows: string[] = [];
for (const count of [10, 100, 1000]) {
  const records = registrants(count);
  const json = jsonReply(records);
  const xml = xmlReply(records);
  const jsonCost = await measure(() => decodeJsonRpc(json), 300_000);
  const xmlCost = await measure(() => decodeXmlRpc(xml), 300_000);
  rows.push(
    `| ${String(count).padStart(5)} | ${(json.text.length / 1024).toFixed(1).padStart(7)} KiB | ${jsonCost.perDecodeMicros.toFixed(1).padStart(9)} µs | ` +
      `${(xml.text.length / 1024).toFixed(1).padStart(7)} KiB | ${xmlCost.perDecodeMicros.toFixed(1).padStart(9)} µs | ${(xmlCost.perDecodeMicros / jsonCost.perDecodeMicros).toFixed(1).padStart(5)}x |`,
  );
}
console.log(`search_read decode CPU (user+system per decode), node ${process.version}`);
console.log('| records | JSON body | JSON-RPC CPU | XML body | XML-RPC CPU | XML/JSON |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
