/** Backbones: architectures, the zoo, pretraining. Re-exported by src/index.ts. */
export { buildSmallCnn, SmallCnnArgs, SMALL_CNN_GROUPS } from './architectures';
export { ZOO, ZooEntry, loadBackbone, LoadBackboneOptions, fetchModel, checkWeights, mobilenetSplitter } from './zoo';
export { pretrain, RECIPES, PretrainRecipe, PretrainOptions, modelsDir, MODELS_ENV } from './pretrain';
