/**
 * Every place the library reaches into tfjs's internals (fields and methods that exist at
 * run time but are not in its public typings), typed here in one module so that a tfjs
 * upgrade is audited in one file. Checked against @tensorflow/tfjs-node 4.22.
 *
 * Nothing here is re-exported from the package: these are the library's own seams.
 */
import type * as tfn from '@tensorflow/tfjs-node';

/** A layer weight as tfjs keeps it (`LayerVariable`): its `tf.Variable` in `val`. */
export interface LayerWeight {
  val: tfn.Variable;
  name: string;
  originalName?: string;
}

/** The `tf.Variable` behind a layer weight. */
export function variableOf(w: tfn.LayerVariable): tfn.Variable {
  return (w as unknown as LayerWeight).val; // LayerVariable's `val` is protected in the typings
}

/** A layer's weights with their variables and names (trainable and not). */
export function layerWeights(layer: tfn.layers.Layer): LayerWeight[] {
  return layer.weights as unknown as LayerWeight[]; // the same: `val` is protected
}

/** A symbolic tensor of a layers model: its id, the layer and node that produced it. */
export interface SymTensor {
  id: number;
  sourceLayer: tfn.layers.Layer;
  nodeIndex: number;
  shape: (number | null)[];
}

/** A layer's call site inside a model (tfjs `Node`): the symbolic tensors it consumed. */
export interface LayerNode {
  inputTensors: SymTensor[];
}

/** The internal view of a symbolic tensor. */
export function symbolic(t: tfn.SymbolicTensor): SymTensor {
  return t as SymTensor;
}

/** A layer's call sites (tfjs `inboundNodes`). */
export function inboundNodes(layer: tfn.layers.Layer): LayerNode[] {
  return (layer as { inboundNodes: LayerNode[] }).inboundNodes;
}

/** A layer's own field by name (regularizers, constraints: set by the constructor, not in the typings). */
export function layerField(layer: tfn.layers.Layer, key: string): unknown {
  return (layer as unknown as Record<string, unknown>)[key]; // Layer has no index signature
}

/** Symbol-keyed flags the library keeps on a layer object (e.g. whether BatchNorm runs in inference mode). */
export function layerFlags(layer: tfn.layers.Layer): { [flag: symbol]: boolean | undefined } {
  return layer as unknown as { [flag: symbol]: boolean | undefined }; // Layer has no symbol index signature
}

/**
 * Dispose a layer as often as models hold it (tfjs counts the models a layer was built into in
 * `_refCount`; `dispose()` frees its weights only when the count reaches 0).
 */
export function disposeLayerFully(layer: tfn.layers.Layer): void {
  const l = layer as unknown as { _refCount: number | null; dispose(): unknown }; // `_refCount` is protected
  while (typeof l._refCount === 'number' && l._refCount > 0) l.dispose();
}

/** The resource-handle tensor of a tfjs-node summary writer (one per log folder, owned by tfjs-node's cache). */
export function summaryWriterHandle(writer: object): tfn.Tensor {
  return (writer as { resourceHandle: tfn.Tensor }).resourceHandle;
}

/** The metrics a compiled model was compiled with (tfjs keeps the argument). */
export function compiledMetrics(model: tfn.LayersModel): string[] {
  return (model as { metrics?: string[] }).metrics ?? [];
}

/** The native backend's entry points the library uses (tfjs-node `NodeJSKernelBackend`). */
export interface NodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_FLOAT: number; TF_BOOL: number; TF_Version?: unknown };
  executeSingleOutput(name: string, attrs: unknown[], inputs: tfn.Tensor[]): tfn.Tensor;
  loadSavedModelMetaGraph(path: string, tags: string): number;
  runSavedModel(id: number, inputs: tfn.Tensor[], infos: { name: string; tfDtype: string }[], outputs: string[]): tfn.Tensor[];
  deleteSavedModel(id: number): void;
}

/** The active backend as the native one (the caller checks `tf.getBackend() === 'tensorflow'`). */
export function nodeBackendOf(tf: typeof tfn): NodeBackend {
  return tf.backend() as unknown as NodeBackend; // KernelBackend's typings have none of these members
}

/** The engine's internals: kernel dispatch, the variable registry, tensor scopes. */
export interface EngineInternals {
  runKernel(name: string, inputs: Record<string, tfn.Tensor>, attrs?: Record<string, unknown>): tfn.Tensor;
  registeredVariables: Record<string, { dispose(): void }>;
  startScope(): void;
  endScope(): void;
}

/** The tfjs engine with its internal methods typed. */
export function engineOf(tf: typeof tfn): EngineInternals {
  return tf.engine() as EngineInternals;
}

/** A tensor returned from a kernel function (kernels return `TensorInfo`; a Tensor is one at run time). */
export function asTensorInfo(t: tfn.Tensor): tfn.TensorInfo {
  return t;
}

/** Optimizer fields tfjs keeps outside its typings. */
interface OptimizerInternals {
  setLearningRate?: (lr: number) => void;
  learningRate: number;
  iterations_?: number;
  accBeta1?: tfn.Variable;
  accBeta2?: tfn.Variable;
}

/**
 * Set an optimizer's learning rate: SGD/momentum keep it as a tensor behind
 * `setLearningRate`; Adam reads a plain field each step.
 */
export function setLearningRate(opt: tfn.Optimizer, lr: number): void {
  const o = opt as unknown as OptimizerInternals; // the fields are protected or absent in the typings
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** An optimizer's step count (tfjs's `iterations_`; 0 before the first step). */
export function optimizerIterations(opt: tfn.Optimizer): number {
  return (opt as unknown as OptimizerInternals).iterations_ ?? 0; // `iterations_` is protected
}

/** Adam's running beta powers (its `accBeta1`/`accBeta2` variables), or null for other optimizers. */
export function adamBetaPowers(opt: tfn.Optimizer): [tfn.Variable, tfn.Variable] | null {
  const o = opt as unknown as OptimizerInternals; // Adam's `accBeta1/2` are private
  return o.accBeta1 && o.accBeta2 ? [o.accBeta1, o.accBeta2] : null;
}
