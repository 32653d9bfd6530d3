/**
 * A small, strict XML reader for XML-RPC requests. It reports errors with the same wording
 * and line/column convention as Python's expat (which the real server uses), because those
 * messages end up verbatim in the fault string the client sees.
 */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(reason: string, line: number, column: number) {
    super(`${reason}: line ${line}, column ${column}`);
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string, fail: (reason: string) => never): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]*);?/g, (match, name: string) => {
    if (!match.endsWith(';')) fail('not well-formed (invalid token)');
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const value = ENTITIES[name];
    if (value === undefined) fail('undefined entity');
    return value;
  });
}

export function parseXml(source: string): XmlElement {
  let pos = 0;
  const position = (at: number): [number, number] => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++)
      if (source.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    return [line, at - lineStart];
  };
  const fail = (reason: string, at = pos): never => {
    const [line, column] = position(at);
    throw new XmlSyntaxError(reason, line, column);
  };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt === -1 ? source.length : lt;
    if (textEnd > pos) {
      const text = source.slice(pos, textEnd);
      if (stack.length === 0) {
        if (text.trim() !== '') fail(root ? 'junk after document element' : 'syntax error');
      } else {
        stack[stack.length - 1]!.text += decodeEntities(text, (r) => fail(r));
      }
      pos = textEnd;
      continue;
    }
    if (source.startsWith('<?', pos)) {
      const end = source.indexOf('?>', pos);
      if (end === -1) fail('unclosed token');
      pos = end + 2;
      continue;
    }
    if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos);
      if (end === -1) fail('unclosed token');
      pos = end + 3;
      continue;
    }
    if (source.startsWith('<![CDATA[', pos)) {
      const end = source.indexOf(']]>', pos);
      if (end === -1) fail('unclosed CDATA section');
      if (stack.length) stack[stack.length - 1]!.text += source.slice(pos + 9, end);
      pos = end + 3;
      continue;
    }
    const gt = source.indexOf('>', pos);
    if (gt === -1) {
      pos = source.length;
      break;
    }
    const tag = source.slice(pos + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) fail('mismatched tag');
      if (stack.length === 0) root = open;
      pos = gt + 1;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const name = (selfClosing ? tag.slice(0, -1) : tag).trim().split(/\s+/)[0] ?? '';
    if (!/^[A-Za-z_][\w.:-]*$/.test(name)) fail('not well-formed (invalid token)');
    if (stack.length === 0 && root) fail('junk after document element');
    const element: XmlElement = { name, children: [], text: '' };
    if (stack.length) stack[stack.length - 1]!.children.push(element);
    if (selfClosing) {
      if (stack.length === 0) root = element;
    } else {
      stack.push(element);
    }
    pos = gt + 1;
  }
  if (stack.length > 0 || !root) fail('no element found', source.length);
  return root!;
}
