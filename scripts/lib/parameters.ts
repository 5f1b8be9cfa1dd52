// A parameter value checked against the template's own constraints, as CloudFormation checks it when a stack is
// created: before anything is evaluated (matrix) or uploaded (deploy), so a value CloudFormation would refuse is
// refused here with the same reason, in one line.
import type { Json, JsonObject, Template } from './cfn/template.ts';

/** What CloudFormation would say about `value` for parameter `name`, or undefined when it accepts it. */
export function parameterValueProblem(name: string, definition: JsonObject, value: string): string | undefined {
  // CloudFormation's ConstraintDescription says what is wanted better than a pattern does; without one, the constraint.
  const description = typeof definition['ConstraintDescription'] === 'string' ? definition['ConstraintDescription'].trim().replace(/\s+/g, ' ') : '';
  const because = (reason: string) => `parameter ${name}: '${value}' ${description ? `is refused: ${description}` : reason}`;
  const type = typeof definition['Type'] === 'string' ? definition['Type'] : 'String';
  const allowed = definition['AllowedValues'];
  const values = type.startsWith('List<') || type === 'CommaDelimitedList' ? value.split(',').map((v) => v.trim()) : [value];
  if (Array.isArray(allowed)) {
    const choices = allowed.map((v: Json) => String(v));
    const outside = values.find((v) => !choices.includes(v));
    if (outside !== undefined) return `parameter ${name}: '${outside}' is not one of its AllowedValues (${choices.join(', ')})`;
  }
  if (type === 'Number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) return because('is not a number');
    if (typeof definition['MinValue'] === 'number' || typeof definition['MinValue'] === 'string') {
      if (n < Number(definition['MinValue'])) return because(`is below its MinValue ${definition['MinValue']}`);
    }
    if (typeof definition['MaxValue'] === 'number' || typeof definition['MaxValue'] === 'string') {
      if (n > Number(definition['MaxValue'])) return because(`is above its MaxValue ${definition['MaxValue']}`);
    }
    return undefined;
  }
  if (definition['MinLength'] !== undefined && value.length < Number(definition['MinLength'])) return because(`is shorter than its MinLength ${definition['MinLength']}`);
  if (definition['MaxLength'] !== undefined && value.length > Number(definition['MaxLength'])) return because(`is longer than its MaxLength ${definition['MaxLength']}`);
  const pattern = definition['AllowedPattern'];
  if (typeof pattern === 'string') {
    let re: RegExp | undefined;
    try {
      // CloudFormation matches the whole value (Java's String.matches).
      re = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      re = undefined; // a pattern JavaScript cannot read: CloudFormation is left to judge it
    }
    const failing = re ? values.find((v) => !re.test(v)) : undefined;
    if (failing !== undefined) return because(`does not match its AllowedPattern ${pattern}`);
  }
  return undefined;
}

/** The first problem with `values` for `template`: a name it does not declare, or a value it would refuse. */
export function parameterValuesProblem(template: Template, values: Record<string, string>): string | undefined {
  const unknown = Object.keys(values).filter((name) => !(name in template.parameters));
  if (unknown.length > 0) return `the template has no parameter ${unknown.join(', ')}`;
  for (const [name, value] of Object.entries(values)) {
    const problem = parameterValueProblem(name, template.parameters[name]!, value);
    if (problem) return problem;
  }
  return undefined;
}
