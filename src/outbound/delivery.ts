import { request, type Dispatcher } from 'undici';

/** The outcome of one delivery attempt: delivered, or why not (status, timeout, network error; never the body). */
export type DeliveryOutcome = { ok: true; status: number } | { ok: false; error: string };

/** `body` is sent as JSON, or as is when it is a string already serialised (a signed webhook body); `headers` are added. */
export type Deliverer = (url: string, body: unknown, headers?: Record<string, string>) => Promise<DeliveryOutcome>;

/**
 * Posts a signed DCI message (or webhook) to a callback with undici: JSON, a deadline on the whole attempt,
 * no redirects followed (a redirect could lead outside the sender's registered callback URL).
 * Any 2xx is delivered; the receiver's answer body is read and discarded.
 */
export function httpDeliverer(timeoutMs: number, userAgent: string, dispatcher: Dispatcher): Deliverer {
  return async (url, body, headers = {}) => {
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': userAgent, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump({ limit: 65_536 }).catch(() => undefined);
      if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true, status: response.statusCode };
      return { ok: false, error: `HTTP ${response.statusCode}` };
    } catch (err) {
      const { name, code, message } = err as { name?: string; code?: string; message?: string };
      if (name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
        return { ok: false, error: `no answer within ${timeoutMs} ms` };
      return { ok: false, error: (code ?? message ?? 'network error').slice(0, 200) };
    }
  };
}
