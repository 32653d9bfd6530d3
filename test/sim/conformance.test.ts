/**
 * Conformance suite: every recorded request of ../shared/odoo-wire (XML-RPC, JSON-RPC,
 * web-session, web-read) is replayed, in file order, against a fresh simulator over a real
 * socket, and the answer is compared with what the real Odoo 17 + OpenG2P server answered.
 *
 * What must be equal: HTTP status; Content-Type; Connection: close; presence of
 * X-Content-Type-Options and Allow; Set-Cookie attributes; XML-RPC fault codes; fault strings
 * of codes 2/3/4; the exception line of code-1 tracebacks; JSON-RPC jsonrpc/id, error code,
 * error message, data.name, data.message, data.arguments, data.context; HTML/plain bodies;
 * every boolean and null; the kind of every value (int / float / string / list / struct);
 * struct key sets; the date / datetime format of strings; id lists of records created in the
 * same run (through the id mapping); empty lists.
 *
 * Normalisations (the only allowed differences), each applied in compareCase below:
 *  N1 ids: the recording's ids were allocated by its own run. Replaying in order, the ids of
 *     create answers give a map recorded id -> simulator id; later requests are rewritten
 *     through it, and expected id values / id lists are compared through it. Ids the run did
 *     not create (records of earlier runs, users, reference data) are compared by kind only.
 *     JSON numbers are read keeping int and float apart ("0.0" is a float, "0" an int).
 *  N2 non-id numbers (counts, sums, amounts) and strings are compared by kind, since the
 *     recorded database held records of earlier runs that a fresh simulator does not have.
 *  N3 lists: a non-empty recorded list is compared element-wise over the common length
 *     (the real database had more rows); an empty recorded list must be empty.
 *  N4 timestamps: Date and the cookie's Expires are not compared (format only).
 *  N5 session ids: `<session_id>` / `<session_id#N>` placeholders are bound to the cookie
 *     values the simulator handed out; the cookie value itself is checked to be 40 chars.
 *  N6 tracebacks: only the last line (exception class and message) of a traceback is
 *     compared (XML-RPC code-1 faultString, JSON-RPC data.debug): frames are Odoo internals.
 *  N7 secrets: `<password>` is the simulator's admin password, `<noaccess_password>` is
 *     'noaccess', `<api_key>` a key the test registers on admin (see LEFT_OUT for the wizard).
 *  N8 Content-Length and body_bytes are not compared (bodies legitimately differ by N1-N3).
 *  N9 record references inside messages ("res.partner(484,)") go through the N1 id map.
 */
import t from 'tap';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import {
  decodeXmlResponse,
  loadRecording,
  parseJsonKeepingFloats,
  sendRaw,
  tracebackTail,
  type RecordedCase,
  type RawResponse,
} from '../support/sim-replay.js';

const ADMIN_PASSWORD = 'conformance-admin';
const API_KEY = '4f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';

/** Cases not replayed, with the reason. Kept short on purpose: each one is a known gap. */
const LEFT_OUT: Record<string, Record<string, string>> = {
  'xmlrpc-2.json': {},
  'jsonrpc.json': {},
  'web-session.json': {
    apikey_1_create_description_wizard: 'API-key creation wizard (res.users.apikeys.description) is not simulated; keys are given through SimUser.apiKeys',
    apikey_2_make_key_needs_identity_check: 'API-key wizard (identity check action) not simulated',
    apikey_3_identitycheck_write_password: 'API-key wizard (res.users.identitycheck) not simulated',
    apikey_4_run_check_returns_key: 'API-key wizard not simulated; the test registers the key on admin instead',
    apikey_list_own_keys: 'res.users.apikeys model not simulated',
    apikey_revoke_1_new_session: 'part of the API-key revocation wizard (not simulated)',
    apikey_revoke_2_list_keys: 'res.users.apikeys model not simulated',
    apikey_revoke_3_remove_needs_identity_check: 'API-key wizard not simulated',
    apikey_revoke_4_identitycheck_password: 'API-key wizard not simulated',
    apikey_revoke_5_run_check_removes: 'API-key wizard not simulated; the test removes the key from SimUser.apiKeys instead',
    apikey_revoke_6_list_after: 'res.users.apikeys model not simulated',
    apikey_revoked_xmlrpc_execute_kw_still_works:
      "the real server's per-process credential cache kept a revoked key valid for execute_kw; the simulator refuses revoked keys at once (the stricter behaviour)",
    apikey_revoked_jsonrpc_execute_kw_still_works: 'same credential-cache quirk as above',
    apikey_revoke_7_destroy_session: 'destroys the session of apikey_revoke_1 (left out)',
  },
  'web-read.json': {
    web_search_read_individuals:
      "pages through the recorded database's 649 registrants (records of earlier runs with empty fields); a fresh simulator holds different ones",
  },
};

