import { channel } from 'node:diagnostics_channel';

/**
 * Every ORM call a connection sends, published on a Node.js diagnostics channel before it
 * leaves (as undici publishes its requests): tooling can observe exactly what the gateway asks
 * of Odoo without wrapping the client. Nothing is built when nobody subscribes.
 */
export const ODOO_CALL_CHANNEL = 'g2p-gateway:odoo:execute_kw';

export interface OdooCallMessage {
  /** The connection's `name` option ("gateway" for the one buildApp makes). */
  connection: string | undefined;
  model: string;
  method: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

const odooCalls = channel(ODOO_CALL_CHANNEL);

export function publishOdooCall(message: () => OdooCallMessage): void {
  if (odooCalls.hasSubscribers) odooCalls.publish(message());
}
