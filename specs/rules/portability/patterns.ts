// Patterns shared by the portability rules (not a rule itself).

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
