// Issue #17, "the bench times 100 templates against cfn-lint on the same files": the pure parts of that figure
// (which files, their variants, the per-template figure and its report line) and the bench's refusal of a bad
// --check-corpus before anything starts. No timing is asserted here; the figures live in the bench's report.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test, expect } from '@playwright/test';
import { loadTemplate, parseTemplate } from '../../scripts/lib/cfn/template.ts';
import { CORPUS_SIZE, corpusFromDir, projectTemplates, spreadPick, variantText, writeGeneratedCorpus } from '../../scripts/lib/bench/corpus.ts';
import type { CommandTiming, CorpusTiming } from '../../scripts/lib/bench/commands.ts';
import { benchFigures, corpusFigure, type BenchRuns } from '../../scripts/lib/bench/figures.ts';
import { benchResult, benchSummaryRows, corpusLine } from '../../scripts/lib/bench/report.ts';
import { expectOneLineError, runCli } from '../support/cli.ts';
import { scratchDir } from '../support/scratch.ts';

const dir = scratchDir('bench-corpus-');
const timing = (runsMs: number[], medianMs: number): CommandTiming => ({ command: 'x', runsMs, medianMs, exitCodes: runsMs.map(() => 0) });

test('spreadPick takes evenly spaced items, or all of them when there are not more than asked', () => {
  expect(spreadPick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).toEqual([0, 2, 4, 6, 8]);
  expect(spreadPick(['a', 'b'], 5)).toEqual(['a', 'b']);
});

test('a variant differs in its bytes and keeps the resources, in YAML and in JSON', () => {
  const yaml = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n';
  const v = variantText(yaml, 'a.yaml', 7);
  expect(v).not.toBe(yaml);
  expect(parseTemplate(v, 'v.yaml', 'yaml').resources).toEqual(parseTemplate(yaml, 'a.yaml', 'yaml').resources);
  const json = JSON.stringify({ Description: 'original', Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
  const j = variantText(json, 'a.json', 8);
  expect(JSON.parse(j)).toEqual({ Description: 'bench variant 8 of a.json', Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
});

test('the generated corpus: 100 distinct templates from the project, the same files on every run', async () => {
  const first = writeGeneratedCorpus(join(dir, 'one'));
  const second = writeGeneratedCorpus(join(dir, 'two'));
  expect(first).toHaveLength(CORPUS_SIZE);
  expect(first.map((f) => basename(f))).toEqual(second.map((f) => basename(f)));
  const texts = first.map((f) => readFileSync(f, 'utf8'));
  expect(texts).toEqual(second.map((f) => readFileSync(f, 'utf8')));
  expect(new Set(texts).size).toBe(CORPUS_SIZE);
  expect(basename(first[0]!)).toBe('001-backup-stack.yaml');
  // Every file is a template the check reads (one that is not would stop its whole run with exit 2).
  for (const f of first) await loadTemplate(f);
  // Fewer sources than files: taken again in turn, still distinct.
  const few = writeGeneratedCorpus(join(dir, 'few'), 5, projectTemplates().slice(0, 2));
  expect(few.map((f) => basename(f))).toEqual(['001-backup-stack.yaml', `002-${basename(projectTemplates()[1]!)}`, '003-backup-stack.yaml', expect.any(String), expect.any(String)]);
  expect(new Set(few.map((f) => readFileSync(f, 'utf8'))).size).toBe(5);
});

test('--check-corpus DIR: only the files that are templates, recursively, spread over the directory', async () => {
  const root = join(dir, 'user');
  mkdirSync(join(root, 'nested'), { recursive: true });
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  const template = 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n';
  for (const name of ['a.yaml', 'b.json', 'nested/c.template', 'node_modules/d.yaml']) {
    writeFileSync(join(root, name), name.endsWith('.json') ? JSON.stringify({ Resources: { T: { Type: 'AWS::SNS::Topic' } } }) : template);
  }
  writeFileSync(join(root, 'workflow.yml'), 'on: push\njobs: {}\n');
  writeFileSync(join(root, 'README.md'), '# not read\n');
  const found = await corpusFromDir(root);
  expect(found.files.map((f) => f.slice(root.length + 1))).toEqual(['a.yaml', 'b.json', 'nested/c.template']);
  expect(found).toMatchObject({ candidates: 4, notTemplates: 1 });
  expect((await corpusFromDir(root, 2)).files).toHaveLength(2);
});

test('the figure: medians over all the files, per template, and the ratio; in the JSON summary and the report', () => {
  const corpus: CorpusTiming = { source: 'generated', files: Array.from({ length: 100 }, (_, i) => `${i}.yaml`), check: timing([2500, 2400, 2600], 2500), cfnLint: timing([90000, 91000, 89000], 90000) };
  const figure = corpusFigure(corpus)!;
  expect(figure).toEqual({ source: 'generated', templates: 100, checkMs: 2500, cfnLintMs: 90000, checkPerTemplateMs: 25, cfnLintPerTemplateMs: 900, runs: 3, speedupVsCfnLint: 36 });
  expect(corpusFigure(undefined)).toBeNull();
  const runs: BenchRuns = {
    limit: [], limitExtras: {}, lambda: [], peers: [], headToHead: [], memory: [], rounds: 0, timeoutSeconds: 0,
    check: { check: timing([800], 800), checkDirect: timing([600], 600), cfnLint: timing([3000], 3000), corpus },
  };
  const figures = benchFigures(runs);
  expect(figures.summary.checkCorpus).toEqual(figure);
  const machine = { cpus: 2, loadAverageAtStart: [1], loadAverageAtEnd: [1] } as unknown as Parameters<typeof benchResult>[0]['machine'];
  const result = benchResult({ runs, figures, generatedAt: 'now', wallClockSeconds: 1, machine, localstack: undefined, stack: undefined, docs: undefined });
  expect(result.raw.check?.corpus?.files).toHaveLength(100);
  expect(result.raw.localstack).toBeNull();
  expect(corpusLine(figure)).toBe('36x over 100 templates (generated), one process each, median of 3: check 2500 ms (25 ms/template) vs cfn-lint 90000 ms (900 ms/template)');
  expect(benchSummaryRows(result)).toContainEqual(['check vs cfn-lint, many templates', corpusLine(figure)]);
});

test('bench: a --check-corpus that is not a directory, or has no template, is one line and exit 2 before anything starts', async () => {
  expectOneLineError(await runCli('bench', ['--check-corpus', join(dir, 'missing'), '--no-progress']), 2, /--check-corpus .*missing: not a directory$/);
  const empty = join(dir, 'empty');
  mkdirSync(empty, { recursive: true });
  writeFileSync(join(empty, 'notes.yaml'), 'just: yaml\n');
  expectOneLineError(await runCli('bench', ['--only', 'check', '--check-corpus', empty, '--no-progress']), 2, /--check-corpus .*empty: no template among its 1 \.yaml\/\.yml\/\.json\/\.template files$/);
});
