// Resolves CloudFormation intrinsics far enough for static rules to compare values, not spellings:
// `!GetAtt Bucket.Arn`, `!Sub 'arn:${AWS::Partition}:s3:::${Bucket}'` and an equivalent `Fn::Join`
// all resolve to the same string. What cannot be known before deployment becomes a token:
//   {{AWS::Region}}  {{Ref:LogicalId}}  {{GetAtt:LogicalId.Attr}}  {{Param:Name}}  {{Import:...}}  {{Unresolved}}
// Parameters with AllowedValues (and those conditions or FindInMap keys test) are expanded into scenarios
// (scenarios.ts: every value, every pair of values, and a budget that is reported, never silent), so a
// violation that only one Environment value produces is still found.
import type { Json, JsonObject, Resource, Template } from './template.ts';
import { scenarioPlan, scenarios, type Scenario } from './scenarios.ts';

export { scenarioPlan, scenarios, type Scenario };

export const NO_VALUE = Symbol('AWS::NoValue');
type Resolving = Json | typeof NO_VALUE;

export interface ResolvedResource extends Resource {
  /** Properties with every intrinsic resolved under the view's scenario. */
  resolved: JsonObject;
}

export interface TemplateView {
  scenario: Scenario;
  /** Resources whose Condition holds in this scenario. */
  resources: ResolvedResource[];
  resolve(value: Json): Json;
  /** Resolves without aliasing physical names back to `{{Ref:Id}}`. */
  resolveLiteral(value: Json): Json;
  conditionHolds(name: string): boolean;
  /** Resolved Outputs (only those whose condition holds). */
  outputs: Record<string, JsonObject>;
  /** Conditions this view could not evaluate (checked as if they held; see Resolver.conditionHolds). */
  undetermined: ReadonlySet<string>;
}

const PSEUDO = new Set([
  'AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::StackName', 'AWS::StackId',
  'AWS::NotificationARNs',
]);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Token helpers shared by rules. */
export const token = {
  ref: (id: string) => `{{Ref:${id}}}`,
  getAtt: (id: string, attr: string) => `{{GetAtt:${id}.${attr}}}`,
  pseudo: (name: string) => `{{${name}}}`,
};

/**
 * Text with the tokens spelled as the template would write them inside !Sub (`${Name}` for a parameter or a
 * resource's Ref, `${Bucket.Arn}`, `${AWS::Region}`), so a message quotes only what the template says.
 * Dynamic references (`{{resolve:...}}`) are template syntax and stay.
 */
export function spelled(text: string): string {
  // A lookup with a key known only at deployment: `!FindInMap [Map, !Ref AWS::Partition, Key]`, as written.
  const lookups = text.replace(/\{\{FindInMap:([^.{}]+)\.(\{\{[^{}]+\}\}|[^.{}]+)\.([^{}]+)\}\}/g, (_m, map: string, top: string, key: string) => {
    const ref = /^\{\{(?:Param:|Ref:)?([^{}]+)\}\}$/.exec(top);
    return `!FindInMap [${map}, ${ref ? `!Ref ${ref[1]}` : top}, ${key}]`;
  });
  return lookups.replace(/\{\{(?:(?:Param|Ref|GetAtt):([^}]+)|(AWS::[A-Za-z]+))\}\}/g, (_m, name: string | undefined, pseudo: string | undefined) => `\${${name ?? pseudo}}`);
}

/** True when `value` (anywhere inside it) points at resource `logicalId` through Ref or GetAtt. */
export function refersTo(value: Json | undefined, logicalId: string): boolean {
  if (value === undefined || value === null) return false;
  const needle = new RegExp(`\\{\\{(?:Ref|GetAtt):${escapeRegExp(logicalId)}(?:\\.|\\}\\})`);
  return JSON.stringify(value).match(needle) !== null;
}

