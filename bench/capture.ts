/**
 * The exact Odoo request the gateway makes for one API call, captured from undici's
 * diagnostics channel while an in-process gateway serves that call once. Scenario 1 replays it
 * straight at the simulator as the "direct JSON-RPC" baseline, so both sides ask Odoo for the
 * same thing with the same session cookie.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { buildApp } from '../src/app.js';
import type { HttpRequestSpec } from './load.js';
import { benchConfig, type BenchOdoo, type BenchSections } from './support.js';

interface UndiciRequestLike {
  method: string;
  path: string;
  headers: string[] | string;
  body: unknown;
}

export interface CapturedCall {
  odoo: HttpRequestSpec;
  /** How many HTTP requests the gateway made to Odoo for the call (after logging in). */
  odooRequests: number;
}

export async function captureOdooRequest(odoo: string | BenchOdoo, apiPath: string, authorization: string): Promise<CapturedCall> {
  const calls = await captureOdooCalls(odoo, { method: 'GET', path: apiPath, headers: { authorization } });
  const last = calls.at(-1);
  if (!last) throw new Error('the gateway made no Odoo request to capture');
  return { odoo: last, odooRequests: calls.length };
}

/**
 * Every Odoo request the gateway makes for one API call, in order. `request` may make a fresh
 * request per call (a DCI message carries a message_id the gateway refuses to see twice);
 * `sections`: configuration added to the bench's (custom endpoints, DCI).
 */
export async function captureOdooCalls(
  odoo: string | BenchOdoo,
  request: HttpRequestSpec | (() => HttpRequestSpec),
  sections: BenchSections = {},
): Promise<HttpRequestSpec[]> {
  // No sync-feed page read ahead: that read is the next API call's, not this one's.
  const config = benchConfig(odoo, undefined, sections);
  const app = buildApp({ ...config, api: { ...config.api, feedReadAhead: 0 } });
  const seen: UndiciRequestLike[] = [];
  const onCreate = (message: unknown) => seen.push((message as { request: UndiciRequestLike }).request);
  const specOf = () => (typeof request === 'function' ? request() : request);
  const send = (spec = specOf()) => app.inject({ method: spec.method, url: spec.path, headers: spec.headers, payload: spec.body });
  try {
    // A first call logs the gateway in (web session), so the captured one is the steady-state call.
    const first = specOf();
    const warm = await send(first);
    if (warm.statusCode !== 200) throw new Error(`${first.method} ${first.path} through the gateway answered ${warm.statusCode}: ${warm.body.slice(0, 300)}`);
    subscribe('undici:request:create', onCreate);
    await send();
  } finally {
    unsubscribe('undici:request:create', onCreate);
    await app.close();
  }
  return seen.map((r) => ({ method: r.method as 'POST', path: r.path, headers: headerRecord(r.headers), body: bodyText(r.body) }));
}

/**
 * The captured single-record read, asking for another record: the id in its domain
 * (`["id","in",[id]]`, as the gateway sends it) replaced. Lets a load spread over many records,
 * so identical reads in flight (which share one Odoo call) do not flatter the gateway.
 */
export function forRecord(spec: HttpRequestSpec, capturedId: number, id: number): HttpRequestSpec {
  const term = `["id","in",[${capturedId}]]`;
  const body = spec.body ?? '';
  if (body.split(term).length !== 2) throw new Error(`the captured Odoo request does not hold ${term} exactly once`);
  return { ...spec, body: body.replace(term, `["id","in",[${id}]]`) };
}

function headerRecord(headers: string[] | string): Record<string, string> {
  const record: Record<string, string> = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) record[headers[i]!.toLowerCase()] = headers[i + 1]!;
  } else {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) record[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  // undici adds content-length itself for the replayed body.
  delete record['content-length'];
  return record;
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  throw new Error('the captured Odoo request has no plain body to replay');
}
