import { AttributeProto, AttributeType, DataType, DataTypeCode, Dimension, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './onnx-proto';

export type Dim = number | string;

/** A node attribute value; build with `int`, `float`, `ints`, `floats`, `str`. */
export type AttrValue = Omit<AttributeProto, 'name'>;
export const int = (i: number): AttrValue => ({ type: AttributeType.INT, i });
export const float = (f: number): AttrValue => ({ type: AttributeType.FLOAT, f });
export const ints = (v: number[]): AttrValue => ({ type: AttributeType.INTS, ints: v });
export const floats = (v: number[]): AttrValue => ({ type: AttributeType.FLOATS, floats: v });
export const str = (s: string): AttrValue => ({ type: AttributeType.STRING, s: new TextEncoder().encode(s) });

export const MS_DOMAIN = 'com.microsoft';

export interface NodeOptions {
  /** Output count (named automatically) or explicit output names ('' = unused optional output). */
  outputs?: number | string[];
  domain?: string;
  /** Prefix for automatic names. */
  name?: string;
}

export interface ExternalLocation {
  location: string;
  offset: number;
  length: number;
}

function valueInfo(name: string, type: DataTypeCode, shape: Dim[]): ValueInfoProto {
  const dim: Dimension[] = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: type, shape: { dim } } } };
}

function rawBytes(values: ArrayLike<number> | ArrayLike<bigint>, type: DataTypeCode): Uint8Array {
  switch (type) {
    case DataType.FLOAT:
      return new Uint8Array(Float32Array.from(values as ArrayLike<number>).buffer);
    case DataType.INT64:
      return new Uint8Array(BigInt64Array.from(Array.from(values as ArrayLike<number | bigint>, (v) => BigInt(v))).buffer);
    case DataType.INT32:
      return new Uint8Array(Int32Array.from(values as ArrayLike<number>).buffer);
    case DataType.UINT8:
    case DataType.BOOL:
      return Uint8Array.from(values as ArrayLike<number>);
    case DataType.FLOAT16:
      // Callers pass fp16 bit patterns for FLOAT16 constants.
      return new Uint8Array(Uint16Array.from(values as ArrayLike<number>).buffer);
    default:
      throw new Error(`no constant encoding for data type ${type}`);
  }
}

/** Accumulates an ONNX graph: inputs, outputs, nodes, inline constants and external initializers. */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let candidate = hint;
    while (this.used.has(candidate)) candidate = `${hint}_${++this.counter}`;
    this.used.add(candidate);
    return candidate;
  }

  input(name: string, type: DataTypeCode, shape: Dim[]): string {
    if (this.used.has(name)) throw new Error(`graph ${this.name}: duplicate value name ${name}`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  /** Declares a graph output; `value` is renamed to `name` with an Identity when they differ. */
  output(value: string, name: string, type: DataTypeCode, shape: Dim[]): void {
    if (value !== name) this.node('Identity', [value], {}, { outputs: [name] });
    this.outputs.push(valueInfo(name, type, shape));
  }

  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, options: NodeOptions = {}): string[] {
    const hint = options.name ?? opType;
    const outputs = Array.isArray(options.outputs)
      ? options.outputs.map((o) => {
        if (o !== '') this.used.add(o);
        return o;
      })
      : Array.from({ length: options.outputs ?? 1 }, (_, k) => this.fresh(`${hint}_out${k}`));
    const attribute = Object.entries(attrs).map(([name, value]) => ({ name, ...value }));
    const node: NodeProto = { input: inputs, output: outputs, name: this.fresh(`${hint}_node`), opType, attribute };
    if (options.domain) node.domain = options.domain;
    this.nodes.push(node);
    return outputs;
  }

  /** Single-output node. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, options: Omit<NodeOptions, 'outputs'> = {}): string {
    return this.node(opType, inputs, attrs, { ...options, outputs: 1 })[0] as string;
  }

  /** A small constant stored inline. FLOAT16 values are bit patterns. */
  constant(hint: string, type: DataTypeCode, dims: number[], values: ArrayLike<number> | ArrayLike<bigint>): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, dataType: type, rawData: rawBytes(values, type) });
    return name;
  }

  /** A scalar or 1-D int64 constant (shapes, axes, indices). */
  int64s(hint: string, values: number[], scalar = false): string {
    return this.constant(hint, DataType.INT64, scalar ? [] : [values.length], values);
  }

  externalInitializer(name: string, type: DataTypeCode, dims: number[], at: ExternalLocation): string {
    if (this.used.has(name)) throw new Error(`graph ${this.name}: duplicate initializer ${name}`);
    this.used.add(name);
    this.initializers.push({
      name,
      dims,
      dataType: type,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: at.location },
        { key: 'offset', value: String(at.offset) },
        { key: 'length', value: String(at.length) },
      ],
    });
    return name;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  toModel(producerVersion: string, opsets: Record<string, number>, metadata: Record<string, string> = {}): ModelProto {
    return {
      irVersion: 10,
      producerName: 'mini-o3-studio',
      producerVersion,
      opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
  }
}
