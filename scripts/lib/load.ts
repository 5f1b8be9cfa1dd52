// Load runs (`npm run load`) and the pieces the benchmark (`npm run bench`) shares with them, one concern
// per module under load/: the stack (stack.ts), the seeded documents (documents.ts), one measured backup
// through the Lambda Invoke API (run.ts, with the platform report from platform-report.ts), the verification
// of every document against the manifest and the bucket (verify.ts, pure) and the report (report.ts).
export { deployLoadStack, type LoadStack } from './load/stack.ts';
export { seedDocumentSet, type DocumentSetSpec, type ExpectedDocument, type SeededSet } from './load/documents.ts';
export { parsePlatformReport, readPlatformReport, type PlatformReport } from './load/platform-report.ts';
export { MAX_PROBLEMS, throughputSeries, verifyDocuments, type ListedBackup, type Verification } from './load/verify.ts';
export { manifestKeyOf, measureBackup, summarizeInvocation, verifyRun, type BackupRun, type InvocationPayload } from './load/run.ts';
export {
  REPORTS_DIR,
  buildLoadReport,
  countErrors,
  formatLoadReport,
  heapFlagsOf,
  heapLabel,
  loadAverage,
  loadReportCharts,
  loadReportSummary,
  machineInfo,
  memoryLine,
  writeLoadReport,
  type LoadReport,
  type MachineInfo,
} from './load/report.ts';
