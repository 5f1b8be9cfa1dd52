import { readdirSync } from 'node:fs';
import { loadTemplate } from './specs/support/template.ts';
import { runRules, active } from './specs/rules/runner.ts';
import { AREAS } from './specs/rules/index.ts';
import { clock, resetClock } from './specs/rules/lambda/runtimes.ts';
const load = async (p: string) => { const t = await loadTemplate(p); const d = (t.raw['Metadata'] as any)?.Today; if (d) clock.today = () => new Date(d); else resetClock(); return t; };
const mine = ['s3', 'logging', 'lambda', 'resilience', 'tagging', 'contract'].flatMap((a) => AREAS[a] ?? []);
const only = process.argv[2];
let bad = 0;
const canon = await loadTemplate('template/backup-stack.yaml');
const all = runRules(canon, mine);
for (const f of all) if (!only || f.ruleId.startsWith(only)) console.log(f.suppressed ? 'SUPPRESSED' : 'ACTIVE', f.ruleId, f.logicalId, f.path, f.message);
if (active(all).length) { bad++; }
for (const rule of mine) {
  if (only && !rule.id.startsWith(only)) continue;
  const good = `fixtures/templates/good/${rule.id}.yaml`;
  try {
    const g = runRules(await load(good), [rule]);
    if (g.length) { bad++; console.log('GOOD FAIL', rule.id, g); }
  } catch (e) { bad++; console.log('GOOD MISSING', rule.id, (e as Error).message); }
  const bads = readdirSync('fixtures/templates/bad').filter((f) => f === `${rule.id}.yaml` || f === `${rule.id}.json` || f.startsWith(`${rule.id}.`) && f.slice(rule.id.length + 1).split('.').length === 2);
  if (!bads.length) { bad++; console.log('BAD MISSING', rule.id); }
  for (const b of bads) {
    const t = await load(`fixtures/templates/bad/${b}`);
    const got = runRules(t, [rule]).map((f) => `${f.ruleId}|${f.logicalId}|${f.path}`).sort();
    const exp = ((t.raw['Metadata'] as any)?.ExpectedFindings ?? []).map((f: any) => `${f.ruleId}|${f.logicalId}|${f.path}`).sort();
    if (JSON.stringify(got) !== JSON.stringify(exp) || !got.length) {
      bad++; console.log('BAD MISMATCH', b, '\n got', got, '\n exp', exp);
      for (const f of runRules(t, [rule])) console.log('   ', f.logicalId, f.path, f.message);
    } else if (process.env.V) for (const f of runRules(t, [rule])) console.log('  ok', b, f.logicalId, f.path, f.message);
  }
}
console.log(bad ? `PROBLEMS: ${bad}` : 'ALL OK', mine.length, 'rules');
