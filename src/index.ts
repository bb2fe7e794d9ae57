/**
 * transfer-lab: hands-on transfer learning in TypeScript on native TensorFlow.
 *
 * The public API. Notebooks import the compiled form: `import * as tl from '../dist'`.
 */
export { tf, backendInfo, BackendInfo, BackendError, BACKEND_ENV } from './backend';
export { environmentReport, EnvironmentReport, Check, projectRoot } from './environment';
export * from './data';
export * from './plot';
export * from './random';
export { sampleGridChart, classCountChart, SampleGridOptions, ClassCountOptions } from './charts/data';
export * from './transfer';
export * from './train';
export * from './backbone';
export * from './experiment';
export {
  trainingCurvesChart, learningCurveChart, timeToAccuracyChart, confusionMatrixChart, predictionGridChart, projectionChart, STRATEGY_COLORS,
  RunSelection, LearningCurveOptions, TimeToAccuracyOptions, ConfusionOptions, PredictionGridOptions, ProjectionOptions,
} from './charts/results';
