import type { ServerResponse } from 'node:http';

/** The Server header of the recorded Odoo (threaded Werkzeug dev server). */
export const SERVER_HEADER = 'Werkzeug/2.2.2 Python/3.11.2';

export interface ReplyOptions {
  status?: number;
  contentType: string;
  /** X-Content-Type-Options: nosniff — Odoo adds it to normal responses but not to JSON errors or Werkzeug error pages. */
  nosniff?: boolean;
  setCookie?: string[];
  extraHeaders?: [string, string][];
  /** Werkzeug puts Content-Length before Content-Type on JSON responses and after it elsewhere. */
  lengthFirst?: boolean;
}

/** Header list in the order the real server writes them (name case kept as sent). */
export function buildHeaders(body: Buffer, options: ReplyOptions): [string, string][] {
  const headers: [string, string][] = [
    ['Server', SERVER_HEADER],
    ['Date', new Date().toUTCString()],
  ];
  const length: [string, string] = ['Content-Length', String(body.length)];
  const type: [string, string] = ['Content-Type', options.contentType];
  if (options.lengthFirst) headers.push(length, type);
  else headers.push(type);
  for (const extra of options.extraHeaders ?? []) headers.push(extra);
  if (!options.lengthFirst) headers.push(length);
  for (const cookie of options.setCookie ?? []) headers.push(['Set-Cookie', cookie]);
  if (options.nosniff) headers.push(['X-Content-Type-Options', 'nosniff']);
  // The real server never keeps a connection alive; clients must cope with that.
  headers.push(['Connection', 'close']);
  return headers;
}

export function writeReply(res: ServerResponse, body: string | Buffer, options: ReplyOptions): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const headers = buildHeaders(bytes, options);
  res.sendDate = false;
  res.writeHead(options.status ?? 200, headers.flat());
  res.end(bytes);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
};

/** A Werkzeug HTTPException page. */
export function werkzeugPage(status: number, description: string): string {
  const title = `${status} ${STATUS_TEXT[status] ?? 'Error'}`;
  return `<!doctype html>\n<html lang=en>\n<title>${title}</title>\n<h1>${STATUS_TEXT[status] ?? 'Error'}</h1>\n<p>${description}</p>\n`;
}

/** Escapes like markupsafe.escape, which Werkzeug applies to descriptions. */
export function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

export const NOT_FOUND_DESCRIPTION = 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';
export const METHOD_NOT_ALLOWED_DESCRIPTION = 'The method is not allowed for the requested URL.';

export function jsonTypeMismatchDescription(path: string): string {
  return htmlEscape(`Request inferred type is compatible with ['http', 'fastapi'] but '${path}' is type='json'.`);
}

/** What a reverse proxy answers when the upstream fails: used by the fault injector. */
export const PROXY_502_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
