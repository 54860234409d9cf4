// What other modules and the command line may use of the reports module; its repository is its own.
export {
  createSnapshot,
  csvExportQuery,
  exportReport,
  type ExportProgress,
  listSnapshots,
  type ReportExport,
  titledSummary,
} from './reports.service.js';
export { type ReportFormat, reportFormats } from './reports.formats.js';
export type { ReportFilters } from './reports.repository.js';
export { neutralise } from './reports.export.js';
export { endorsementReportDownload, snapshotDownload, summaryPdfDownload } from './reports.downloads.js';
