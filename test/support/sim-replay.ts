import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { sharedPath } from './shared.js';

/** One recorded exchange of ../shared/odoo-wire/*.json. */
export interface RecordedCase {
  case: string;
  description?: string;
  notes?: string;
  request: { method: string; path: string; headers: Record<string, string>; body: string | null };
  response: { status: number; headers: Record<string, string | string[]>; body: string };
}

export function loadRecording(file: string): RecordedCase[] {
  return JSON.parse(readFileSync(sharedPath('odoo-wire', file), 'utf8')) as RecordedCase[];
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends exactly the given method, headers and body over a fresh socket (no client-side rewriting). */
export function sendRaw(baseUrl: string, method: string, path: string, headers: Record<string, string>, body: string | null): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  const payload = body === null ? undefined : Buffer.from(body, 'utf8');
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'host') sent[name] = value;
  if (payload) sent['Content-Length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: sent, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// ------------------------------------------------------------------ XML-RPC response decoding
// A deliberately separate, regex-level reader of methodResponse documents, so the suite does
// not judge the simulator with the simulator's own parser.

export type XmlValue = null | boolean | number | string | { double: number } | XmlValue[] | { [key: string]: XmlValue };
export interface XmlResponse {
  fault?: { faultCode: XmlValue; faultString: XmlValue };
  value?: XmlValue;
}

const unescapeXml = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

export function decodeXmlResponse(text: string): XmlResponse {
  const tokens = text.match(/<[^>]+>|[^<]+/g) ?? [];
  let i = 0;
  const next = () => tokens[i++];
  const skipText = () => {
    while (i < tokens.length && !tokens[i]!.startsWith('<')) i++;
  };
  const readValue = (): XmlValue => {
    // positioned after <value>
    const token = next()!;
    if (!token.startsWith('<')) {
      next(); // </value>
      return unescapeXml(token);
    }
    if (token === '</value>') return '';
    if (token === '<nil/>') {
      next();
      return null;
    }
    const tag = token.slice(1, -1);
    let result: XmlValue;
    if (tag === 'array') {
      next(); // <data>
      const items: XmlValue[] = [];
      for (;;) {
        skipText();
        const t = next()!;
        if (t === '</data>') break;
        items.push(readValue());
      }
      next(); // </array>
      result = items;
    } else if (tag === 'struct') {
      const out: { [key: string]: XmlValue } = {};
      for (;;) {
        skipText();
        const t = next()!;
        if (t === '</struct>') break;
        skipText();
        next(); // <name>
        let name = '';
        if (!tokens[i]!.startsWith('<')) name = unescapeXml(next()!);
        next(); // </name>
        skipText();
        next(); // <value>
        out[name] = readValue();
        skipText();
        next(); // </member>
      }
      result = out;
    } else {
      let content = '';
      if (!tokens[i]!.startsWith('</')) content = unescapeXml(next()!);
      next(); // closing tag
      if (tag === 'int' || tag === 'i4' || tag === 'i8') result = Number(content);
      else if (tag === 'boolean') result = content === '1';
      else if (tag === 'double') result = { double: Number(content) };
      else result = content;
    }
    skipText();
    next(); // </value>
    return result;
  };
  const isFault = text.includes('<fault>');
  while (i < tokens.length && tokens[i] !== '<value>') i++;
  next();
  const value = readValue();
  if (isFault) {
    const fault = value as { faultCode: XmlValue; faultString: XmlValue };
    return { fault };
  }
  return { value };
}

/** The final "Class: message" line of a Python traceback (the part that must match). */
export function tracebackTail(text: string): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  // The exception line is the first line after the last indented frame.
  let last = lines.length - 1;
  for (let k = lines.length - 1; k >= 0; k--) {
    if (lines[k]!.startsWith('  ')) {
      last = k + 1;
      break;
    }
  }
  return lines.slice(last).join('\n');
}

/**
 * JSON.parse that keeps Python's int/float distinction: a number written with a fraction or
 * exponent ("0.0", "1e+16") becomes { double: n }, like <double> in the XML reader above.
 */
export function parseJsonKeepingFloats(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        const key = value() as string;
        ws();
        i++; // :
        out[key] = value();
        ws();
        if (text[i++] === '}') return out;
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i++] === ']') return out;
      }
    }
    if (c === '"') {
      const start = i;
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i)) as string;
    }
    const literal = /^(true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 40))?.[1];
    if (!literal) throw new SyntaxError(`bad JSON at ${i}`);
    i += literal.length;
    if (literal === 'true') return true;
    if (literal === 'false') return false;
    if (literal === 'null') return null;
    return /[.eE]/.test(literal) ? { double: Number(literal) } : Number(literal);
  };
  const result = value();
  ws();
  if (i !== text.length) throw new SyntaxError('trailing data');
  return result;
}