/**
 * Known differences of the simulated ORM (src/sim/orm, another engineer's area) that this
 * suite detects; they run as tap `todo` assertions so the list shows up in every run and a
 * fix turns them green without editing this file. Reported to the lead.
 */
const ORM_GAPS: Record<string, string> = {};

/**
 * Records the recording's own setup created without a recorded request ("created beforehand"):
 * the suite creates equivalents through the in-process database before the case runs, and
 * binds their ids (N1).
 */
const SETUP: Record<string, (state: ReplayState, rec: RecordedCase) => void> = {
  // description: "unlink([id]) -> true" on a throwaway partner the recorder made beforehand.
  unlink: (state, rec) => {
    const recorded = Number(/unlink[\s\S]*?(\d{3,})/.exec(rec.request.body ?? '')?.[1]);
    const created = state.sim.database.execute(2, 'res.partner', 'create', [{ name: 'Throwaway' }], {}) as number;
    state.ids.set(recorded, created);
  },
  // description: "color=2000000000 on 2 records", so that the SUM exceeds 2^31-1.
  read_group_sum_big_int: (state) => {
    const db = state.sim.database;
    const ids = db.execute(2, 'res.partner', 'search', [[['family_name', '=', 'Wire-e6b347']]], { limit: 2 }) as number[];
    db.execute(2, 'res.partner', 'write', [ids, { color: 2000000000 }], {});
  },
  // description: "200 individuals (created beforehand in one create call)".
  search_read_200_records: (state) => {
    const vals = Array.from({ length: 200 }, (_, k) => ({
      name: `BULK-e6b347, P${k}`,
      family_name: 'Bulk-e6b347',
      given_name: `P${k}`,
      is_registrant: true,
      is_group: false,
      gender: k % 2 ? 'Male' : 'Female',
      birthdate: '1990-01-01',
      income: 10.5,
    }));
    state.sim.database.execute(2, 'res.partner', 'create', [vals], {});
  },
  // web-session.json lists archived registrants that an earlier recording run left behind.
  call_kw_read_with_context: (state) => {
    const vals = ['CHARLIE', 'DELTA'].map((given) => ({ name: `WIRE-7d111e, ${given}`, is_registrant: true, is_group: false, active: false }));
    state.sim.database.execute(2, 'res.partner', 'create', [vals], {});
  },
  // web-read.json reads a household (710) and its members (708, 709, 711) made by the recorder's setup.
  web_read_individual_nested: (state) => {
    const db = state.sim.database;
    const person = (given: string, birthdate: string, extra: Record<string, unknown> = {}) =>
      db.execute(
        2,
        'res.partner',
        'create',
        [
          {
            name: `RESTW-2fa10c, ${given.toUpperCase()}`,
            given_name: given,
            family_name: 'Restw-2fa10c',
            gender: 'Male',
            birthdate,
            is_registrant: true,
            is_group: false,
            ...extra,
          },
        ],
        {},
      ) as number;
    const alpha = person('Alpha2', '1990-05-17');
    const bravo = person('Bravo', '1985-01-01');
    const charlie = person('Charlie', '1992-03-04', {
      reg_ids: [[0, 0, { id_type: 1, value: 'RNID-2fa10c-C', status: 'valid', expiry_date: '2030-01-01' }]],
      phone_number_ids: [[0, 0, { phone_no: '+14155552672', date_collected: '2024-01-02' }]],
    });
    const group = db.execute(2, 'res.partner', 'create', [{ name: 'RestW Household 2fa10c', is_registrant: true, is_group: true, kind: 1 }], {}) as number;
    db.execute(2, 'g2p.group.membership', 'create', [{ group, individual: alpha, kind: [[6, 0, [1]]] }], {});
    db.execute(2, 'g2p.group.membership', 'create', [{ group, individual: bravo }], {});
    for (const [recorded, created] of [
      [708, alpha],
      [709, bravo],
      [711, charlie],
      [710, group],
    ] as const)
      state.ids.set(recorded, created);
  },
};

