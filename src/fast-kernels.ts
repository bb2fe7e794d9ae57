/**
 * Native fast paths for training on tfjs-node.
 *
 * Profiling one training step of the bench's reference CNN (bench/profile/prof.ts) showed
 * that tfjs computes the ReLU gradient as `dy * step(x)`, and that tfjs-node's `Step`
 * kernel runs six full-size operations (isNaN, greater, ones, fill, select, select):
 * about 30% of the step's kernel time went to ReLU gradients, against TensorFlow's own
 * one-pass `ReluGrad` kernel that Keras uses. Here the library routes:
 *
 * - the gradient of `Relu` to TensorFlow's `ReluGrad` (and `Relu6` to `Relu6Grad`);
 * - the `Step` kernel (used by the fused conv/dense + ReLU gradient inside tfjs) to
 *   `Select(IsNan(x), x, Cast(Greater(x, 0)))` when `alpha` is 0 (and int32 inputs, on
 *   which tfjs-node's own kernel fails, to a plain select).
 *
 * Both give bit-identical results to tfjs's own kernels on finite inputs (tested); on NaN
 * inputs `ReluGrad` gives 0 where tfjs gave NaN (the training loop stops on a NaN loss anyway).
 * Installed by the backend when it loads natively; `TRANSFER_LAB_FAST_KERNELS=0` turns them off.
 */
import type * as tfn from '@tensorflow/tfjs-node';
import { asTensorInfo, engineOf, nodeBackendOf } from './internals/tfjs';

type Tf = typeof tfn;

/** The environment variable that turns the fast kernels off (`0`). */
export const FAST_KERNELS_ENV = 'TRANSFER_LAB_FAST_KERNELS';

/** Names of the fast paths, as reported by {@link installFastKernels} and `backendInfo()`. */
export const FAST_KERNELS = ['ReluGrad', 'Relu6Grad', 'Step'] as const;

let installed: string[] = [];

/**
 * Register the fast paths on the native (`tensorflow`) backend. Idempotent; does nothing
 * on another backend or when `TRANSFER_LAB_FAST_KERNELS=0`.
 *
 * @param tf the tfjs-node namespace (the library passes its own)
 * @returns the names of the fast paths now active
 * @example
 * import { fastKernels } from 'transfer-lab';
 * console.log(fastKernels()); // ['ReluGrad', 'Relu6Grad', 'Step']
 */
export function installFastKernels(tf: Tf): string[] {
  if (installed.length) return installed;
  if (tf.getBackend() !== 'tensorflow' || process.env[FAST_KERNELS_ENV] === '0') return installed;
  const be = nodeBackendOf(tf);
  const b = be.binding;
  const floatT = { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT };
  const castAttrs = [
    { name: 'SrcT', type: b.TF_ATTR_TYPE, value: b.TF_BOOL },
    { name: 'DstT', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'Truncate', type: b.TF_ATTR_BOOL, value: false },
  ];
  const engine = engineOf(tf);

  // The gradient kernels: dy * (x > 0) and dy * (0 < x < 6) in one native pass each.
  for (const [kernel, op] of [
    ['TransferLabReluGrad', 'ReluGrad'],
    ['TransferLabRelu6Grad', 'Relu6Grad'],
  ] as const) {
    tf.registerKernel({
      kernelName: kernel,
      backendName: 'tensorflow',
      kernelFunc: ({ inputs }) => {
        const { dy, x } = inputs as { dy: tfn.Tensor; x: tfn.Tensor };
        return asTensorInfo(be.executeSingleOutput(op, [floatT], [dy, x]));
      },
    });
  }
  const nativeGrad = (kernel: string) => (dy: tfn.Tensor | tfn.Tensor[], saved: tfn.Tensor[]) => {
    const [x] = saved;
    const g = dy as tfn.Tensor;
    // Keep tfjs's behaviour for anything but float32 (e.g. int inputs).
    if (x.dtype !== 'float32' || g.dtype !== 'float32') {
      return { x: () => tf.mul(g, tf.cast(kernel === 'TransferLabReluGrad' ? tf.step(x) : tf.logicalAnd(tf.greater(x, 0), tf.less(x, 6)), 'float32')) };
    }
    return { x: () => engine.runKernel(kernel, { dy: g, x }) };
  };
  tf.registerGradient({ kernelName: 'Relu', inputsToSave: ['x'], gradFunc: nativeGrad('TransferLabReluGrad') });
  tf.registerGradient({ kernelName: 'Relu6', inputsToSave: ['x'], gradFunc: nativeGrad('TransferLabRelu6Grad') });

  // Step: keep tfjs's semantics (NaN stays NaN, x <= 0 gives alpha) with fewer passes for alpha 0.
  const original = tf.getKernel('Step', 'tensorflow');
  if (original) {
    tf.unregisterKernel('Step', 'tensorflow');
    tf.registerKernel({
      kernelName: 'Step',
      backendName: 'tensorflow',
      kernelFunc: (args) => {
        const x = (args.inputs as { x: tfn.Tensor }).x;
        const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0;
        // int32 has no NaN (tfjs-node's own kernel fails on it: IsNan takes floats only).
        if (x.dtype === 'int32') return asTensorInfo(tf.tidy(() => tf.where(tf.greater(x, 0), tf.onesLike(x), tf.fill(x.shape, alpha, 'int32'))));
        if (alpha !== 0 || x.dtype !== 'float32') return original.kernelFunc(args);
        return asTensorInfo(
          tf.tidy(() => {
            const gt = be.executeSingleOutput('Cast', castAttrs, [tf.greater(x, tf.scalar(0))]);
            return be.executeSingleOutput('Select', [floatT], [tf.isNaN(x), x, gt]);
          }),
        );
      },
    });
  }
  installed = [...FAST_KERNELS];
  return installed;
}

/**
 * The fast paths active in this process (empty on the pure-JS backend or when turned off).
 *
 * @example
 * fastKernels().includes('ReluGrad'); // true on tfjs-node
 */
export function fastKernels(): string[] {
  return [...installed];
}