/** The logical ids that `value` points at through Ref or GetAtt. */
export function referencedIds(value: Json | undefined): string[] {
  if (value === undefined || value === null) return [];
  const ids = new Set<string>();
  for (const match of JSON.stringify(value).matchAll(/\{\{(?:Ref|GetAtt):([A-Za-z0-9]+)/g)) ids.add(match[1]!);
  return [...ids];
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Types whose Ref is the name given by one of their properties, so a name spelled out by hand
// (e.g. a log-group ARN built with Sub) can be recognised as that resource.
const NAME_PROPERTY: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Events::Rule': 'Name',
  'AWS::IAM::Role': 'RoleName',
  'AWS::KMS::Alias': 'AliasName',
};

// ARNs CloudFormation would return, spelled with tokens, so GetAtt and a hand-built ARN compare equal.
const ARN_SHAPE: Record<string, (ref: string) => string> = {
  'AWS::S3::Bucket': (r) => `arn:{{AWS::Partition}}:s3:::${r}`,
  'AWS::Logs::LogGroup': (r) => `arn:{{AWS::Partition}}:logs:{{AWS::Region}}:{{AWS::AccountId}}:log-group:${r}:*`,
  'AWS::Lambda::Function': (r) => `arn:{{AWS::Partition}}:lambda:{{AWS::Region}}:{{AWS::AccountId}}:function:${r}`,
  'AWS::Events::Rule': (r) => `arn:{{AWS::Partition}}:events:{{AWS::Region}}:{{AWS::AccountId}}:rule/${r}`,
  'AWS::SNS::Topic': (r) => r,
};

export class Resolver {
  private readonly nameAliases: Array<[string, string]> = [];
  /** Resolving a Condition's operands: pseudo parameters and stand-ins take the scenario's values (see ref). */
  private inCondition = false;
  /** Conditions whose value could not be worked out (e.g. Fn::Equals on a GetAtt): the engine reports them. */
  readonly undetermined = new Set<string>();

  private readonly template: Template;
  readonly scenario: Scenario;

  // Plain fields, not parameter properties: `npm run check` runs on Node's own type stripping.
  constructor(template: Template, scenario: Scenario) {
    this.template = template;
    this.scenario = scenario;
    // Learn the physical names this scenario gives to named resources, longest first so a name that
    // contains another is replaced whole.
    for (const resource of Object.values(template.resources)) {
      const prop = NAME_PROPERTY[resource.type];
      if (!prop || resource.properties[prop] === undefined) continue;
      const name = this.resolveRaw(resource.properties[prop]!, false);
      if (typeof name === 'string' && name.length >= 3 && name !== token.ref(resource.logicalId)) {
        this.nameAliases.push([name, token.ref(resource.logicalId)]);
      }
    }
    this.nameAliases.sort((a, b) => b[0].length - a[0].length);
  }

  resolve(value: Json): Json {
    const out = this.resolveRaw(value, true);
    return out === NO_VALUE ? null : out;
  }

  /** Like resolve, but physical names stay names instead of becoming `{{Ref:Id}}` (to check a name itself). */
  resolveLiteral(value: Json): Json {
    const out = this.resolveRaw(value, false);
    return out === NO_VALUE ? null : out;
  }

  conditionHolds(name: string, seen = new Set<string>()): boolean {
    if (seen.has(name)) return false;
    seen.add(name);
    const expr = this.template.conditions[name];
    if (expr === undefined) return false;
    const value = this.evaluateCondition(expr, seen);
    if (value !== undefined) return value;
    // Never skip what a condition guards because it cannot be worked out: check it as if the condition held,
    // and record the condition so the report says so (the other branch of an Fn::If on it goes unchecked).
    this.undetermined.add(name);
    return true;
  }

  private evaluateCondition(expr: Json, seen: Set<string>): boolean | undefined {
    if (!isObject(expr)) return undefined;
    const [key] = Object.keys(expr);
    const arg = key === undefined ? undefined : expr[key];
    switch (key) {
      case 'Condition':
        return typeof arg === 'string' ? this.conditionHolds(arg, seen) : undefined;
      case 'Fn::Not': {
        const inner = Array.isArray(arg) ? this.evaluateCondition(arg[0]!, seen) : undefined;
        return inner === undefined ? undefined : !inner;
      }
      case 'Fn::And':
      case 'Fn::Or': {
        if (!Array.isArray(arg)) return undefined;
        const results = arg.map((a) => this.evaluateCondition(a, seen));
        if (results.some((r) => r === undefined)) return undefined;
        return key === 'Fn::And' ? results.every(Boolean) : results.some(Boolean);
      }
      case 'Fn::Equals': {
        if (!Array.isArray(arg) || arg.length !== 2) return undefined;
        const outer = this.inCondition;
        this.inCondition = true;
        let a: Resolving | undefined;
        let b: Resolving | undefined;
        try {
          [a, b] = arg.map((v) => this.resolveRaw(v, false));
        } finally {
          this.inCondition = outer;
        }
        if (typeof a === 'string' && a.includes('{{')) return undefined;
        if (typeof b === 'string' && b.includes('{{')) return undefined;
        // CloudFormation compares strings: a parameter's "2" equals the literal 2 (a YAML number).
        const text = (v: Resolving | undefined) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);
        return JSON.stringify(text(a)) === JSON.stringify(text(b));
      }
      default:
        return undefined;
    }
  }

  private aliasNames(text: string): string {
    let out = text;
    for (const [name, ref] of this.nameAliases) {
      if (out.includes(name)) out = out.split(name).join(ref);
    }
    return out;
  }

  private resolveRaw(value: Json, alias: boolean): Resolving {
    if (typeof value === 'string') return alias ? this.aliasNames(value) : value;
    if (Array.isArray(value)) {
      return value.map((v) => this.resolveRaw(v, alias)).filter((v): v is Json => v !== NO_VALUE);
    }
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0]!;
      const arg = value[key]!;
      const fn = this.intrinsic(key, arg, alias);
      if (fn !== undefined) return fn;
    }
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.resolveRaw(v, alias);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private ref(name: string): Resolving {
    if (name === 'AWS::NoValue') return NO_VALUE;
    // Conditions see the scenario's pseudo values and stand-ins; rules see tokens, which stand for every value,
    // so no message quotes a value the template does not contain.
    if (PSEUDO.has(name)) return (this.inCondition ? this.scenario.pseudo?.[name] : undefined) ?? token.pseudo(name);
    if (name in this.template.parameters) {
      if (!this.inCondition && this.scenario.standIns?.includes(name)) return `{{Param:${name}}}`;
      const value = this.scenario.parameters[name];
      if (value === undefined) return `{{Param:${name}}}`;
      // A list parameter's Ref is a list (Fn::Length, Fn::Select and Fn::Join take it), as in CloudFormation.
      const type = this.template.parameters[name]?.['Type'];
      const isList = type === 'CommaDelimitedList' || (typeof type === 'string' && type.startsWith('List<'));
      return isList ? (value === '' ? [] : value.split(',').map((v) => v.trim())) : value;
    }
    const resource = this.template.resources[name];
    if (resource?.type === 'AWS::SNS::Topic') return ARN_SHAPE['AWS::SNS::Topic']!(token.ref(name));
    return token.ref(name);
  }

  private getAtt(id: string, attr: string): string {
    const resource = this.template.resources[id];
    if (resource && attr === 'Arn' && ARN_SHAPE[resource.type]) return ARN_SHAPE[resource.type]!(token.ref(id));
    if (resource?.type === 'AWS::SQS::Queue' && attr === 'QueueName') return token.getAtt(id, 'QueueName');
    return token.getAtt(id, attr);
  }

  private str(value: Resolving): string {
    if (value === NO_VALUE) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return '{{Unresolved}}';
  }

  private intrinsic(key: string, arg: Json, alias: boolean): Resolving | undefined {
    const r = (v: Json) => this.resolveRaw(v, alias);
    switch (key) {
      case 'Ref':
        return typeof arg === 'string' ? this.finish(this.ref(arg), alias) : '{{Unresolved}}';
      case 'Fn::GetAtt': {
        const parts = Array.isArray(arg) ? arg.map((a) => this.str(r(a))) : typeof arg === 'string' ? arg.split(/\.(.*)/s) : [];
        return this.finish(this.getAtt(parts[0] ?? '?', parts[1] ?? '?'), alias);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
        if (typeof text !== 'string') return '{{Unresolved}}';
        const local = isObject(vars) ? vars : {};
        const out = text.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
          if (bang) return `\${${name}}`;
          const trimmed = name.trim();
          if (trimmed in local) return this.str(r(local[trimmed]!));
          const dot = trimmed.indexOf('.');
          if (dot > 0 && !trimmed.startsWith('AWS::')) return this.getAtt(trimmed.slice(0, dot), trimmed.slice(dot + 1));
          return this.str(this.ref(trimmed));
        });
        return this.finish(out, alias);
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2) return '{{Unresolved}}';
        const sep = this.str(r(arg[0]!));
        const list = r(arg[1]!);
        if (!Array.isArray(list)) return '{{Unresolved}}';
        return this.finish(list.map((v) => this.str(v)).join(sep), alias);
      }
      case 'Fn::Select': {
        if (!Array.isArray(arg) || arg.length !== 2) return '{{Unresolved}}';
        const index = Number(this.str(r(arg[0]!)));
        const list = r(arg[1]!);
        return Array.isArray(list) && Number.isInteger(index) && list[index] !== undefined ? list[index]! : '{{Unresolved}}';
      }
      case 'Fn::Split': {
        if (!Array.isArray(arg) || arg.length !== 2) return '{{Unresolved}}';
        const sep = this.str(r(arg[0]!));
        const text = this.str(r(arg[1]!));
        return sep ? text.split(sep) : [text];
      }
      case 'Fn::FindInMap': {
        if (!Array.isArray(arg) || arg.length < 3) return '{{Unresolved}}';
        const [map, top, second] = arg.slice(0, 3).map((a) => this.str(r(a)));
        const found = this.template.mappings[map!]?.[top!];
        const leaf = isObject(found) ? found[second!] : undefined;
        if (leaf !== undefined) return r(leaf);
        // A key known only at deployment (`!Ref AWS::Partition`) in a table whose entries agree: that value.
        const mapping = this.template.mappings[map!];
        if (mapping && top!.includes('{{') && !second!.includes('{{')) {
          const leaves = Object.values(mapping).map((e) => (isObject(e) ? e[second!] : undefined));
          if (leaves.length > 0 && leaves[0] !== undefined && leaves.every((l) => JSON.stringify(l) === JSON.stringify(leaves[0]))) return r(leaves[0]!);
        }
        const fallback = isObject(arg[3]) ? arg[3]['DefaultValue'] : undefined;
        return fallback !== undefined ? r(fallback) : `{{FindInMap:${map}.${top}.${second}}}`;
      }
      case 'Fn::If': {
        if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') return '{{Unresolved}}';
        return this.conditionHolds(arg[0]) ? r(arg[1]!) : r(arg[2]!);
      }
      case 'Fn::ImportValue':
        return `{{Import:${this.str(r(arg))}}}`;
      case 'Fn::Base64':
        return r(arg);
      case 'Fn::GetAZs':
        return ['{{AZ:0}}', '{{AZ:1}}', '{{AZ:2}}'];
      case 'Fn::ToJsonString':
        return JSON.stringify(r(arg));
      case 'Fn::Length': {
        const list = r(arg);
        return Array.isArray(list) ? list.length : '{{Unresolved}}';
      }
      case 'Fn::Cidr':
      case 'Fn::Transform':
        return '{{Unresolved}}';
      case 'Condition':
        return typeof arg === 'string' ? this.conditionHolds(arg) : '{{Unresolved}}';
      default:
        return undefined;
    }
  }

  private finish(value: Resolving, alias: boolean): Resolving {
    return alias && typeof value === 'string' ? this.aliasNames(value) : value;
  }
}

export function view(template: Template, scenario: Scenario): TemplateView {
  const resolver = new Resolver(template, scenario);
  const resources: ResolvedResource[] = [];
  for (const resource of Object.values(template.resources)) {
    if (resource.condition && !resolver.conditionHolds(resource.condition)) continue;
    resources.push({ ...resource, resolved: resolver.resolve(resource.properties) as JsonObject });
  }
  const outputs: Record<string, JsonObject> = {};
  for (const [name, output] of Object.entries(template.outputs)) {
    const condition = output['Condition'];
    if (typeof condition === 'string' && !resolver.conditionHolds(condition)) continue;
    outputs[name] = resolver.resolve(output) as JsonObject;
  }
  return {
    scenario,
    resources,
    outputs,
    resolve: (value) => resolver.resolve(value),
    resolveLiteral: (value) => resolver.resolveLiteral(value),
    conditionHolds: (name) => resolver.conditionHolds(name),
    undetermined: resolver.undetermined,
  };
}

/** One view per scenario; the template is evaluated once per scenario and cached by the caller. */
export function views(template: Template): TemplateView[] {
  return scenarios(template).map((s) => view(template, s));
}
