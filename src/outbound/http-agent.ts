import { Agent, type Dispatcher } from 'undici';

let shared: Agent | undefined;

/**
 * The undici dispatcher of every request the gateway sends out on its own (DCI callbacks,
 * webhooks, an issuer's JWKS): one place to decide where the gateway may connect and how.
 * One agent for the process, with undici's defaults (those of the global dispatcher it replaces):
 * connections to a receiver are kept alive across deliveries for as long as the receiver's
 * Keep-Alive hint allows, less a margin, so a reused socket is not one the receiver is closing.
 */
export function outboundDispatcher(): Dispatcher {
  shared ??= new Agent();
  return shared;
}
