/**
 * transfer-lab: hands-on transfer learning in TypeScript on native TensorFlow.
 *
 * The public API. Notebooks import the compiled form: `import * as tl from '../dist'`.
 */
export { tf, backendInfo, BackendInfo, BackendError, BACKEND_ENV } from './backend';
export { fastKernels, FAST_KERNELS, FAST_KERNELS_ENV } from './fast-kernels';
export { graphUnsupported, releaseCachedTrainStep, GRAPH_ENV } from './graph/trainer';
export { predictor, releaseCachedForward } from './graph/predict';
export { environmentReport, EnvironmentReport, Check, projectRoot } from './environment';
export { userCacheDir, reportsRoot, packageRoot, venvDir, CACHE_ENV, REPORTS_ENV, VENV_ENV } from './paths';
export * from './data';
export * from './plot';
export * from './random';
export { sampleGridChart, classCountChart, SampleGridOptions, ClassCountOptions } from './charts/data';
export * from './transfer';
export * from './train';
export * from './backbone';
export * from './experiment';
export * from './util';
export * from './sweep';
export {
  trainingCurvesChart,
  learningCurveChart,
  timeToAccuracyChart,
  confusionMatrixChart,
  predictionGridChart,
  projectionChart,
  STRATEGY_COLORS,
  RunSelection,
  LearningCurveOptions,
  TimeToAccuracyOptions,
  ConfusionOptions,
  PredictionGridOptions,
  ProjectionOptions,
} from './charts/results';
export { writeImageFolder, makeImageFolder, WriteFolderOptions, MakeFolderOptions, ImageFolderInfo, IMAGE_FOLDER_MANIFEST } from './data/make-folder';
export { resizePixels, resizeImages, thumbnails, ResizeOptions } from './data/resize';
export { predictImageFiles, FilePrediction, ClassScore, PredictFilesOptions } from './transfer/predict';
export { transplant, TransplantOptions } from './transfer/transplant';
export { loadBackboneOrFallback, FallbackOptions, BackboneChoice } from './backbone/fallback';
export { ModelDownloadError } from './backbone/zoo';
export * from './text';
export { lrFindChart, LrFindChartOptions } from './charts/lr-find';
export { augmentationChart, AugmentationChartOptions } from './charts/augment';
export { topLossesChart, TopLossesChartOptions } from './charts/interpret';
export {
  transferGainChart,
  timeToTargetChart,
  amortisedCostChart,
  GainLine,
  TransferGainChartOptions,
  TimeToTargetChartOptions,
  AmortisedCostChartOptions,
} from './charts/synthesis';
