// Small text helpers shared by the check's report modules (kept apart so they import no report module).

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Longer logical ids are shortened in the text report: first SHOWN_ID_CHARS characters, then the length. */
export const MAX_SHOWN_ID = 64;
const SHOWN_ID_CHARS = 60;

/**
 * A logical id as the text report shows it: as is up to MAX_SHOWN_ID characters, else its start and its length
 * (`AAAA…(2000 chars)`), so a template with a 2,000-character id does not get a report that repeats it per finding.
 * `Parameters.X`-style ids keep their section. The JSON, SARIF and JUnit reports keep the full id.
 */
export function shortId(id: string): string {
  const section = /^(Parameters|Outputs|Mappings|Conditions)\./.exec(id)?.[0] ?? '';
  const name = id.slice(section.length);
  return name.length <= MAX_SHOWN_ID ? id : `${section}${name.slice(0, SHOWN_ID_CHARS)}…(${name.length} chars)`;
}

export function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
