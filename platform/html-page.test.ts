import { describe, expect, it } from 'vitest';
import { chartJsSource, contentSecurityPolicy, cspHash, escapeHtml, inlineScript, jsonForScript } from './html-page.ts';

describe('HTML page building blocks', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('writes JSON that cannot close its script element and reads back the same', () => {
    const value = { name: '</script><script>alert(1)</script> <!-- & \u2028', n: [1, 0.5] };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('hashes inline content as CSP sources and forbids every other load', () => {
    // SHA-256 of the empty string, base64 (FIPS 180-4 test value e3b0c442…).
    expect(cspHash('')).toBe("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    const csp = contentSecurityPolicy({ scripts: [''], styles: [] });
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toContain('frame-ancestors');
    expect(contentSecurityPolicy({ scripts: [], styles: [], header: true })).toContain("frame-ancestors 'none'");
  });

  it('inlines chart.js and refuses a script that would close its element', () => {
    expect(chartJsSource()).toContain('Chart');
    expect(() => inlineScript('x = "</script>"')).toThrow(/<\/script/);
  });
});
