import { isOdooError, type OdooConnection } from '../../odoo/index.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

export interface ReadinessOptions {
  /** How long a result is reused: probes from several kubelets and load balancers must not each reach Odoo. */
  cacheMs: number;
  timeoutMs: number;
}

/**
 * Ready means Odoo answers and accepts the gateway's own login. A real `authenticate` call
 * is made (a cached uid would stay "ready" after Odoo went away); results are cached for
 * `cacheMs` and concurrent probes share one check.
 */
export function createReadinessCheck(odoo: OdooConnection, account: { login: string; password: string }, options: ReadinessOptions): () => Promise<Readiness> {
  let last: { result: Readiness; at: number } | undefined;
  let running: Promise<Readiness> | undefined;

  const check = async (): Promise<Readiness> => {
    try {
      await odoo.authenticate({ login: account.login, secret: account.password }, AbortSignal.timeout(options.timeoutMs));
      return { ready: true };
    } catch (err) {
      // Reasons are for operators reading a probe: no URL, login or Odoo text in them.
      if (isOdooError(err) && err.kind === 'access_denied') return { ready: false, reason: "Odoo refused the gateway's login" };
      if (isOdooError(err) && err.kind === 'timeout') return { ready: false, reason: 'Odoo did not answer in time' };
      return { ready: false, reason: 'Odoo is not reachable' };
    }
  };

  return async () => {
    if (last && performance.now() - last.at < options.cacheMs) return last.result;
    running ??= check().then((result) => {
      last = { result, at: performance.now() };
      running = undefined;
      return result;
    });
    return running;
  };
}
