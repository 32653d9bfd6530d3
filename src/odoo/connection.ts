import { CallPipeline } from './call-pipeline.js';
import { OdooAccountClient, type ClientContext } from './client.js';
import { PooledHttpConnection } from './http-connection.js';
import { createRpcProtocol } from './rpc-protocols.js';
import { ServerVersion } from './server-version.js';
import { OdooSessions } from './sessions.js';
import { odooSettingsSchema, type OdooConnectionOptions } from './settings.js';
import { SharedReads } from './shared-reads.js';
import type { OdooConnection } from './types.js';

/**
 * A configured Odoo, layered from the socket up: the HTTP connection (a keep-alive pool, or
 * the one given as `http`), the RPC protocol, the call pipeline (breaker, concurrency bound,
 * retries), the server version and the accounts' logins; the per-account clients it hands out
 * share all of them. Options are validated (defaults filled) here.
 */
export function createOdooConnection(options: OdooConnectionOptions): OdooConnection {
  const { name, logger, onCall, http: givenHttp, ...rest } = options;
  const settings = odooSettingsSchema.parse(rest);
  const http = givenHttp ?? new PooledHttpConnection(settings.url, settings.maxConcurrent);
  const pipeline = new CallPipeline(createRpcProtocol(settings.protocol, http), settings, { name, logger, onCall });
  const server = new ServerVersion(pipeline);
  const sessions = new OdooSessions(settings, http, pipeline, server);
  const context: ClientContext = { name, db: settings.db, calls: pipeline, server, sharedReads: new SharedReads() };
  return {
    as: (credentials) => new OdooAccountClient(context, sessions.account(credentials)),
    authenticate: (credentials, signal) => sessions.authenticate(credentials, signal),
    get breakerState() {
      return pipeline.breakerState;
    },
    get inFlight() {
      return pipeline.inFlight;
    },
    get queued() {
      return pipeline.queued;
    },
    close: () => http.close(),
  };
}
