/**
 * Convolutions: Conv2D and DepthwiseConv2D (channels-last, undilated, 'valid' or 'same'
 * padding), each with an optional bias and activation. Gradients with TensorFlow's
 * Conv2DBackpropFilter/Input and DepthwiseConv2dNativeBackpropFilter/Input kernels.
 */
import { Ref } from '../builder';
import { Attr } from '../proto';
import { LayerInfo, T, WeightRef, layerAct, bias, channelsFirst, defineKind, pair, shapeOf } from '../registry';

interface ConvPlan {
  name: string;
  x: Ref;
  kernel: WeightRef;
  bias?: WeightRef;
  attrs: Record<string, Attr>;
}

function convUnsupported(info: LayerInfo): string | null {
  const { cfg, name } = info;
  if (pair(cfg.dilationRate ?? 1).some((d) => d !== 1)) return `layer '${name}' is dilated`;
  if (cfg.padding !== 'valid' && cfg.padding !== 'same') return `layer '${name}' has padding '${String(cfg.padding)}'`;
  return channelsFirst(info);
}

function convAttrs(info: LayerInfo, conv2d: boolean): Record<string, Attr> {
  const [sh, sw] = pair(info.cfg.strides ?? 1);
  const attrs: Record<string, Attr> = {
    ...T,
    strides: { ints: [1, sh, sw, 1] },
    padding: { s: info.cfg.padding === 'same' ? 'SAME' : 'VALID' },
    data_format: { s: 'NHWC' },
    dilations: { ints: [1, 1, 1, 1] },
  };
  if (conv2d) attrs.use_cudnn_on_gpu = { b: true };
  return attrs;
}

/** A convolution kind: the op and its two gradient ops, the kernel's weight role. */
function convKind(cls: string, role: string, op: string, gradFilter: string, gradInput: string) {
  return defineKind<ConvPlan>({
    classes: [cls],
    act: layerAct,
    unsupported: convUnsupported,
    forward(ctx, info, [x]) {
      const { g } = ctx;
      const kernel = ctx.weight(info.layer, role);
      const attrs = convAttrs(info, op === 'Conv2D');
      let h = g.op(op, [x, kernel.ref], attrs, `${info.name}/conv`);
      let b: WeightRef | undefined;
      if (info.cfg.useBias) {
        b = ctx.weight(info.layer, 'bias');
        h = bias.forward(g, h, b, info.name);
      }
      return { pre: h, plan: { name: info.name, x, kernel, bias: b, attrs } };
    },
    backward(ctx, p, d, [needDx]) {
      const { g } = ctx;
      bias.backward(ctx, p.bias, d, p.name);
      ctx.grad(p.kernel, () => g.op(gradFilter, [p.x, g.ints(p.kernel.shape), d], p.attrs, `${p.name}/grad_kernel`));
      return [needDx ? g.op(gradInput, [shapeOf(g, p.x), p.kernel.ref, d], p.attrs, `${p.name}/grad_input`) : null];
    },
  });
}

export const conv2d = convKind('Conv2D', 'kernel', 'Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput');
export const depthwiseConv2d = convKind(
  'DepthwiseConv2D',
  'depthwise_kernel',
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
);
