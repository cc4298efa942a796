import { describe, expect, it } from 'vitest';
import { dataElementId } from '../../../cli/src/view/data-element';
import { escapeHtml, jsonForScript } from '../../../cli/src/view/embed';
import { renderReport } from '../../../cli/src/view/report';
import { hostileName, sampleViewData } from '../../../testing/view-data';

describe('the HTML report', () => {
  it('embeds JSON that cannot close its script element and parses back unchanged', () => {
    const value = { name: hostileName, comment: '<!-- x -->', amp: 'a&b', separators: '\u2028\u2029' };
    const embedded = jsonForScript(value);
    expect(embedded).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(embedded)).toEqual(value);
  });

  it('escapes text for HTML', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('is one document: no external resource, the data intact, only its own two script elements', () => {
    const data = sampleViewData(20);
    const html = renderReport(data);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    const markup = html.replace(/(<script[^>]*>)[^]*?(<\/script>)/g, '$1$2');
    expect(markup.length).toBeLessThan(12_000);
    expect(/\b(src|href)=/i.test(markup)).toBe(false);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('<title>hoptrace · files ./traces &lt;script&gt;alert(1)&lt;/script&gt;</title>');
    const start = html.indexOf(`<script type="application/json" id="${dataElementId}">`);
    const body = html.slice(html.indexOf('>', start) + 1, html.indexOf('</script>', start));
    expect(JSON.parse(body)).toEqual(data);
  });
});
