// Putting data into an HTML page safely: text escaped for elements and attributes, and JSON
// that cannot end its <script> element early (`</script>`, `<!--`) nor break in old parsers
// (U+2028, U+2029).

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEscapes[c]!);
}

const jsonEscapes: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON for the inside of a `<script type="application/json">` element; JSON.parse reads it back unchanged. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => jsonEscapes[c]!);
}
