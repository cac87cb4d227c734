import { float, GraphBuilder, int, MS_DOMAIN } from './graph-builder';
import { DataType, DataTypeCode } from './onnx-proto';
import { Precision, WeightWriter } from './weight-writer';

/** How a model's weights and activations are stored. */
export interface ModelPrecision {
  /** Activations, KV cache, non-quantized weights. */
  precision: Precision;
  /** Linear layers as MatMulNBits int4 (block 32, asymmetric). */
  int4: boolean;
  /** MatMulNBits accuracy_level (4 = int8 activations on CPU; ignored by GPU kernels). */
  int4AccuracyLevel: number;
}

export const activationType = (p: ModelPrecision): DataTypeCode => (p.precision === 'fp32' ? DataType.FLOAT : DataType.FLOAT16);

/**
 * Emits the graph pieces the decoder and the vision encoder share. Norms and rotary embeddings always run
 * in float32 (norm weights stored as float32); in an fp16 model `toFloat32` / `toActivation` cast around them.
 */
export class LayerEmitter {
  constructor(readonly g: GraphBuilder, readonly w: WeightWriter, readonly p: ModelPrecision) {}

  get act(): DataTypeCode {
    return activationType(this.p);
  }

  toFloat32(x: string): string {
    return this.p.precision === 'fp32' ? x : this.g.op('Cast', [x], { to: int(DataType.FLOAT) }, { name: 'to_fp32' });
  }

  toActivation(x: string): string {
    return this.p.precision === 'fp32' ? x : this.g.op('Cast', [x], { to: int(DataType.FLOAT16) }, { name: 'to_fp16' });
  }

  /** y = x · Wᵀ (+ b) for a PyTorch Linear weight [out, in]; `x` in the activation type. */
  async linear(x: string, weight: string, bias: string | null, name: string, quantize = this.p.int4): Promise<string> {
    let y: string;
    if (quantize) {
      const q = await this.w.int4(weight, name, this.p.precision);
      y = this.g.op(
        'MatMulNBits',
        [x, q.b, q.scales, q.zeroPoints],
        { K: int(q.k), N: int(q.n), bits: int(4), block_size: int(32), accuracy_level: int(this.p.int4AccuracyLevel) },
        { domain: MS_DOMAIN, name },
      );
    } else {
      const wt = await this.w.transposed(weight, `${name}.weight_t`, this.p.precision);
      y = this.g.op('MatMul', [x, wt], {}, { name });
    }
    if (bias === null) return y;
    const b = await this.w.plain(bias, `${name}.bias`, this.p.precision);
    return this.g.op('Add', [y, b], {}, { name: `${name}_bias` });
  }

  /** RMSNorm of a float32 tensor; the weight is stored as float32. */
  async rmsNorm(x32: string, weight: string, eps: number, name: string): Promise<string> {
    const gamma = await this.w.plain(weight, `${name}.weight`, 'fp32');
    return this.g.op('SimplifiedLayerNormalization', [x32, gamma], { axis: int(-1), epsilon: float(eps), stash_type: int(1) }, { name });
  }

  /** [RMSNorm(x + residual), x + residual], both float32. */
  async skipRmsNorm(x32: string, residual32: string, weight: string, eps: number, name: string): Promise<[string, string]> {
    const gamma = await this.w.plain(weight, `${name}.weight`, 'fp32');
    const sum = this.g.fresh(`${name}_sum`);
    const normed = this.g.fresh(`${name}_out`);
    this.g.node('SkipSimplifiedLayerNormalization', [x32, residual32, gamma], { epsilon: float(eps) }, { domain: MS_DOMAIN, outputs: [normed, '', '', sum], name });
    return [normed, sum];
  }

  /** down(silu(gate(x)) · up(x)), with or without biases. */
  async swiGlu(x: string, prefix: string, withBias: boolean, name: string): Promise<string> {
    const bias = (proj: string) => (withBias ? `${prefix}${proj}.bias` : null);
    const gate = await this.linear(x, `${prefix}gate_proj.weight`, bias('gate_proj'), `${name}.gate_proj`);
    const up = await this.linear(x, `${prefix}up_proj.weight`, bias('up_proj'), `${name}.up_proj`);
    const silu = this.g.op('Mul', [gate, this.g.op('Sigmoid', [gate])], {}, { name: `${name}.silu` });
    const hidden = this.g.op('Mul', [silu, up], {}, { name: `${name}.gated` });
    return this.linear(hidden, `${prefix}down_proj.weight`, bias('down_proj'), `${name}.down_proj`);
  }
}
