/**
 * How many Odoo calls N identical GETs cost when they arrive together: an in-process gateway
 * serves them (injected in one tick, so all are in flight at once however fast the Odoo) and
 * the calls are counted off its diagnostics channel, which works for any Odoo.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { buildApp } from '../src/app.js';
import { ODOO_CALL_CHANNEL } from '../src/odoo/index.js';
import { benchConfig, benchToken, type BenchOdoo } from './support.js';

export async function odooCallsForIdenticalReads(odoo: string | BenchOdoo, apiPath: string, readers: number): Promise<{ calls: number; ok: number }> {
  const app = buildApp(benchConfig(odoo));
  const headers = { authorization: `Bearer ${benchToken()}` };
  let calls = 0;
  const onCall = () => calls++;
  try {
    const warm = await app.inject({ method: 'GET', url: apiPath, headers });
    if (warm.statusCode !== 200) throw new Error(`GET ${apiPath} answered ${warm.statusCode}: ${warm.body.slice(0, 300)}`);
    subscribe(ODOO_CALL_CHANNEL, onCall);
    const answers = await Promise.all(Array.from({ length: readers }, () => app.inject({ method: 'GET', url: apiPath, headers })));
    return { calls, ok: answers.filter((a) => a.statusCode === 200).length };
  } finally {
    unsubscribe(ODOO_CALL_CHANNEL, onCall);
    await app.close();
  }
}
