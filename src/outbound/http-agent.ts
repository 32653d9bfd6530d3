import { Agent, type Dispatcher } from 'undici';

let shared: Agent | undefined;

/**
 * The undici dispatcher of every request the gateway sends out on its own (DCI callbacks,
 * webhooks, an issuer's JWKS): one place to decide where the gateway may connect and how.
 * One agent for the process, so connections to a receiver are kept alive across deliveries.
 */
export function outboundDispatcher(): Dispatcher {
  shared ??= new Agent({ connections: 32, keepAliveTimeout: 10_000 });
  return shared;
}
