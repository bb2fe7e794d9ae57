/** Experiments: metrics, strategies, compare sweeps, named experiments, reports. Re-exported by src/index.ts. */
export {
  accuracy, confusionMatrix, perClassMetrics, macroF1, argmaxRows, topKAccuracy, classificationReport, timeToAccuracy, meanStd,
  LabelArray, ClassMetrics, ClassificationReport, TimeToTarget, Spread,
} from './metrics';
export { pca2d, Projection, PcaOptions } from './pca';
export { STRATEGIES, STRATEGY_NAMES, StrategyName, HeadSpec, RunContext, RunOutcome, runStrategy, cloneNet, disposeModels, predictProbs, evalEpochs } from './strategies';
export { TaskSpec, TaskOptions, TaskData, loadTask, stratifiedSample } from './task';
export {
  compare, CompareConfig, CompareOptions, CompareResult, RunRow, CellSummary, RunProgress, EpochRule, DEFAULT_LEARNING_RATES, COMPARE_DEFAULTS,
  epochsFor, resolveConfig, weightsHash,
} from './compare';
export { writeAtomic, readRuns, summarize, rowsToCsv, saveResults } from './table';
export { EXPERIMENTS, HEADLINE_EXPERIMENT, experimentConfig, quickConfig, ExperimentConfigOptions } from './experiments';
export { summarizeExperiment, formatSummaryTable, reportHtml, reportFigures, writeReport, reportsDir, ReportOptions, ExperimentSummary, MeanStd } from './report';
export { interpret, topLosses, mostConfused, Interpretation, InterpretOptions, TopLoss, ConfusedPair, MostConfusedOptions } from './interpret';