// ------------------------------------------------------------------ replay state

class ReplayState {
  readonly ids = new Map<number, number>();
  readonly sessions = new Map<string, string>();
  constructor(readonly sim: RunningSimulator) {}

  substitute(text: string): string {
    let out = text
      .replace(/(&lt;|<)password(&gt;|>)/g, ADMIN_PASSWORD)
      .replace(/(&lt;|<)noaccess_password(&gt;|>)/g, 'noaccess')
      .replace(/(&lt;|<)api_key(&gt;|>)/g, API_KEY);
    out = out.replace(/(&lt;|<)(session_id(?:#\d+)?)(&gt;|>)/g, (_m, _a, name: string) => this.sessions.get(name) ?? 'no-session-yet');
    return out;
  }

  /** N1: rewrites recorded ids created in this run into simulator ids. */
  rewriteIds(body: string, isXml: boolean): string {
    if (this.ids.size === 0) return body;
    if (isXml) {
      return body.replace(/<(int|i4|i8)>(-?\d+)<\/\1>/g, (m, tag: string, n: string) => {
        const mapped = this.ids.get(Number(n));
        return mapped === undefined ? m : `<${tag}>${mapped}</${tag}>`;
      });
    }
    try {
      // Only the params are rewritten: the envelope's own "id" is not a record id.
      const parsed = JSON.parse(body) as Record<string, unknown>;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !('params' in parsed)) return body;
      return JSON.stringify({ ...parsed, params: this.mapJson(parsed.params) });
    } catch {
      return body;
    }
  }

  private mapJson(value: unknown): unknown {
    if (typeof value === 'number' && Number.isInteger(value)) return this.ids.get(value) ?? value;
    if (Array.isArray(value)) return value.map((v) => this.mapJson(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.mapJson(v)]));
    }
    return value;
  }

  /** N1 in messages: "res.partner(484,)" names a record of this run by its recorded id. */
  mapMessage(text: string): string {
    return text.replace(/\((\d+(?:, \d+)*),?\)/g, (m, ids: string) => {
      const list = ids.split(', ').map((id) => this.ids.get(Number(id)) ?? Number(id));
      return list.length === 1 ? `(${list[0]},)` : `(${list.join(', ')})`;
    });
  }

  learnIds(expected: unknown, actual: unknown): void {
    if (typeof expected === 'number' && typeof actual === 'number') this.ids.set(expected, actual);
    if (Array.isArray(expected) && Array.isArray(actual) && expected.length === actual.length) {
      expected.forEach((e, k) => this.learnIds(e, actual[k]));
    }
  }
}

// ------------------------------------------------------------------ comparison

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const stringKind = (s: string) => (DATETIME.test(s) ? 'datetime' : DATE.test(s) ? 'date' : 'string');

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object' && value !== null && 'double' in value && Object.keys(value).length === 1) return 'float';
  if (typeof value === 'number') return 'number';
  return typeof value === 'object' ? 'struct' : typeof value;
}

