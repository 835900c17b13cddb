/**
 * docs/protocol.md is complete and linked: it names every message, field, enum value, service and
 * method of proto/fedcredit/v1/fedcredit.proto (read from the .proto itself, so a field added there
 * without documentation fails here), every internal link resolves to one of its headings, and it
 * links every vector file, each of which has a description and links back to an existing section.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { PROTO_PATH } from '../load.ts';
import { VECTORS_DIR } from './json.ts';

const DOC_PATH = path.join(VECTORS_DIR, '..', '..', 'docs', 'protocol.md');
const doc = readFileSync(DOC_PATH, 'utf8');

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

const anchors = new Set(doc.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));

interface Descriptor {
  format: string;
  type: { field?: { name: string }[]; value?: { name: string }[] };
}

/** Every name the .proto defines, as `Kind name` → the name to find in the document. */
function protoNames(): { what: string; name: string }[] {
  const def = protoLoader.loadSync(PROTO_PATH, { keepCase: true });
  const out: { what: string; name: string }[] = [];
  for (const [full, d] of Object.entries(def)) {
    const name = full.split('.').pop()!;
    const desc = d as unknown as Descriptor;
    if (desc.format === 'Protocol Buffer 3 DescriptorProto') {
      out.push({ what: 'message', name });
      for (const f of desc.type.field ?? []) out.push({ what: `field of ${name}`, name: f.name });
    } else if (desc.format === 'Protocol Buffer 3 EnumDescriptorProto') {
      out.push({ what: 'enum', name });
      for (const v of desc.type.value ?? []) out.push({ what: `value of ${name}`, name: v.name });
    } else {
      out.push({ what: 'service', name });
      for (const m of Object.keys(d)) out.push({ what: `method of ${name}`, name: m });
    }
  }
  return out;
}

describe('docs/protocol.md', () => {
  it('names every message, field, enum value, service and method of the .proto (in backquotes)', () => {
    const names = protoNames();
    expect(names.filter((n) => n.what === 'message').length).toBeGreaterThan(30);
    const missing = names.filter((n) => !doc.includes(`\`${n.name}\``)).map((n) => `${n.what}: ${n.name}`);
    expect(missing).toEqual([]);
  });

  it('every internal link points to a heading', () => {
    const links = [...doc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(20);
    expect(links.filter((a) => !anchors.has(a))).toEqual([]);
  });

  it('links every vector file, and every vector file describes itself and links back to a section', () => {
    const files = readdirSync(VECTORS_DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const f of files) {
      expect(doc).toContain(`](../proto/vectors/${f})`);
      const v = JSON.parse(readFileSync(path.join(VECTORS_DIR, f), 'utf8')) as { description?: unknown; spec?: unknown };
      expect(typeof v.description === 'string' && v.description.length > 40, `${f} has a description`).toBe(true);
      const [file, anchor] = String(v.spec).split('#');
      expect(file).toBe('docs/protocol.md');
      expect(anchor !== undefined && anchors.has(anchor), `${f} links to #${anchor}`).toBe(true);
    }
    expect(readFileSync(path.join(VECTORS_DIR, 'README.md'), 'utf8')).toContain('](../../docs/protocol.md)');
  });
});
