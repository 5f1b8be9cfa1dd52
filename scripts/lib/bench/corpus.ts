// The template files the bench's many-template figure runs `check` and `cfn-lint` over, both in one process:
// by default 100 generated variants of the project's own templates (the canonical one and the rule fixtures),
// written to a temp dir, so the figure is reproducible without any outside corpus; or, with --check-corpus DIR,
// templates found in a user's directory. The selection and the variants are pure; the rest reads and writes files.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { loadTemplate, TemplateLoadError } from '../cfn/template.ts';
import { TEMPLATE_EXTENSIONS } from '../check-inputs.ts';
import { CANONICAL_TEMPLATE, ROOT } from '../deploy.ts';

export const CORPUS_SIZE = 100;
/** Directories a corpus scan does not enter. */
const NOT_SCANNED = new Set(['.git', 'node_modules']);

/** `count` items spread evenly over `items` (all of them, in order, when there are not more than `count`). */
export function spreadPick<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}

/**
 * Variant `index` of a template's text: distinct bytes (a leading comment in YAML, the Description in JSON, which
 * has no comments) with the same resources, so neither tool can reuse one file's work and the findings stay the same.
 */
export function variantText(text: string, fileName: string, index: number): string {
  const label = `bench variant ${index} of ${fileName}`;
  if (extname(fileName).toLowerCase() === '.json') {
    const template = JSON.parse(text) as Record<string, unknown>;
    return `${JSON.stringify({ ...template, Description: label }, null, 2)}\n`;
  }
  return `# ${label}\n${text}`;
}

/** The project's templates a generated corpus is made from: the canonical one, then the rule fixtures by name. */
export function projectTemplates(): string[] {
  const fixtures = ['good', 'bad'].flatMap((kind) => {
    const dir = join(ROOT, 'fixtures', 'templates', kind);
    return readdirSync(dir).sort().map((name) => join(dir, name));
  });
  return [CANONICAL_TEMPLATE, ...fixtures.filter((f) => TEMPLATE_EXTENSIONS.includes(extname(f).toLowerCase()))];
}

/**
 * Writes `count` variants into `dir` (`NNN-<source name>`): the sources spread evenly, taken again in turn when
 * there are fewer than `count`. Same sources, same files: the figure can be repeated on any checkout.
 */
export function writeGeneratedCorpus(dir: string, count = CORPUS_SIZE, sources = projectTemplates()): string[] {
  mkdirSync(dir, { recursive: true });
  const picked = sources.length >= count ? spreadPick(sources, count) : Array.from({ length: count }, (_, i) => sources[i % sources.length]!);
  return picked.map((source, i) => {
    const name = basename(source);
    const path = join(dir, `${String(i + 1).padStart(3, '0')}-${name}`);
    writeFileSync(path, variantText(readFileSync(source, 'utf8'), name, i + 1));
    return path;
  });
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !NOT_SCANNED.has(entry.name)) out.push(...walk(path));
    else if (entry.isFile() && TEMPLATE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) out.push(path);
  }
  return out;
}

/**
 * Up to `count` templates from a user's directory (recursive, sorted by path, spread evenly over it): only files
 * the check reads as templates, since one unusable file named on its command line stops the whole run (exit 2).
 */
export async function corpusFromDir(dir: string, count = CORPUS_SIZE): Promise<{ files: string[]; candidates: number; notTemplates: number }> {
  const candidates = walk(dir);
  const templates: string[] = [];
  for (const file of candidates) {
    try {
      await loadTemplate(file);
      templates.push(file);
    } catch (error) {
      if (!(error instanceof TemplateLoadError)) throw error;
    }
  }
  return { files: spreadPick(templates, count), candidates: candidates.length, notTemplates: candidates.length - templates.length };
}
