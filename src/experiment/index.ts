/** Experiments: metrics, strategies, the modality seam, sweeps, named experiments, reports. Re-exported by src/index.ts. */
export {
  accuracy,
  confusionMatrix,
  perClassMetrics,
  macroF1,
  argmaxRows,
  topKAccuracy,
  classificationReport,
  timeToAccuracy,
  meanStd,
  LabelArray,
  ClassMetrics,
  ClassificationReport,
  TimeToTarget,
  Spread,
} from './metrics';
export { pca2d, Projection, PcaOptions } from './pca';
export {
  STRATEGIES,
  STRATEGY_NAMES,
  NET_STRATEGY_NAMES,
  BASELINE_NAMES,
  isBaseline,
  StrategyName,
  NetStrategyName,
  BaselineName,
  HeadSpec,
} from './strategy-names';
export { RunContext, RunOutcome, runStrategy, predictProbs, evalEpochs } from './strategies';
export { Modality, TaskKind, TaskData, TaskOptions, BaselineContext, BaselineRunner } from './modality';
export { TaskSpec, loadTask, stratifiedSample, imageModality, IMAGE_TASKS } from './task';
export { taskKindOf, modalityOf, registerTaskKind } from './task-kinds';
export { EpochRule, ExperimentConfig, ExperimentResult, ResolvedConfig, RunRow, CellSummary, RunProgress, RunStart } from './results';
export { DEFAULT_LEARNING_RATES, COMPARE_DEFAULTS, epochsFor, epochRuleOf, resolveConfig } from './config';
export { runSweep, openSweep, planSweep, SweepOptions, PlannedRun } from './sweep';
export type { Sweep } from './sweep';
export { compare, CompareConfig, CompareOptions, CompareResult } from './compare';
export { SourceSpec, DomainSourceSpec } from './results';
export { loadDomainSource, trainingSet, DomainSource, TrainingSet, DOMAIN_SHIFT_VERSION } from './domain-shift';
export {
  joinSources,
  formatSourcesTable,
  sourcesChart,
  sourceConfigs,
  runSources,
  SourceResult,
  SourceCell,
  SourceRow,
  SourceComparison,
  SourceOptions,
  RunSourcesOptions,
} from './sources';
export { readRuns, summarize, rowsToCsv, saveResults } from './table';
export { showFindings, findingsMarkdown, formatFindingValue, sweepFindings, Finding, FindingUnit, FindingsOptions, SweepFindingsOptions } from './narrate';
export { pairedGaps, ScoredRun, PairedGap, PairedGapOptions } from './paired';
export {
  EXPERIMENTS,
  HEADLINE_EXPERIMENT,
  TEXT_LEARNING_RATES,
  experimentConfig,
  experimentModality,
  quickConfig,
  ExperimentConfigOptions,
} from './experiments';
export {
  summarizeExperiment,
  formatSummaryTable,
  reportHtml,
  reportFigures,
  writeReport,
  reportsDir,
  ReportOptions,
  ExperimentSummary,
  SummarySpread,
} from './report';
export { interpret, topLosses, mostConfused, Interpretation, InterpretOptions, TopLoss, ConfusedPair, MostConfusedOptions } from './interpret';
export {
  ImageFolderTaskSpec,
  TextFileTaskSpec,
  loadImageFolderTask,
  loadTextFileTask,
  readLabelledTexts,
  imageFolderModality,
  IMAGE_FOLDER_TASK,
  TEXT_FILE_TASK,
} from './own-data';
export {
  timeToTargetTable,
  formatTimeToTarget,
  extractionSeconds,
  pretrainingSeconds,
  amortisedCost,
  TimeToTargetCell,
  TimeToTargetOptions,
  AmortisedCostOptions,
  AmortisedCost,
} from './time-to-accuracy';
export {
  transferVerdicts,
  formatVerdict,
  storedOrShare,
  storedSweep,
  TransferVerdict,
  Verdict,
  SweepShare,
  StoredOrShareOptions,
  StoredOrShare,
} from './synthesis';
