import { request } from 'node:http';

/** A raw HTTP exchange with the simulator: one request per connection, like the real server forces. */
export interface SimHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function simPost(baseUrl: string, path: string, body: string, headers: Record<string, string> = {}): Promise<SimHttpResponse> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body, 'utf8');
    const req = request(new URL(path, baseUrl), { method: 'POST', agent: false, headers: { 'Content-Length': String(payload.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** POSTs a JSON-RPC "call" envelope and returns the parsed response (and raw headers). */
export async function simJsonCall(baseUrl: string, path: string, params: unknown, cookie?: string) {
  const res = await simPost(baseUrl, path, JSON.stringify({ jsonrpc: '2.0', method: 'call', params, id: 1 }), {
    'Content-Type': 'application/json',
    ...(cookie ? { Cookie: cookie } : {}),
  });
  return {
    ...res,
    json: JSON.parse(res.body) as { id: unknown; result?: unknown; error?: { code: number; message: string; data: { name: string; message: string } } },
  };
}

export function executeKwJson(
  baseUrl: string,
  uid: number,
  password: string,
  model: string,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown> = {},
) {
  return simJsonCall(baseUrl, '/jsonrpc', { service: 'object', method: 'execute_kw', args: ['g2p', uid, password, model, method, args, kwargs] });
}
