/** The gated SiLU MLP of both towers: `down(silu(gate(x)) * up(x))`, biases only in the vision tower. */
import { linear, silu, type Matrix } from './matrix';

export interface SwiGluWeights {
  gateWeight: Float32Array;
  upWeight: Float32Array;
  downWeight: Float32Array;
  gateBias?: Float32Array;
  upBias?: Float32Array;
  downBias?: Float32Array;
}

export function swiGluMlp(x: Matrix, weights: SwiGluWeights, intermediateSize: number): Matrix {
  const gate = linear(x, weights.gateWeight, intermediateSize, weights.gateBias);
  const up = linear(x, weights.upWeight, intermediateSize, weights.upBias);
  for (let i = 0; i < gate.data.length; i++) gate.data[i] = silu(gate.data[i] as number) * (up.data[i] as number);
  return linear(gate, weights.downWeight, x.cols, weights.downBias);
}
