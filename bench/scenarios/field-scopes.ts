/**
 * Scenario 12 (real Odoo only): field scopes. The same list read (`GET /api/v1/individuals`,
 * a page of 100) by an unscoped caller and by one holding a 3-field scope (name, phone numbers,
 * bank accounts: a payments partner), in turns within each round on one in-process gateway
 * whose Odoo traffic goes through a counting proxy: bytes Odoo sent per read, and the answer's
 * p50 at the gateway, unscoped ÷ scoped as a ratio measured in the same run.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { undiciLoop, type LoadResult } from '../load.js';
import type { RealOdoo } from '../real-odoo.js';
import { benchConfig, benchToken, fixed, median, percentile, type BenchOptions, type ScenarioReport } from '../support.js';

const PAGE = 100;
const SCOPE_CLAIM = 'registry:payments';

/** A proxy in front of Odoo counting the bytes of its answers. */
async function countingProxy(target: string): Promise<{ url: string; bytes: () => number; close: () => Promise<void> }> {
  const upstream = new URL(target);
  let bytes = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: upstream.host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => (bytes += chunk.length));
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function fieldScopesScenario(options: BenchOptions, real: RealOdoo): Promise<ScenarioReport> {
  const rounds = options.quick ? 3 : 6;
  const roundMs = options.quick ? 1000 : 2500;
  const proxy = await countingProxy(real.odoo.url);
  const config = {
    ...benchConfig({ ...real.odoo, url: proxy.url }),
    fieldScopes: {
      payments: {
        individuals: ['name', 'phone_numbers', 'bank_accounts'],
        groups: [],
        memberships: [],
        grantedTo: { claims: [{ claim: 'scope', includes: SCOPE_CLAIM }], clients: [], basicLogins: [] },
      },
    },
  };
  const app = buildApp(config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const sides = {
      unscoped: { authorization: `Bearer ${benchToken()}` },
      'payments scope (3 fields)': { authorization: `Bearer ${benchToken({ scope: SCOPE_CLAIM })}` },
    };
    type Side = keyof typeof sides;
    const spec = (side: Side) => ({ method: 'GET' as const, path: `/api/v1/individuals?limit=${PAGE}`, headers: sides[side] });
    const results: Record<Side, LoadResult[]> = { unscoped: [], 'payments scope (3 fields)': [] };
    const bytes: Record<Side, { bytes: number; reads: number }> = { unscoped: { bytes: 0, reads: 0 }, 'payments scope (3 fields)': { bytes: 0, reads: 0 } };
    for (const side of Object.keys(sides) as Side[]) {
      const probe = await fetch(`${origin}${spec(side).path}`, { headers: sides[side] });
      if (probe.status !== 200) throw new Error(`${side}: GET answered ${probe.status}`);
      await undiciLoop(origin, spec(side), 1, 300);
    }
    for (let round = 0; round < rounds; round++) {
      for (const side of Object.keys(sides) as Side[]) {
        const before = proxy.bytes();
        const result = await undiciLoop(origin, spec(side), 1, roundMs);
        results[side].push(result);
        bytes[side].bytes += proxy.bytes() - before;
        bytes[side].reads += result.requests;
      }
    }
    const lat = (side: Side) => results[side].flatMap((r) => r.latencies);
    const perRead = (side: Side) => bytes[side].bytes / Math.max(1, bytes[side].reads);
    const answerBytes = (side: Side) =>
      results[side].reduce((n, r) => n + r.bytes, 0) /
      Math.max(
        1,
        results[side].reduce((n, r) => n + r.requests, 0),
      );
    const rows = [['caller', 'reads', 'bytes from Odoo per read', 'bytes answered per read', 'p50 ms', 'p99 ms', 'failures']];
    for (const side of Object.keys(sides) as Side[]) {
      rows.push([
        side,
        String(bytes[side].reads),
        fixed(perRead(side), 0),
        fixed(answerBytes(side), 0),
        fixed(median(lat(side))),
        fixed(percentile(lat(side), 99)),
        String(results[side].reduce((n, r) => n + r.failures, 0)),
      ]);
    }
    const scoped: Side = 'payments scope (3 fields)';
    const byteRatio = perRead('unscoped') / perRead(scoped);
    const timeRatio = median(lat('unscoped')) / median(lat(scoped));
    rows.push(['unscoped ÷ scoped', '', `${fixed(byteRatio)}×`, `${fixed(answerBytes('unscoped') / answerBytes(scoped))}×`, `${fixed(timeRatio)}×`, '', '']);
    return {
      title: `12. Field scopes: a page of ${PAGE} individuals, unscoped and under a 3-field scope (real Odoo)`,
      method:
        `One gateway in process, its Odoo traffic through a proxy counting the bytes Odoo answered; GET /api/v1/individuals?limit=${PAGE} as an unscoped caller ` +
        `and as one holding a scope of name, phone_numbers and bank_accounts, one connection, ${rounds} rounds of ${roundMs} ms each taking turns.`,
      tables: [rows],
      verdicts: [
        { target: 'a 3-field scope reads fewer bytes from Odoo than an unscoped read', met: byteRatio > 1, evidence: `${fixed(byteRatio)}× fewer bytes` },
        {
          target: 'a 3-field scope answers no slower than an unscoped read (p50)',
          met: timeRatio >= 1,
          evidence: `unscoped p50 ÷ scoped p50 = ${fixed(timeRatio)}×`,
        },
      ],
    };
  } finally {
    await app.close();
    await proxy.close();
  }
}
