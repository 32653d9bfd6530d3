/**
 * Scenario 7 (real Odoo only), protocols: the same Odoo call over each way of reaching Odoo,
 * for each kind of call the gateway makes (a single read, a list page, a write) and each kind of
 * account (password: a web session is possible; API key: /web/session/authenticate refuses it).
 * The read and the list page are the exact calls the gateway makes for GET /individuals/{id}
 * and GET /individuals?limit=10, captured from its diagnostics channel.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { buildApp } from '../../src/app.js';
import {
  createOdooConnection,
  ODOO_CALL_CHANNEL,
  type OdooCallMessage,
  type OdooClient,
  type OdooConnectionOptions,
  type OdooProtocol,
} from '../../src/odoo/index.js';
import { odooSettingsSchema } from '../../src/odoo/settings.js';
import { connectRealOdoo, type RealOdoo } from '../real-odoo.js';
import { benchConfig, benchToken, fixed, median, percentile, type BenchOptions, type ScenarioReport, type Verdict } from '../support.js';

interface Variant {
  account: 'password' | 'API key';
  label: string;
  protocol: OdooProtocol;
  sessionCookie: boolean;
}

const VARIANTS: Variant[] = [
  { account: 'password', label: 'call_kw (web session)', protocol: 'call_kw', sessionCookie: true },
  { account: 'password', label: 'jsonrpc + session cookie', protocol: 'jsonrpc', sessionCookie: true },
  { account: 'password', label: 'jsonrpc, no cookie', protocol: 'jsonrpc', sessionCookie: false },
  { account: 'password', label: 'xmlrpc + session cookie', protocol: 'xmlrpc', sessionCookie: true },
  { account: 'API key', label: 'jsonrpc', protocol: 'jsonrpc', sessionCookie: false },
  { account: 'API key', label: 'xmlrpc', protocol: 'xmlrpc', sessionCookie: false },
];

type CallKind = 'read (GET one individual)' | 'search (list page of 10)' | 'write (one field)';

export async function protocolsScenario(options: BenchOptions, shared?: RealOdoo): Promise<ScenarioReport> {
  const samples = options.quick ? 12 : 60;
  const real = shared ?? (await connectRealOdoo());
  const defaults = odooSettingsSchema.parse({ url: real.odoo.url, db: real.odoo.db });
  const clients: Array<{ variant: Variant; client: OdooClient; close: () => Promise<void> }> = [];
  try {
    const read = await captureCall(real, `/api/v1/individuals/${real.individualId}`);
    const search = await captureCall(real, '/api/v1/individuals?limit=10');
    for (const variant of VARIANTS) {
      const connectionOptions: OdooConnectionOptions = {
        url: real.odoo.url,
        db: real.odoo.db,
        protocol: variant.protocol,
        sessionCookie: variant.sessionCookie,
      };
      const connection = createOdooConnection(connectionOptions);
      const credentials = variant.account === 'password' ? { login: real.odoo.login, secret: real.odoo.password } : real.apiKeyAccount;
      clients.push({ variant, client: connection.as(credentials), close: () => connection.close() });
    }
    let counter = 0;
    const calls: Record<CallKind, (client: OdooClient) => Promise<unknown>> = {
      'read (GET one individual)': (client) => client.executeKw(read.model, read.method, read.args, read.kwargs),
      'search (list page of 10)': (client) => client.executeKw(search.model, search.method, search.args, search.kwargs),
      'write (one field)': (client) => client.write('res.partner', [real.individualId], { email: `bench${counter++ % 1000}@example.org` }),
    };
    const rows: string[][] = [['call', 'account', 'protocol', 'median ms', 'p90 ms', 'samples', '÷ fastest for the account']];
    const verdicts: Verdict[] = [];
    for (const [kind, call] of Object.entries(calls) as Array<[CallKind, (client: OdooClient) => Promise<unknown>]>) {
      const timings = new Map<Variant, number[]>(clients.map(({ variant }) => [variant, []]));
      const failures = new Map<Variant, string>();
      // Logs in, warms each path; then interleaved so drift on the shared machine hits every variant alike.
      for (const { variant, client } of clients) {
        try {
          await call(client);
          await call(client);
        } catch (err) {
          failures.set(variant, err instanceof Error ? err.message : String(err));
        }
      }
      for (let i = 0; i < samples; i++) {
        for (const { variant, client } of clients) {
          if (failures.has(variant)) continue;
          const started = performance.now();
          await call(client);
          timings.get(variant)!.push(performance.now() - started);
        }
      }
      for (const account of ['password', 'API key'] as const) {
        const measured = clients.filter(({ variant }) => variant.account === account && !failures.has(variant));
        const fastest = Math.min(...measured.map(({ variant }) => median(timings.get(variant)!)));
        for (const { variant } of clients.filter((c) => c.variant.account === account)) {
          const t = timings.get(variant)!;
          const failure = failures.get(variant);
          rows.push([
            kind,
            account,
            variant.label,
            failure ? `refused: ${failure.slice(0, 80)}` : fixed(median(t)),
            failure ? '' : fixed(percentile(t, 90)),
            String(t.length),
            failure ? '' : `${fixed(median(t) / fastest)}×`,
          ]);
        }
        // What the default settings do for this account: call_kw over the web session for a
        // password, /jsonrpc without cookie for an API key (the web login refuses keys).
        const chosen = clients.find(
          ({ variant }) =>
            variant.account === account &&
            (account === 'password'
              ? variant.protocol === defaults.protocol && variant.sessionCookie === defaults.sessionCookie
              : variant.protocol === 'jsonrpc'),
        );
        if (!chosen || failures.has(chosen.variant)) continue;
        const ratio = median(timings.get(chosen.variant)!) / fastest;
        verdicts.push({
          target: `${kind}, ${account} account: the default (${chosen.variant.label}) is the fastest within 5%`,
          met: ratio <= 1.05,
          evidence: `${fixed(ratio)}× the fastest median`,
        });
      }
    }
    return {
      title: '7. Protocols on the real Odoo: each kind of call over each way in',
      method:
        `One Odoo connection per variant (src/odoo, default settings otherwise); ${samples} samples per variant and call, taken in turn (one call of each ` +
        `variant, then the next round) after two warm-up calls; one call at a time. The read and the list page are the gateway's own calls, captured.`,
      tables: [rows],
      verdicts,
      notes: [
        'An API key cannot open a web session (Odoo answers AccessDenied on /web/session/authenticate), so call_kw is not a choice for such an account; the call_kw transport sends its calls over /jsonrpc.',
      ],
    };
  } finally {
    for (const { close } of clients) await close();
    if (!shared) await real.close();
  }
}

/** The Odoo call the gateway makes for one API GET (its second one: the first logs in). */
async function captureCall(real: RealOdoo, apiPath: string): Promise<OdooCallMessage> {
  const app = buildApp(benchConfig(real.odoo));
  const seen: OdooCallMessage[] = [];
  const onCall = (message: unknown) => seen.push(message as OdooCallMessage);
  const authorization = `Bearer ${benchToken()}`;
  try {
    const warm = await app.inject({ method: 'GET', url: apiPath, headers: { authorization } });
    if (warm.statusCode !== 200) throw new Error(`GET ${apiPath} answered ${warm.statusCode}: ${warm.body.slice(0, 300)}`);
    subscribe(ODOO_CALL_CHANNEL, onCall);
    await app.inject({ method: 'GET', url: apiPath, headers: { authorization } });
  } finally {
    unsubscribe(ODOO_CALL_CHANNEL, onCall);
    await app.close();
  }
  const call = seen.at(-1);
  if (!call || seen.length !== 1) throw new Error(`GET ${apiPath} made ${seen.length} Odoo calls, expected one`);
  return call;
}
