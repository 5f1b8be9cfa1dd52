import type { ResolvedResource, TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import { defineRule } from '../engine.ts';
import { Findings, targetOf } from '../helpers.ts';
import {
  backupBucket, backupFunction, BACKUP_BUCKET_VARS, envVars, executionRoleIds, isStackKeyArn, KEY_VARS, schedulesOf,
  T, verifierFunction,
} from '../helpers.ts';
import { clockTime, dailyMinuteOfDay, firesOncePerDay, parseSchedule, type Schedule } from '../resilience/schedule.ts';
import { REQUIRED_RUNTIME } from './CONTRACT-FUNCTION.ts';

function scheduleOf(rule: ResolvedResource): Schedule | undefined {
  const expression = rule.resolved['ScheduleExpression'];
  if (typeof expression !== 'string') return undefined;
  const parsed = parseSchedule(expression);
  return 'error' in parsed ? undefined : parsed;
}

/** The backup's daily cron times, each with the rule that fires it. */
function backupTimes(view: TemplateView, backup: ResolvedResource | undefined): Array<{ ruleId: string; minute: number }> {
  if (!backup) return [];
  return schedulesOf(view, backup).flatMap((r) => {
    const s = scheduleOf(r);
    const minute = s ? dailyMinuteOfDay(s) : undefined;
    return minute === undefined ? [] : [{ ruleId: r.logicalId, minute }];
  });
}

export const rule = defineRule({
  id: 'CONTRACT-VERIFIER',
  pack: 'backup-stack',
  severity: 'error',
  title: `The stack has a restore verifier on ${REQUIRED_RUNTIME} with a role of its own, told the backup bucket and the stack key, scheduled daily after the backup`,
  rationale:
    'A backup nobody has tried to restore is a hope, not a backup: the verifier checks each day that the newest ' +
    'backup still matches its manifest. It must run the tested package\'s runtime, with a role of this stack that ' +
    'is not the backup function\'s (so it cannot write backups, and a compromise of one is not one of both), read ' +
    'the bucket the backup function writes with the stack key, and fire once a day after the backup so it checks ' +
    'that day\'s run rather than the day before\'s (compared when both schedules are daily crons). No known tool ' +
    'checks any of this.',
  remediation:
    'Declare a second function (e.g. `Handler: verify.handler`) on the required runtime with `Role: !GetAtt <own role>.Arn`, ' +
    'BACKUP_BUCKET `!Ref` of the backup bucket and KMS_KEY_ARN `!GetAtt <key>.Arn`, and a daily EventBridge rule targeting it some hours after the backup\'s.',
  resourceTypes: ['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::Events::Rule'],
  template(view, ctx) {
    const out = new Findings();
    const fn = verifierFunction(view);
    if (!fn) {
      out.add('Template', 'Resources', `no restore verifier: no AWS::Lambda::Function besides the backup function is told a ${BACKUP_BUCKET_VARS[0]} (and no SOURCE_BUCKET)`);
      return out.list();
    }
    const backup = backupFunction(view);
    if (fn.resolved['Runtime'] !== REQUIRED_RUNTIME) {
      out.add(fn.logicalId, 'Properties.Runtime', `runtime is ${JSON.stringify(fn.resolved['Runtime'] ?? null)}, not ${REQUIRED_RUNTIME}`);
    }
    const role = targetOf(view, fn.resolved['Role'], [T.role], ['Arn']);
    if (!role) {
      out.add(fn.logicalId, 'Properties.Role', 'Role is not !GetAtt <role>.Arn of a role of this stack');
    } else if (backup && executionRoleIds(view, [backup]).includes(role.logicalId)) {
      out.add(fn.logicalId, 'Properties.Role', `the restore verifier runs with the backup function's role ${role.logicalId}; give it a role of its own`);
    }
    const vars = envVars(fn);
    const path = 'Properties.Environment.Variables';
    const bucket = backupBucket(view);
    const backupVar = BACKUP_BUCKET_VARS.find((v) => vars[v] !== undefined);
    if (!backupVar || !bucket || vars[backupVar] !== view.resolve({ Ref: bucket.logicalId })) {
      out.add(fn.logicalId, path, `${BACKUP_BUCKET_VARS[0]} is not !Ref of the backup bucket${backup ? ` the backup function ${backup.logicalId} writes` : ''}`);
    }
    const keyVar = KEY_VARS.find((v) => vars[v] !== undefined);
    if (!keyVar || !isStackKeyArn(view, vars[keyVar])) {
      out.add(fn.logicalId, path, `${KEY_VARS[0]} is not the ARN of the stack's KMS key`);
    }
    const rules = schedulesOf(view, fn);
    if (rules.length === 0) {
      out.add(fn.logicalId, '', 'no scheduled EventBridge rule targets the restore verifier');
      return out.list();
    }
    const after = backupTimes(view, backup);
    for (const r of rules) {
      const expression = r.resolved['ScheduleExpression'];
      const schedule = scheduleOf(r);
      if (!schedule || !firesOncePerDay(schedule)) {
        out.add(r.logicalId, 'Properties.ScheduleExpression', `${JSON.stringify(expression)} does not fire exactly once a day`);
        continue;
      }
      const minute = dailyMinuteOfDay(schedule);
      if (minute === undefined) continue;
      const early = after.filter((b) => minute <= b.minute);
      if (early.length > 0) {
        out.add(
          r.logicalId,
          'Properties.ScheduleExpression',
          `the restore verifier fires at ${clockTime(minute)} UTC, not after the backup (${early.map((b) => `${b.ruleId} at ${clockTime(b.minute)} UTC`).join(', ')}): it would race that day's backup or check the day before's`,
        );
      }
    }
    return out.list();
  },
});
export default rule;
