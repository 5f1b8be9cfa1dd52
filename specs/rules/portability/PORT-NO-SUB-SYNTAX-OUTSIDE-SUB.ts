import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';
import type { Json } from '../../../scripts/lib/cfn/template.ts';
import { isDocumentation, isObject } from '../helpers.ts';

// Properties whose text is code or a language of its own, where `${…}` is expected (as cfn-lint E1029 excludes
// them): Lambda code, state machines, scripts, cfn-init files, flow-log formats, embedded templates, buildspecs,
// AppSync and API Gateway templates, IoT rule SQL.
const EXEMPT = new RegExp(
  '(?:^|\\.)(?:ZipFile|InlineCode|DefinitionString|Definition|UserData|Content|AWS::CloudFormation::Init|LogFormat|TemplateBody|' +
    'BuildSpec|RequestMappingTemplate|ResponseMappingTemplate|RouteSelectionExpression|TopicRulePayload)(?:$|[.[])',
);
// Fn::Sub's own escape, `${!Name}` with a `:` or `.` in the name (`${!aws:InstanceId}`): outside Fn::Sub it is deployed with
// the `!`, in free text too (a shell's `${!name}` has neither character).
const SUB_ESCAPE = /\$\{![^}]*[:.][^}]*\}/;

function scan(value: Json, path: string, logicalId: string, out: RuleFinding[]): void {
  if (typeof value === 'string') {
    const m = EXEMPT.test(path) ? SUB_ESCAPE.exec(value) : /\$\{[^}]+\}/.exec(value);
    if (m) out.push({ logicalId, path, message: `${m[0]} is not substituted outside Fn::Sub; wrap the value in !Sub` });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => scan(v, `${path}[${i}]`, logicalId, out));
    return;
  }
  if (!isObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (k === 'Fn::Sub') {
      // The template string is substituted; a variable map's values are not.
      if (Array.isArray(v) && v[1] !== undefined) scan(v[1]!, `${here}[1]`, logicalId, out);
      continue;
    }
    scan(v, here, logicalId, out);
  }
}

export const rule = defineRule({
  id: 'PORT-NO-SUB-SYNTAX-OUTSIDE-SUB',
  pack: 'generic',
  severity: 'error',
  title: '`${…}` appears only inside Fn::Sub (otherwise it is deployed literally)',
  rationale:
    'A forgotten `!Sub` deploys the text `${AWS::Region}` or `${Bucket.Arn}` as is, which fails late or, worse, silently. cfn-lint ' +
    'E1029 checks it; no other tool does. This rule walks the unresolved template (every resource, output, mapping and condition; not ' +
    'parameters, where no intrinsic is allowed, nor descriptions) and, in properties of a language of their own (ZipFile, UserData, ' +
    'state machines, cfn-init, LogFormat, TemplateBody, BuildSpec, ...), reports only Fn::Sub\'s escape `${!aws:Name}`.',
  remediation: 'Wrap the value in `!Sub` (or remove the `${…}`).',
  resourceTypes: [],
  once: (ctx) => {
    const out: RuleFinding[] = [];
    const raw = ctx.template.raw;
    for (const resource of Object.values(ctx.template.resources)) {
      scan(resource.properties, 'Properties', resource.logicalId, out);
      scan(resource.metadata, 'Metadata', resource.logicalId, out);
    }
    // Not Parameters: no intrinsic is allowed there, so a `${…}` in a default is deployed as written, as meant
    // (a flow-log format, say), and the remedy is impossible.
    for (const section of ['Outputs', 'Mappings', 'Conditions']) {
      const entries = raw[section];
      if (isObject(entries)) for (const [name, v] of Object.entries(entries)) scan(v, '', `${section}.${name}`, out);
    }
    return out.filter((f) => !isDocumentation(f.logicalId, f.path));
  },
});
