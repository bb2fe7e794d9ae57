/** Backbones: architectures, the zoo, pretraining. Re-exported by src/index.ts. */
export { buildSmallCnn, SmallCnnArgs, SMALL_CNN_GROUPS } from './architectures';
export { ZOO, ZooEntry, loadBackbone, LoadBackboneOptions, fetchModel, checkWeights, mobilenetSplitter } from './zoo';
export { pretrain, RECIPES, PretrainRecipe, PretrainOptions, modelsDir, MODELS_ENV } from './pretrain';
export {
  buildEfficientNetLite0,
  loadEfficientNetLite0,
  lite0Groups,
  lite0WeightsFile,
  imagenetPreprocessing,
  LITE0_STAGES,
  LITE0_WEIGHTS_SHA256,
  Lite0Options,
  MBConvStage,
} from './efficientnet';
export { IMAGENET_CLASSES } from './imagenet-classes';
