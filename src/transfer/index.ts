/** The verbs of transfer learning. Re-exported by src/index.ts. */
export { Net, LayerGroup, Preprocessing, getLayer, findGroup, trainableParams } from './net';
export { freeze, unfreeze, freezeTo, trainableGroups, groupOf, patchBatchNorm, markChanged, setBatchNormMode, BatchNormMode, LayerSelector } from './freeze';
export { cut, withHead, HeadOptions } from './head';
export { extractFeatures, featureKey, ExtractOptions } from './features';
export { cloneNet, disposeModels } from './clone';
export { recomputeBatchNormStats, RecomputeBatchNormOptions, BatchNormStatsReport } from './batchnorm-stats';
export { scratch, linearProbe, gradualUnfreeze, fineTune, ProbeOptions, GradualOptions, FineTuneOptions } from './finetune';
export { inspect, formatInspect, LayerRow } from './inspect';
export { saveNet, loadNet, readNetMeta, topologyProblem, modelFilesProblem, loadLayersModelClean, NetMeta } from './io';
export { SeededDropout, seededDropout, SeededDropoutArgs } from './layers';
export { netFromModel, loadModelAsNet, bodyHeadSplitter, NetFromModelOptions } from './from-model';
export { exportWeb, ExportWebOptions, WebExport } from './export-web';
