/**
 * A careful XML 1.0 well-formedness check for the inline SVG the renderer writes (no XML parser is
 * installed; the browser test parses the same SVG with Chromium's DOMParser as well). It covers what the
 * renderer could get wrong: tags nested and closed in order, attribute syntax (quoted, no `<`, no
 * duplicates), entity references (only the five XML ones and numeric), characters XML forbids. It
 * refuses what the renderer never writes (comments, CDATA, processing instructions, DOCTYPE).
 */

const NAME = /^[A-Za-z_][\w.:-]*$/;
const REFERENCE = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/y;

function checkChars(text: string, where: string, errors: string[]): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)
      errors.push(`${where}: control character U+${c.toString(16)}`);
    if (c === 0xfffe || c === 0xffff) errors.push(`${where}: non-character U+${c.toString(16)}`);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else errors.push(`${where}: lone high surrogate`);
    } else if (c >= 0xdc00 && c <= 0xdfff) errors.push(`${where}: lone low surrogate`);
  }
}

function checkText(text: string, where: string, errors: string[]): void {
  checkChars(text, where, errors);
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
    REFERENCE.lastIndex = i;
    if (!REFERENCE.test(text)) errors.push(`${where}: bad entity reference at “${text.slice(i, i + 12)}”`);
  }
  if (text.includes(']]>')) errors.push(`${where}: “]]>” in text`);
}

function checkAttributes(source: string, tag: string, errors: string[]): void {
  const seen = new Set<string>();
  let rest = source;
  while (rest.trim() !== '') {
    const m = /^\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(rest);
    if (m === null) {
      errors.push(`<${tag}>: bad attribute syntax at “${rest.slice(0, 30)}”`);
      return;
    }
    const [whole, name, dq, sq] = m;
    const value = dq ?? sq ?? '';
    if (!NAME.test(name)) errors.push(`<${tag}>: bad attribute name ${name}`);
    if (seen.has(name)) errors.push(`<${tag}>: duplicate attribute ${name}`);
    seen.add(name);
    if (value.includes('<')) errors.push(`<${tag} ${name}>: “<” in attribute value`);
    checkText(value, `<${tag} ${name}>`, errors);
    rest = rest.slice(whole.length);
  }
}

/** Well-formedness errors of one XML document fragment with a single root element (empty: well formed). */
export function xmlErrors(xml: string): string[] {
  const errors: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  let at = 0;
  while (at < xml.length) {
    const open = xml.indexOf('<', at);
    const text = xml.slice(at, open === -1 ? xml.length : open);
    if (text !== '') {
      if (stack.length === 0 && text.trim() !== '')
        errors.push(`text outside the root: “${text.slice(0, 20)}”`);
      checkText(text, `text in <${stack[stack.length - 1] ?? '(none)'}>`, errors);
    }
    if (open === -1) break;
    const close = xml.indexOf('>', open);
    if (close === -1) {
      errors.push('unterminated tag');
      break;
    }
    const tag = xml.slice(open + 1, close);
    at = close + 1;
    if (/^[!?]/.test(tag)) {
      errors.push(`unexpected markup <${tag.slice(0, 20)}>`);
      continue;
    }
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const top = stack.pop();
      if (top !== name) errors.push(`</${name}> closes <${top ?? '(nothing)'}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^[^\s/>]*/.exec(body)?.[0] ?? '';
    if (!NAME.test(name)) errors.push(`bad element name “${name}”`);
    checkAttributes(body.slice(name.length), name, errors);
    if (stack.length === 0) roots++;
    if (!selfClosing) stack.push(name);
  }
  if (stack.length > 0) errors.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) errors.push(`${roots} root elements, expected 1`);
  return errors;
}

/** The inline `<svg>…</svg>` elements of an HTML string (the renderer never nests them). */
export function inlineSvgs(html: string): string[] {
  return html.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];
}
