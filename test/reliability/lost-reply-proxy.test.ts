/**
 * Lost replies on either backend, the real Odoo included: a proxy between the gateway and Odoo
 * forwards a create, lets Odoo commit it, then drops the connection instead of relaying the
 * answer, as a load balancer or a network cut would. A retry with the same Idempotency-Key must
 * answer with what the first attempt made, and Odoo must hold exactly one record (counted in
 * Odoo directly). The simulator's own commit-then-drop fault covers more cases
 * (test/reliability/lost-reply.test.ts); this one needs nothing from the simulator.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { countInOdoo, person, startHarness, type Harness, type Protocol } from '../support/reliability.js';

/** Forwards every request to Odoo; drops the answer to the next `drops` requests that match. */
class DroppingProxy {
  private drops: Array<(path: string, body: string) => boolean> = [];
  dropped = 0;

  /** Odoo's URL, set once the suite's Odoo is known (see `odooUrlFor`). */
  upstream = '';

  private constructor(private readonly server: Server) {}

  static async start(): Promise<DroppingProxy> {
    const server = createServer();
    const proxy = new DroppingProxy(server);
    server.on('request', (req, res) => {
      void proxy.forward(req).then(
        ({ status, headers, body, drop }) => {
          if (drop) {
            proxy.dropped++;
            req.socket.destroy();
            return;
          }
          res.writeHead(status, headers);
          res.end(body);
        },
        () => req.socket.destroy(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  dropNext(matches: (path: string, body: string) => boolean): void {
    this.drops.push(matches);
  }

  private async forward(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
    // The whole answer is read before deciding: Odoo has committed by then.
    const answer = await fetch(`${this.upstream}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
    const answerBody = Buffer.from(await answer.arrayBuffer());
    const index = this.drops.findIndex((matches) => matches(req.url ?? '', body.toString('utf8')));
    const drop = index >= 0;
    if (drop) this.drops.splice(index, 1);
    const answerHeaders: Record<string, string | string[]> = {};
    answer.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'content-encoding' && name !== 'connection') answerHeaders[name] = value;
    });
    const cookies = answer.headers.getSetCookie();
    if (cookies.length) answerHeaders['set-cookie'] = cookies;
    return { status: answer.status, headers: answerHeaders, body: answerBody, drop };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** An ORM `create` on `model`, whichever wire carries it (JSON-RPC, XML-RPC or call_kw). */
const createOn = (model: string) => (path: string, body: string) =>
  path === `/web/dataset/call_kw/${model}/create` ||
  (body.includes(model) && /<string>create<\/string>|"create"/.test(body) && !path.startsWith('/web/dataset/call_kw/'));

for (const protocol of ['jsonrpc', 'xmlrpc'] as Protocol[]) {
  t.test(`a reply lost after Odoo committed, over ${protocol}: the retry answers what the first attempt made`, async (t) => {
    const proxy = await DroppingProxy.start();
    const h: Harness = await startHarness(t, {
      protocol,
      resilience: { timeoutMs: 20_000, readRetries: 1, failureThreshold: 50 },
      odooUrlFor: (url) => {
        proxy.upstream = url;
        return proxy.url;
      },
    });
    t.teardown(async () => {
      await h.close();
      await proxy.close();
    });
    const gw = h.gateway;

    t.test('an individual: one registrant', async (t) => {
      const key = `${h.tag}-proxy-person`;
      proxy.dropNext(createOn('res.partner'));
      const lost = await gw.call('POST', '/individuals', { body: person(h.tag, 'ProxyLost'), headers: { 'idempotency-key': key } });
      t.equal(proxy.dropped, 1, 'the proxy dropped the answer to the create');
      t.ok(lost.status >= 502, `the first attempt fails: ${lost.status}`);
      t.match(lost.contentType, /^application\/problem\+json/);
      const retry = await gw.call('POST', '/individuals', { body: person(h.tag, 'ProxyLost'), headers: { 'idempotency-key': key } });
      t.same([retry.status, retry.headers.get('idempotent-replayed')], [201, 'true'], 'the retry replays the registrant Odoo made');
      t.equal(await countInOdoo(h.direct, h.tag, 'ProxyLost'), 1, 'Odoo holds one registrant');
    });

    t.test('a member add: recovered by (group, individual); a fresh key for the same member is still 409', async (t) => {
      const group = await gw.call('POST', '/groups', { body: { name: `Proxy group ${h.tag}`, kind: 'Household' } });
      const member = (await gw.call('POST', '/individuals', { body: person(h.tag, 'ProxyMember') })).body.id;
      const path = `/groups/${group.body.id}/members`;
      proxy.dropNext(createOn('g2p.group.membership'));
      const lost = await gw.call('POST', path, { body: { individual: member }, headers: { 'idempotency-key': `${h.tag}-proxy-m1` } });
      t.equal(proxy.dropped, 2, 'the proxy dropped the answer to the membership create');
      t.ok(lost.status >= 502, `the first attempt fails: ${lost.status}`);
      const retry = await gw.call('POST', path, { body: { individual: member }, headers: { 'idempotency-key': `${h.tag}-proxy-m1` } });
      t.same([retry.status, retry.headers.get('idempotent-replayed')], [201, 'true'], 'the retry finds the membership');
      const fresh = await gw.call('POST', path, { body: { individual: member }, headers: { 'idempotency-key': `${h.tag}-proxy-m2` } });
      t.equal(fresh.status, 409, 'another key adding the same member: 409 duplicate member');
      t.equal(
        await h.direct.searchCount('g2p.group.membership', [
          ['group', '=', group.body.id],
          ['individual', '=', member],
        ]),
        1,
        'one membership in Odoo',
      );
    });
  });
}
