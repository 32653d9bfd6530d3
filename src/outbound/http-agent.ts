import { lookup as systemLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { addressPolicy, type AddressPolicy, type OutboundSettings } from './address-policy.js';

/** A host name's addresses, as `dns.lookup(name, { all: true })` answers (tests inject their own). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => systemLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** A connection refused by outbound.allowedNetworks: the attempt fails like a network error, its message naming no address. */
export class OutboundAddressRefused extends Error {
  override readonly name = 'OutboundAddressRefused';
}

function refusal(host: string, reason: string): OutboundAddressRefused {
  return new OutboundAddressRefused(`refused to connect to ${host}: ${reason}`);
}

/**
 * Node's `lookup` hook of net.connect: resolves the name once for this connection, keeps the
 * addresses the policy allows and hands only those to the socket, which connects to one of them
 * without resolving again. A name rebound to another address between a check and the
 * connection cannot happen: the check is made on the very answer the socket uses.
 */
function checkedLookup(policy: AddressPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (answers) => {
        const fitting = answers.filter((answer) => !options.family || answer.family === options.family);
        const allowed = fitting.filter((answer) => policy(answer.address).allowed);
        if (allowed.length === 0) {
          const verdict = fitting.map((answer) => policy(answer.address)).find((v) => !v.allowed);
          const reason = verdict && !verdict.allowed ? verdict.reason : 'the target has no address';
          callback(refusal(hostname, reason), '', 0);
        } else if (options.all) {
          callback(null, allowed);
        } else {
          callback(null, allowed[0]!.address, allowed[0]!.family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/**
 * An undici dispatcher whose every connection goes to an address `settings` allow: a host name
 * is resolved once per connection (by `resolve`) and the socket connects to the checked address;
 * an IP literal in the URL (which the socket would not look up) is checked as it is.
 */
export function createOutboundDispatcher(settings: OutboundSettings, resolve: Resolver = systemResolver): Agent {
  const policy = addressPolicy(settings);
  const connector = buildConnector({ lookup: checkedLookup(policy, resolve) });
  return new Agent({
    connect: (options, callback) => {
      const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) !== 0) {
        const verdict = policy(host);
        if (!verdict.allowed) {
          callback(refusal(options.hostname, verdict.reason), null);
          return;
        }
      }
      connector(options, callback);
    },
  });
}

const shared = new Map<string, Agent>();

/**
 * The undici dispatcher of every request the gateway sends out on its own (DCI callbacks,
 * webhooks, an issuer's JWKS): one place to decide where the gateway may connect and how.
 * One agent per outbound policy for the process, with undici's defaults otherwise (those of
 * the global dispatcher it replaces): connections to a receiver are kept alive across
 * deliveries for as long as the receiver's Keep-Alive hint allows, less a margin, so a reused
 * socket is not one the receiver is closing.
 */
export function outboundDispatcher(settings: OutboundSettings): Dispatcher {
  const key = JSON.stringify(settings);
  let agent = shared.get(key);
  if (agent === undefined) {
    agent = createOutboundDispatcher(settings);
    shared.set(key, agent);
  }
  return agent;
}