function compareValues(expected: unknown, actual: unknown, path: string, state: ReplayState, diffs: string[], learn = false): void {
  const ek = kind(expected);
  const ak = kind(actual);
  if (ek !== ak) {
    diffs.push(`${path}: expected ${ek} ${short(expected)}, got ${ak} ${short(actual)}`);
    return;
  }
  switch (ek) {
    case 'boolean':
      if (expected !== actual) diffs.push(`${path}: expected ${String(expected)}, got ${String(actual)}`);
      return;
    case 'number': {
      const mapped = state.ids.get(expected as number);
      if (mapped !== undefined && mapped !== actual) diffs.push(`${path}: expected id ${String(expected)}->${mapped}, got ${String(actual)}`);
      return;
    }
    case 'string':
      if (stringKind(expected as string) !== stringKind(actual as string))
        diffs.push(`${path}: expected ${stringKind(expected as string)} ${short(expected)}, got ${short(actual)}`);
      return;
    case 'list': {
      const e = expected as unknown[];
      const a = actual as unknown[];
      if (e.length === 0) {
        if (a.length !== 0) diffs.push(`${path}: expected [], got ${short(a)}`);
        return;
      }
      const allCreatedIds = e.every((v) => typeof v === 'number' && state.ids.has(v));
      if (allCreatedIds) {
        const want = e.map((v) => state.ids.get(v as number));
        if (JSON.stringify(want) !== JSON.stringify(a)) diffs.push(`${path}: expected ids ${JSON.stringify(want)}, got ${short(a)}`);
        return;
      }
      const isPair = e.length === 2 && typeof e[0] === 'number' && typeof e[1] === 'string';
      if (isPair && a.length !== 2) diffs.push(`${path}: expected a many2one pair, got ${short(a)}`);
      if (a.length === 0) diffs.push(`${path}: expected ${e.length} items, got []`);
      for (let k = 0; k < Math.min(e.length, a.length); k++) compareValues(e[k], a[k], `${path}[${k}]`, state, diffs, learn);
      return;
    }
    case 'struct': {
      const e = expected as Record<string, unknown>;
      const a = actual as Record<string, unknown>;
      // N1: records created in this run own their x2many rows and nested records, so their
      // ids are learned here (they never appear in a create answer).
      if (learn && typeof e.id === 'number' && typeof a.id === 'number' && !state.ids.has(e.id)) state.ids.set(e.id, a.id);
      const created = typeof e.id === 'number' && state.ids.has(e.id);
      if (created) {
        for (const key of Object.keys(e)) {
          const ev = e[key];
          const av = a[key];
          if (key.endsWith('_ids') && Array.isArray(ev) && Array.isArray(av) && ev.length === av.length) {
            ev.forEach((id, k) => {
              if (typeof id === 'number' && typeof av[k] === 'number' && !state.ids.has(id)) state.ids.set(id, av[k] as number);
            });
          }
        }
      }
      const missing = Object.keys(e).filter((k) => !(k in a));
      const extra = Object.keys(a).filter((k) => !(k in e));
      if (missing.length || extra.length) diffs.push(`${path}: keys missing [${missing.join(',')}] extra [${extra.join(',')}]`);
      for (const key of Object.keys(e)) if (key in a) compareValues(e[key], a[key], `${path}.${key}`, state, diffs, created);
      return;
    }
  }
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | string[] | undefined {
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return found?.[1];
}

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const cookieShape = (cookie: string) => cookie.replace(/^session_id=[^;]*/, 'session_id=<sid>').replace(/Expires=[^;]+/, 'Expires=<date>');

function compareCase(rec: RecordedCase, got: RawResponse, state: ReplayState, diffs: string[]): void {
  if (got.status !== rec.response.status) diffs.push(`status: expected ${rec.response.status}, got ${got.status}`);
  for (const name of ['Content-Type', 'Connection', 'Server', 'Allow']) {
    const want = header(rec.response.headers, name);
    const have = header(got.headers, name);
    if (String(want) !== String(have)) diffs.push(`header ${name}: expected ${String(want)}, got ${String(have)}`);
  }
  const nosniffWant = header(rec.response.headers, 'X-Content-Type-Options') !== undefined;
  const nosniffHave = header(got.headers, 'X-Content-Type-Options') !== undefined;
  if (nosniffWant !== nosniffHave) diffs.push(`header X-Content-Type-Options: expected ${nosniffWant ? 'present' : 'absent'}`);
  const cookiesWant = asList(header(rec.response.headers, 'Set-Cookie'));
  const cookiesHave = asList(header(got.headers, 'Set-Cookie'));
  if (JSON.stringify(cookiesWant.map(cookieShape)) !== JSON.stringify(cookiesHave.map(cookieShape))) {
    diffs.push(`Set-Cookie: expected ${JSON.stringify(cookiesWant)}, got ${JSON.stringify(cookiesHave)}`);
  }
  cookiesWant.forEach((cookie, k) => {
    const name = /^session_id=<(session_id(?:#\d+)?)>/.exec(cookie)?.[1];
    const value = /^session_id=([^;]*)/.exec(cookiesHave[k] ?? '')?.[1];
    if (name && value) {
      if (value.length !== 40) diffs.push(`session id length ${value.length}, expected 40`);
      state.sessions.set(name, value);
    }
  });

  const type = String(header(rec.response.headers, 'Content-Type') ?? '');
  const isCreate = /create<\/string>|"create"/.test(rec.request.body ?? '');
  if (type.startsWith('text/xml')) {
    const want = decodeXmlResponse(rec.response.body);
    let have;
    try {
      have = decodeXmlResponse(got.body);
    } catch {
      diffs.push(`body is not an XML-RPC response: ${short(got.body)}`);
      return;
    }
    if (want.fault) {
      if (!have.fault) {
        diffs.push(`expected fault ${short(want.fault)}, got value ${short(have.value)}`);
        return;
      }
      if (want.fault.faultCode !== have.fault.faultCode) diffs.push(`faultCode: expected ${short(want.fault.faultCode)}, got ${short(have.fault.faultCode)}`);
      const ws = String(want.fault.faultString);
      const hs = String(have.fault.faultString);
      const tail = want.fault.faultCode === 1 || typeof want.fault.faultCode === 'string';
      const wantText = state.mapMessage(tail && ws.startsWith('Traceback') ? tracebackTail(ws) : ws);
      const haveText = tail && hs.startsWith('Traceback') ? tracebackTail(hs) : hs;
      if (wantText !== haveText) diffs.push(`faultString: expected ${short(wantText)}, got ${short(haveText)}`);
      return;
    }
    if (have.fault) {
      diffs.push(`expected a value, got fault ${String(have.fault.faultCode)}: ${short(tracebackTail(String(have.fault.faultString)))}`);
      return;
    }
    if (isCreate) state.learnIds(want.value, have.value);
    compareValues(want.value, have.value, 'result', state, diffs);
    return;
  }
  if (type.startsWith('application/json')) {
    const want = JSON.parse(rec.response.body) as Record<string, unknown>;
    let have: Record<string, unknown>;
    try {
      have = JSON.parse(got.body) as Record<string, unknown>;
    } catch {
      diffs.push(`body is not JSON: ${short(got.body)}`);
      return;
    }
    if (want.jsonrpc !== have.jsonrpc) diffs.push('jsonrpc member differs');
    if (JSON.stringify(want.id) !== JSON.stringify(have.id)) diffs.push(`id: expected ${short(want.id)}, got ${short(have.id)}`);
    if ('result' in want !== 'result' in have) diffs.push(`result member: expected ${'result' in want ? 'present' : 'absent'}; got ${short(have)}`);
    if ('error' in want !== 'error' in have)
      diffs.push(`error member: expected ${'error' in want ? 'present' : 'absent'}; got ${short(have.error ?? have.result)}`);
    if ('error' in want && 'error' in have) {
      const we = want.error as { code: number; message: string; data: Record<string, unknown> };
      const he = have.error as { code: number; message: string; data: Record<string, unknown> };
      if (we.code !== he.code) diffs.push(`error.code: expected ${we.code}, got ${he.code}`);
      if (we.message !== he.message) diffs.push(`error.message: expected ${we.message}, got ${he.message}`);
      for (const key of ['name', 'message', 'arguments', 'context']) {
        if (state.mapMessage(JSON.stringify(we.data[key])) !== JSON.stringify(he.data?.[key]))
          diffs.push(`error.data.${key}: expected ${short(we.data[key])}, got ${short(he.data?.[key])}`);
      }
      if (state.mapMessage(tracebackTail(String(we.data.debug))) !== tracebackTail(String(he.data?.debug))) {
        diffs.push(`error.data.debug tail: expected ${short(tracebackTail(String(we.data.debug)))}, got ${short(tracebackTail(String(he.data?.debug)))}`);
      }
    }
    if ('result' in want && 'result' in have) {
      if (isCreate) state.learnIds(want.result, have.result);
      // Re-read with floats kept apart from ints (0.0 versus 0 is a shape difference).
      const wantResult = (parseJsonKeepingFloats(rec.response.body) as { result: unknown }).result;
      const haveResult = (parseJsonKeepingFloats(got.body) as { result: unknown }).result;
      compareValues(wantResult, haveResult, 'result', state, diffs);
    }
    return;
  }
  if (got.body !== rec.response.body) diffs.push(`body: expected ${short(rec.response.body)}, got ${short(got.body)}`);
}

// ------------------------------------------------------------------ the suite

const FILES = ['xmlrpc-2.json', 'jsonrpc.json', 'web-session.json', 'web-read.json'];
const summary: string[] = [];

for (const file of FILES) {
  t.test(file, async (t) => {
    const sim = await startSimulator({ adminPassword: ADMIN_PASSWORD, households: 3 });
    t.teardown(() => sim.close());
    const state = new ReplayState(sim);
    const leftOut = LEFT_OUT[file] ?? {};
    let matched = 0;
    let gaps = 0;
    for (const rec of loadRecording(file)) {
      // The API key the wizard would have produced exists from the first case that uses it.
      if (rec.case === 'apikey_xmlrpc_common_authenticate') sim.database.userById(2)!.apiKeys.push(API_KEY);
      if (rec.case === 'apikey_revoked_xmlrpc_authenticate') {
        const admin = sim.database.userById(2)!;
        admin.apiKeys.splice(admin.apiKeys.indexOf(API_KEY), 1);
      }
      if (leftOut[rec.case]) continue;
      SETUP[rec.case]?.(state, rec);
      const isXml = rec.request.path.startsWith('/xmlrpc');
      const body = rec.request.body === null ? null : state.rewriteIds(state.substitute(rec.request.body), isXml);
      const headers = Object.fromEntries(Object.entries(rec.request.headers).map(([k, v]) => [k, state.substitute(v)]));
      const got = await sendRaw(sim.url, rec.request.method, rec.request.path, headers, body);
      const diffs: string[] = [];
      compareCase(rec, got, state, diffs);
      const gap = ORM_GAPS[rec.case];
      t.same(diffs, [], `${rec.case}`, gap ? { todo: `ORM gap: ${gap}` } : {});
      if (diffs.length === 0) matched++;
      else if (gap) gaps++;
    }
    const line = `${file}: ${matched} matched, ${gaps} known ORM gaps (todo), ${Object.keys(leftOut).length} left out (${Object.keys(leftOut).join(', ') || 'none'})`;
    summary.push(line);
    t.comment(line);
  });
}

t.teardown(() => {
  for (const line of summary) console.log(`# ${line}`);
});
