/**
 * The two load generators. Both record every response time as a float (autocannon's own
 * histogram has 1 ms buckets, too coarse for a 1 ms target), and both are closed loops: each
 * connection sends its next request when the previous answer has been read.
 */
import autocannon from 'autocannon';
import { Pool } from 'undici';

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Milliseconds, one per 2xx response. */
  latencies: number[];
  requests: number;
  /** Non-2xx answers plus transport errors. */
  failures: number;
  elapsedMs: number;
  bytes: number;
}

export const requestsPerSecond = (result: LoadResult): number => (result.latencies.length * 1000) / result.elapsedMs;

/**
 * undici closed loop. Used where the server closes every connection (Odoo and the simulator
 * answer `Connection: close`): undici reconnects per request, exactly as the gateway's own
 * pool does towards Odoo, whereas autocannon queues its next request on the closing socket
 * and then times it from that lost write. Used against the gateway too where a figure is
 * compared with such a server, so both sides carry the same client cost. With a list of
 * requests, each next request is the next of the list (round robin over all connections).
 */
export async function undiciLoop(
  origin: string,
  specs: HttpRequestSpec | readonly HttpRequestSpec[],
  connections: number,
  durationMs: number,
  /** At most this many requests started per second over all connections (default: as fast as answers come). */
  ratePerSecond?: number,
): Promise<LoadResult> {
  const list = Array.isArray(specs) ? specs : [specs as HttpRequestSpec];
  let next = 0;
  let nextStart = performance.now();
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const latencies: number[] = [];
  let requests = 0;
  let failures = 0;
  let bytes = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      if (ratePerSecond) {
        const at = nextStart;
        nextStart = Math.max(nextStart, performance.now() - 1000) + 1000 / ratePerSecond;
        if (at > performance.now()) await new Promise((resolve) => setTimeout(resolve, at - performance.now()));
        if (performance.now() >= deadline) break;
      }
      const spec = list[next++ % list.length]!;
      const sent = performance.now();
      requests++;
      try {
        const response = await pool.request({ path: spec.path, method: spec.method, headers: spec.headers, body: spec.body });
        const body = await response.body.arrayBuffer();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          latencies.push(performance.now() - sent);
          bytes += body.byteLength;
        } else failures++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsedMs = performance.now() - started;
  await pool.close();
  return { latencies, requests, failures, elapsedMs, bytes };
}

/** autocannon against a keep-alive server (the gateway), cycling through `specs`. */
export function autocannonLoad(origin: string, specs: HttpRequestSpec[], connections: number, durationMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: origin,
        connections,
        duration: durationMs / 1000,
        requests: specs.map((s) => ({ method: s.method, path: s.path, headers: s.headers, ...(s.body !== undefined ? { body: s.body } : {}) })),
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({
          latencies,
          requests: result.requests.sent,
          failures: result.non2xx + result.errors, // autocannon counts timeouts among errors
          elapsedMs: performance.now() - started,
          bytes: result.throughput.total,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
