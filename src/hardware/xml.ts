/**
 * Just enough XML for `nvidia-smi -q -x`: elements, attributes, text, comments, CDATA, the
 * declaration and a DOCTYPE without an internal subset. Not a general XML parser (no
 * namespaces, no entities beyond the five predefined and numeric ones). Malformed input is a
 * ParseError.
 */
import { ParseError } from './quantity.js';

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return ENTITIES[entity] ?? whole;
  });
}

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const m of source.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes[m[1]!] = decode(m[2] ?? m[3] ?? '');
  return attributes;
}

function skipTo(text: string, marker: string, from: number, what: string): number {
  const end = text.indexOf(marker, from);
  if (end < 0) throw new ParseError(`unterminated ${what}`);
  return end + marker.length;
}

export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    const top = stack[stack.length - 1];
    if (chunk.trim().length > 0) {
      if (!top) throw new ParseError(`text outside the root element: '${chunk.trim().slice(0, 40)}'`);
      top.text += decode(chunk);
    }
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      i = skipTo(text, '-->', lt + 4, 'comment');
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = skipTo(text, ']]>', lt + 9, 'CDATA section');
      if (!top) throw new ParseError('CDATA outside the root element');
      top.text += text.slice(lt + 9, end - 3);
      i = end;
      continue;
    }
    if (text.startsWith('<?', lt)) {
      i = skipTo(text, '?>', lt + 2, 'processing instruction');
      continue;
    }
    if (text.startsWith('<!', lt)) {
      i = skipTo(text, '>', lt + 2, 'declaration');
      continue;
    }
    const gt = text.indexOf('>', lt);
    if (gt < 0) throw new ParseError('unterminated tag');
    const tag = text.slice(lt + 1, gt).trim();
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new ParseError(`closing tag </${name}> does not match ${open ? `<${open.name}>` : 'any open element'}`);
      if (stack.length === 0) root = open;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const m = /^([A-Za-z_][\w.:-]*)([\s\S]*)$/.exec(selfClosing ? tag.slice(0, -1) : tag);
    if (!m) throw new ParseError(`bad tag <${tag.slice(0, 40)}>`);
    const element: XmlElement = { name: m[1]!, attributes: parseAttributes(m[2] ?? ''), children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else if (root) throw new ParseError(`a second root element <${element.name}>`);
    if (selfClosing) {
      if (!parent) root = element;
    } else {
      stack.push(element);
    }
  }
  if (stack.length > 0) throw new ParseError(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) throw new ParseError('no root element');
  return root;
}

/** The first descendant along a path of child names. */
export function child(element: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let at = element;
  for (const name of path) at = at?.children.find((c) => c.name === name);
  return at;
}

/** The trimmed text at a path, or undefined when the element is absent. */
export function childText(element: XmlElement | undefined, ...path: string[]): string | undefined {
  const found = child(element, ...path);
  return found === undefined ? undefined : found.text.trim();
}
