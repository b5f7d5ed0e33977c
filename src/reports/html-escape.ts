/**
 * Whether a UTF-16 code unit may not appear in HTML text or XML 1.0 (so not in inline SVG either): C0
 * controls other than tab, line feed and carriage return, DEL and C1 controls, U+FFFE and U+FFFF.
 */
function forbidden(c: number): boolean {
  return (
    (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) ||
    (c >= 0x7f && c <= 0x9f) ||
    c === 0xfffe ||
    c === 0xffff
  );
}

/** Replaces forbidden characters and lone surrogates with U+FFFD; keeps surrogate pairs. */
function sanitize(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const high = c >= 0xd800 && c <= 0xdbff;
    if (high && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (forbidden(c) || (c >= 0xd800 && c <= 0xdfff)) {
      out += `${text.slice(from, i)}\uFFFD`;
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes a string for HTML text and attribute values, and for inline SVG (well-formed XML): `& < > " '`
 * become entities, characters XML forbids become U+FFFD (�). Use it on every string that comes from data.
 *
 * @example
 * escapeHtml('<b> & "x"'); // '&lt;b&gt; &amp; &quot;x&quot;'
 */
export function escapeHtml(text: string): string {
  return sanitize(String(text)).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * Shortens a label to `max` characters (counting code points, so a surrogate pair is never split), with
 * an ellipsis; escape the result afterwards, never before (an entity must not be cut).
 */
export function truncateLabel(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}
