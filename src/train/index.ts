/** Training: the loop, batch sources, schedules, callbacks. Re-exported by src/index.ts. */
export { train, evaluateSource, groupMultipliers, sparseCrossEntropy, TrainOptions, EvaluateOptions, ULMFIT_LR_DIVISOR } from './loop';
export { BatchSource, FeatureSet, Augmentation, imageSource, featureSource } from './source';
export { Schedule, ScheduleName, constant, cosine, oneCycle, slantedTriangular, resolveSchedule } from './schedule';
export {
  History,
  EpochLogs,
  TrainEvent,
  TrainState,
  EpochContext,
  Callback,
  CallbackResult,
  earlyStopping,
  EarlyStoppingOptions,
  checkpoint,
  CheckpointOptions,
  onEpoch,
} from './history';
export { AUTO_COMPILE_MIN_STEPS } from './engine';
export { lrFind, lrSuggestions, LrFindOptions, LrFindResult, LrSuggestion } from './lr-find';
export { tensorBoard, TensorBoardOptions } from './tensorboard';
export { withVerbose, resolveVerbose, progressCallback, epochLine, Verbosity, ProgressStream, RunShape, VERBOSE_ENV } from './progress';
