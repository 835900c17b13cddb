/**
 * The HTML job report: `renderJobReportHtml(status, extras)` turns a job's status (GetJobStatus)
 * into one self-contained HTML file; `jobReportData` is the data it embeds.
 */
export { renderJobReportHtml, renderReportDataHtml } from './render.ts';
export { jobReportData } from './report-data.ts';
export type { JobReportData, MemberComparison, ReportExtras, ReportMember, ReportRound } from './report-data.ts';
export { areaUnder, calibration, ksCurve, rocCurve } from './curves.ts';
