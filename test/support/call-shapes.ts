/**
 * The shapes of the ORM calls the gateway sends to Odoo: model, method, the kind of each
 * positional argument, the keyword arguments and context keys. Values never matter (a domain
 * is a domain whatever it filters on); the shape is what a server accepts or refuses.
 *
 * With G2P_CALL_SHAPES_FILE set, every test process that loads this module appends the shape
 * of each call a gateway connection publishes (src/odoo/diagnostics.ts), with the test file
 * that caused it, one JSON object a line. .ci/run sets it for the simulator pass and for the
 * real-Odoo pass, and test/odoo/call-shapes.test.ts compares both with the committed list.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ODOO_CALL_CHANNEL, type OdooCallMessage } from '../../src/odoo/index.js';

export interface RecordedShape {
  shape: string;
  file: string;
}

function argumentKind(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return 'list';
    if (value.every((item) => typeof item === 'number')) return 'ids';
    if (value.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) return 'values-list';
    if (value.some((item) => Array.isArray(item) || item === '&' || item === '|' || item === '!')) return 'domain';
    return 'list';
  }
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'object') return 'values';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return typeof value === 'string' ? 'str' : typeof value;
}

export function callShape(call: Pick<OdooCallMessage, 'model' | 'method' | 'args' | 'kwargs'>): string {
  const { context, ...kwargs } = call.kwargs;
  const keys = Object.keys(kwargs).sort();
  const contextKeys = context && typeof context === 'object' ? Object.keys(context).sort() : [];
  return `${call.model}.${call.method}(${call.args.map(argumentKind).join(', ')}${keys.length ? `; ${keys.join(', ')}` : ''})${contextKeys.length ? ` context{${contextKeys.join(', ')}}` : ''}`;
}

const SHAPES_FILE = process.env.G2P_CALL_SHAPES_FILE;
if (SHAPES_FILE) {
  const file = relative(process.cwd(), process.argv[1] ?? '');
  const seen = new Set<string>();
  subscribe(ODOO_CALL_CHANNEL, (message) => {
    const call = message as OdooCallMessage;
    if (call.connection !== 'gateway') return;
    const shape = callShape(call);
    if (seen.has(shape)) return;
    seen.add(shape);
    appendFileSync(SHAPES_FILE, `${JSON.stringify({ shape, file } satisfies RecordedShape)}\n`);
  });
}

/**
 * The ORM calls gateway connections send from now on, read off the diagnostics channel: call
 * counts that hold on the real Odoo as on the simulator.
 */
export function watchGatewayCalls(): { calls(): OdooCallMessage[]; reset(): void; stop(): void } {
  let seen: OdooCallMessage[] = [];
  const listener = (message: unknown) => {
    if ((message as OdooCallMessage).connection === 'gateway') seen.push(message as OdooCallMessage);
  };
  subscribe(ODOO_CALL_CHANNEL, listener);
  return { calls: () => [...seen], reset: () => (seen = []), stop: () => unsubscribe(ODOO_CALL_CHANNEL, listener) };
}
