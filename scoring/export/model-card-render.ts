/**
 * A model card as Markdown or as one self-contained HTML page (inline style, no scripts, no
 * external resources). Every value goes through the format's escaping: HTML-special characters
 * become entities, Markdown table cells get their pipes and line breaks escaped.
 */
import type { CardBlock, ModelCard } from './model-card.ts';

/** Formats of {@link renderModelCard}. */
export type CardFormat = 'md' | 'html';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Escapes text for Markdown: table pipes, backslashes and the characters that start markup. */
function md(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/([|*_`[\]<>#])/g, '\\$1')
    .replace(/[\r\n]+/g, ' ');
}

function mdBlock(b: CardBlock): string[] {
  switch (b.kind) {
    case 'facts':
      return ['| | |', '|---|---|', ...b.rows.map(([k, v]) => `| **${md(k)}** | ${md(v)} |`), ''];
    case 'table':
      return [`| ${b.header.map(md).join(' | ')} |`, `|${b.header.map(() => '---').join('|')}|`, ...b.rows.map((r) => `| ${r.map(md).join(' | ')} |`), ''];
    case 'text':
      return [md(b.text), ''];
    case 'list':
      return [...b.items.map((i) => `- ${md(i)}`), ''];
  }
}

/** The Markdown form. */
export function modelCardMarkdown(card: ModelCard): string {
  const out = [`# ${md(card.title)}`, ''];
  for (const s of card.sections) out.push(`## ${md(s.title)}`, '', ...s.blocks.flatMap(mdBlock));
  return out.join('\n');
}

function htmlBlock(b: CardBlock): string {
  const e = escapeHtml;
  switch (b.kind) {
    case 'facts':
      return `<table class="facts">${b.rows.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</table>`;
    case 'table':
      return `<table><thead><tr>${b.header.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
    case 'text':
      return `<p>${e(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>`;
  }
}

const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}',
  'h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}',
  'table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}',
  'thead th{background:#f4f4f4}table.facts th{width:14rem;background:#fafafa;font-weight:600}',
].join('');

/** The self-contained HTML form. */
export function modelCardHtml(card: ModelCard): string {
  const body = card.sections.map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.blocks.map(htmlBlock).join('\n')}</section>`).join('\n');
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${escapeHtml(card.title)}</title>\n<style>${STYLE}</style>\n</head>\n` +
    `<body>\n<h1>${escapeHtml(card.title)}</h1>\n${body}\n</body>\n</html>\n`
  );
}

/** The card in `format`. */
export function renderModelCard(card: ModelCard, format: CardFormat): string {
  return format === 'html' ? modelCardHtml(card) : modelCardMarkdown(card);
}
