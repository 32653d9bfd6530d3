import { XMLParser } from 'fast-xml-parser';

/**
 * An independent XML-RPC reader (fast-xml-parser, not the `xmlrpc` package the client uses),
 * so tests compare the client's decoding against a second implementation, not against itself.
 */
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  preserveOrder: true,
  cdataPropName: '#cdata',
});

type Node = Record<string, unknown> & { '#text'?: string };

export interface ReferenceMethodCall {
  methodName: string;
  params: unknown[];
}

export type ReferenceResponse = { ok: true; value: unknown } | { ok: false; faultCode: number; faultString: string };

export function parseMethodCall(xml: string): ReferenceMethodCall {
  const root = findChild(parser.parse(xml) as Node[], 'methodCall');
  const methodName = textOf(findChild(root, 'methodName'));
  const params = children(findChild(root, 'params'), 'param').map((param) => decodeValue(findChild(param, 'value')));
  return { methodName, params };
}

export function parseMethodResponse(xml: string): ReferenceResponse {
  const root = findChild(parser.parse(xml) as Node[], 'methodResponse');
  const fault = root.find((node) => 'fault' in node);
  if (fault) {
    const struct = decodeValue(findChild(fault.fault as Node[], 'value')) as { faultCode: number; faultString: string };
    return { ok: false, faultCode: struct.faultCode, faultString: struct.faultString };
  }
  const param = findChild(findChild(root, 'params'), 'param');
  return { ok: true, value: decodeValue(findChild(param, 'value')) };
}

function decodeValue(value: Node[]): unknown {
  const typed = value.find((node) => Object.keys(node).some((key) => key !== '#text'));
  if (!typed) return textOf(value); // <value>text</value> is a string
  const [type] = Object.keys(typed).filter((key) => key !== '#text');
  const content = typed[type!] as Node[];
  switch (type) {
    case 'string':
      return textOf(content);
    case 'int':
    case 'i4':
    case 'i8':
      return Number.parseInt(textOf(content), 10);
    case 'double':
      return Number.parseFloat(textOf(content));
    case 'boolean':
      return textOf(content).trim() === '1';
    case 'nil':
      return null;
    case 'array':
      return children(findChild(content, 'data'), 'value').map(decodeValue);
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const member of children(content, 'member')) out[textOf(findChild(member, 'name'))] = decodeValue(findChild(member, 'value'));
      return out;
    }
    default:
      throw new Error(`reference decoder: unsupported type ${type}`);
  }
}

function findChild(nodes: Node[], name: string): Node[] {
  const found = nodes.find((node) => name in node);
  if (!found) throw new Error(`reference decoder: <${name}> missing`);
  return found[name] as Node[];
}

function children(nodes: Node[], name: string): Node[][] {
  return nodes.filter((node) => name in node).map((node) => node[name] as Node[]);
}

function textOf(nodes: Node[]): string {
  return nodes.map((node) => (node['#text'] !== undefined ? String(node['#text']) : node['#cdata'] ? textOf(node['#cdata'] as Node[]) : '')).join('');
}
