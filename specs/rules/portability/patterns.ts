// Patterns shared by the portability rules (not a rule itself), and where their literal scans do not look.
import { isDocumentation, type ScannedString } from '../lib/strings.ts';

/** Every AWS Region code shape: commercial, GovCloud, China, ISO partitions and the European Sovereign Cloud. */
const REGION_CORE =
  '(?:(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?|-isoe)?-(?:east|west|north|south|central|northeast|northwest|southeast|southwest)-\\d{1,2}|eusc-de-east-1)';
export const REGION = new RegExp(`(?<![A-Za-z0-9-])${REGION_CORE}(?![A-Za-z0-9])`);
export const AVAILABILITY_ZONE = new RegExp(`(?<![A-Za-z0-9-])(?:${REGION_CORE}[a-z]|[a-z]{3,5}\\d{1,2}-az\\d{1,2})(?![A-Za-z0-9])`);
export const ACCOUNT_ID = /(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])/;
export const LITERAL_PARTITION = /arn:aws(?:-cn|-us-gov|-iso(?:-[a-z])?|-eusc)?:/;
export const URL_SUFFIX = /(?<![A-Za-z0-9-])(?:[a-z0-9-]+\.)*(?:amazonaws\.com(?:\.cn)?|c2s\.ic\.gov|sc2s\.sgov\.gov|amazonaws\.eu)(?![A-Za-z0-9-])/;
export const PSEUDO_AS_STRING = /(?<!\{\{|\$\{!?)\bAWS::(?:AccountId|NotificationARNs|NoValue|Partition|Region|StackId|StackName|URLSuffix)\b/;

/** The first match of `re` in `value`, or undefined. */
export function first(re: RegExp, value: string): string | undefined {
  return re.exec(value)?.[0];
}

// ---------------------------------------------------------------- where the literal scans do not look

/** A partition name as a mapping key: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-eusc. */
const PARTITION_KEY = /^aws(?:-cn|-us-gov|-iso(?:-[a-z])?|-eusc)?$/;
const REGION_KEY = new RegExp(`^${REGION_CORE}$`);

/**
 * A value in a per-Region or per-partition table: a mapping entry whose top-level key is a Region code or a
 * partition, read with `!FindInMap [Map, !Ref AWS::Region, ...]`. Literals there are what makes the template
 * portable (the key says where each applies), e.g. the ELB log-delivery account of each Region.
 */
export function inKeyedTable(where: ScannedString): boolean {
  if (!where.logicalId.startsWith('Mappings.')) return false;
  const top = /^[^.[]+/.exec(where.path)?.[0] ?? '';
  return REGION_KEY.test(top) || PARTITION_KEY.test(top);
}

/** Properties holding a document of another language (a whole template): judged when that document is checked. */
const EMBEDDED_DOCUMENT = /^Properties\.TemplateBody(?:$|[.[])/;

/**
 * Where a PORT literal scan does not look: documentation (isDocumentation), Conditions (comparing
 * `!Ref AWS::Region` with a literal is how a template branches per Region; `${AWS::Region}` cannot replace it),
 * embedded documents, and, with `keyedTables`, per-Region and per-partition mapping tables. A parameter's
 * Default is scanned: it is what a deployment gets unless someone overrides it.
 */
export function notScanned(where: ScannedString, keyedTables: boolean): boolean {
  const { logicalId, path } = where;
  if (isDocumentation(logicalId, path) || logicalId.startsWith('Conditions.')) return true;
  if (EMBEDDED_DOCUMENT.test(path) && !logicalId.includes('.')) return true;
  return keyedTables && inKeyedTable(where);
}

/** `re`'s first match in a string the PORT scans read (see notScanned), for scanStrings. */
export function literal(re: RegExp, keyedTables = true): (value: string, where: ScannedString) => string | undefined {
  return (value, where) => (notScanned(where, keyedTables) ? undefined : first(re, value));
}
