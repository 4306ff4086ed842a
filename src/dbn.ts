import type { FitHistory } from './fit-options.js';
import { InvalidArgumentError } from './errors.js';
import type { Matrix } from './matrix.js';
import { checkKeys, RBM_OPTION_KEYS, type RbmOptions } from './options.js';
import { currentPlatform, modelFiles } from './platform/platform.js';
import { isRowSource } from './data/row-source.js';
import { rowsInMemory, visibleRule, type RowsInMemory, type RowsInput } from './data/rows.js';
import { RBM, type LoadOptions } from './rbm.js';
import { visibleLayer } from './layers/registry.js';
import type { ModelState } from './state.js';

/** One layer's own options: everything an RBM takes but its sizes, which `layers` gives. */
export type LayerOptions = Omit<RbmOptions, 'visible' | 'hidden'>;

export interface DbnOptions extends Omit<RbmOptions, 'visible' | 'hidden' | 'labels'> {
  /** Units per layer, the data's first: [784, 500, 500] stacks a 784-500 RBM and a 500-500 one. */
  readonly layers: readonly number[];
  /** Each RBM's own options over the shared ones, bottom first (e.g. Gaussian units at the bottom). */
  readonly layerOptions?: readonly (LayerOptions | undefined)[];
  /** A label layer of this many classes on the top RBM (a classification RBM), as Hinton, Osindero & Teh (2006) put one. */
  readonly labels?: number;
}

export interface DbnFitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Print each layer's lines, simple_rbm's, after a line naming the layer (default true). */
  readonly verbose?: boolean;
  readonly log?: (line: string) => void;
  /** What each layer above trains on: the hidden probabilities of the layer below (default) or samples of them. */
  readonly upward?: 'probabilities' | 'samples';
  /** Each row's class, for a DBN with a label layer on top. */
  readonly labels?: ArrayLike<number>;
  /** Save the whole stack to this file (atomically) after every epoch of every layer. Node only. */
  readonly checkpoint?: string;
  /**
   * Continue the run saved in this checkpoint: its layers' states, then each layer trains only
   * the epochs it still lacks of `epochs` (the same x and options give the model an
   * uninterrupted run gives). Node only.
   */
  readonly resumeFrom?: string;
}

/** Set while fromLayers makes a DBN of existing models. */
let adopted: readonly RBM[] | undefined;

const DBN_KEYS = ['layers', 'layerOptions', ...RBM_OPTION_KEYS.filter((k) => k !== 'visible' && k !== 'hidden')];
const FIT_KEYS: readonly (keyof DbnFitOptions)[] = ['epochs', 'batchSize', 'verbose', 'log', 'upward', 'labels', 'checkpoint', 'resumeFrom'];

/**
 * A deep belief network (Hinton, Osindero & Teh, 2006): RBMs stacked so that each one's hidden
 * layer is the visible layer of the one above, trained greedily, bottom first. `layers` are the
 * trained RBMs; `transform` gives the top features, `generate` runs Gibbs in the top RBM and
 * propagates down, and one file holds the whole stack (`save`, `DBN.load`).
 */
export class DBN {
  /** The RBMs, bottom first. */
  readonly layers: readonly RBM[];

  constructor(options: DbnOptions) {
    this.layers = adopted ?? makeLayers(options);
  }

  /** A DBN of these models, bottom first (each one's hidden units the next one's visible units). */
  static fromLayers(layers: readonly RBM[]): DBN {
    if (!Array.isArray(layers) || layers.length < 1 || !layers.every((l) => l instanceof RBM)) throw new InvalidArgumentError('layers', 'expected an array of at least one RBM');
    for (let i = 1; i < layers.length; i++) {
      if (layers[i].visible !== layers[i - 1].hidden) {
        throw new InvalidArgumentError('layers', `layer ${i} has ${layers[i].visible} visible units, but layer ${i - 1} has ${layers[i - 1].hidden} hidden units`);
      }
      if (layers[i - 1].options.labels > 0) throw new InvalidArgumentError('layers', `layer ${i - 1} has a label layer; only the top RBM may`);
      const reason = unreadableBelow(layers[i - 1].options, layers[i].options);
      if (reason) throw new InvalidArgumentError('layers', `layer ${i}: ${reason}`);
    }
    adopted = layers.slice();
    try {
      return new DBN(undefined as never);
    } finally {
      adopted = undefined;
    }
  }

  /** Reads a file written by save() into a new DBN (Node only). */
  static async load(path: string, options: LoadOptions = {}): Promise<DBN> {
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'expected a file path');
    return DBN.fromStates(await modelFiles(currentPlatform(), 'DBN.load').readStack(path), options);
  }

  /** A DBN holding these layers' states (from getStates() or decodeStack()). */
  static async fromStates(states: readonly ModelState[], options: LoadOptions = {}): Promise<DBN> {
    const layers: RBM[] = [];
    try {
      for (const state of states) layers.push(await RBM.fromState(state, options));
      return DBN.fromLayers(layers);
    } catch (error) {
      await Promise.all(layers.map((l) => l.dispose()));
      throw error;
    }
  }

  get visible(): number {
    return this.layers[0].visible;
  }

  /** The top layer's hidden units. */
  get hidden(): number {
    return this.layers[this.layers.length - 1].hidden;
  }

  private get top(): RBM {
    return this.layers[this.layers.length - 1];
  }

  /**
   * Trains the layers greedily: the bottom RBM on x, then each one above on the hidden
   * probabilities (or samples) of the trained layer below. Resolves to each layer's history.
   * x is any kind RBM.fit takes; a RowSource needs upward: 'probabilities' (read a chunk at a time).
   */
  async fit(x: RowsInput, options: DbnFitOptions): Promise<FitHistory[]> {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'expected { epochs, batchSize }');
    checkKeys('options', options, FIT_KEYS);
    const upward = options.upward ?? 'probabilities';
    if (upward !== 'probabilities' && upward !== 'samples') throw new InvalidArgumentError('upward', `expected 'probabilities' or 'samples', got ${String(upward)}`);
    if (upward === 'samples' && this.layers.length > 1 && isRowSource(x)) {
      throw new InvalidArgumentError('upward', "'samples' draws the hidden states of all the rows at once, so x must be in memory (a Matrix, an array of rows or a PixelMatrix); a RowSource trains with upward: 'probabilities'");
    }
    for (const name of ['checkpoint', 'resumeFrom'] as const) {
      const path = options[name];
      if (path !== undefined && (typeof path !== 'string' || path.length === 0)) throw new InvalidArgumentError(name, 'expected a file path');
    }
    const verbose = options.verbose ?? true;
    const log = options.log ?? console.log;
    const files = options.checkpoint !== undefined || options.resumeFrom !== undefined ? modelFiles(currentPlatform(), options.checkpoint ? 'checkpoint' : 'resumeFrom') : undefined;
    // Before anything changes: a checkpoint that cannot be written must not cost a layer.
    if (options.checkpoint !== undefined) await files!.checkWritable(options.checkpoint);
    if (options.resumeFrom !== undefined) await this.resume(await files!.readStack(options.resumeFrom), options.resumeFrom);
    const histories: FitHistory[] = [];
    let input: RowsInput = x;
    for (const [i, layer] of this.layers.entries()) {
      const top = i === this.layers.length - 1;
      if (verbose) log(`# DBN layer ${i + 1} of ${this.layers.length}: ${layer.visible}-${layer.hidden}${layer.options.labels ? ` with ${layer.options.labels} classes` : ''}`);
      // Resumed, a layer trains only the epochs its run still lacks.
      const done = options.resumeFrom !== undefined ? Math.min(layer.epochsTrained, options.epochs) : 0;
      const fit = { batchSize: options.batchSize, ...(top && options.labels !== undefined && { labels: options.labels }) };
      if (options.checkpoint === undefined) {
        histories.push(await layer.fit(input, { ...fit, epochs: options.epochs - done, verbose, log }));
      } else {
        // One epoch a call, the stack saved after each (an epoch at a time trains the same model).
        const history: FitHistory = { epoch: [], klDivergence: [] };
        for (let e = done + 1; e <= options.epochs; e++) {
          // simple_rbm's epoch line, numbered within the layer's run; the banner once.
          const epochLog = (line: string) => {
            if (line.startsWith('Epoch [')) log(line.replace(/^Epoch \[1\/1\]/, `Epoch [${e}/${options.epochs}]`));
            else if (e === done + 1) log(line);
          };
          const one = await layer.fit(input, { ...fit, epochs: 1, verbose, log: epochLog });
          history.epoch.push(...one.epoch);
          history.klDivergence.push(...one.klDivergence);
          await files!.writeStack(options.checkpoint, await this.getStates());
        }
        histories.push(history);
      }
      if (top) break;
      // The layer above reads the hidden units of this one.
      input = upward === 'samples' ? await layer.sampleHidden(input as RowsInMemory) : await layer.expectHidden(input);
    }
    return histories;
  }

  /** Takes the layers' states from a checkpoint of a DBN of the same shape. */
  private async resume(states: readonly ModelState[], path: string): Promise<void> {
    const shape = (sizes: number[]) => sizes.join('-');
    const ours = [this.visible, ...this.layers.map((l) => l.hidden)];
    const theirs = states.length > 0 ? [states[0].config.visible, ...states.map((s) => s.config.hidden)] : [];
    if (shape(ours) !== shape(theirs)) throw new InvalidArgumentError('resumeFrom', `${path} holds a ${shape(theirs)} network; this one is ${shape(ours)}`);
    for (const [i, layer] of this.layers.entries()) await layer.setState(states[i]);
  }

  /**
   * The top features: the hidden probabilities of each layer in turn. With a label layer on
   * top, the features the top RBM reads (the layer below's), since its own depend on the class.
   * x is any kind RBM.expectHidden takes.
   */
  async transform(x: RowsInput): Promise<Matrix> {
    const features = await this.features(x);
    if (features !== x) return features as Matrix;
    // A single classification RBM reads x itself.
    const bottom = this.layers[0].options;
    return rowsInMemory(x, 'x', visibleRule(bottom.visible, visibleLayer(bottom.visibleType, false), true), 'transform', 'a DBN of one classification RBM gives x itself as its features');
  }

  /** What the top RBM reads: x through every layer below a label layer (x itself if there is none below it). */
  private async features(x: RowsInput): Promise<RowsInput> {
    let v = x;
    for (const layer of this.layers) {
      if (layer.options.labels > 0) break;
      v = await layer.expectHidden(v);
    }
    return v;
  }

  /** Up through every layer and back down, mean field both ways. */
  async reconstruct(x: RowsInput): Promise<Matrix> {
    this.withoutLabels('reconstruct');
    let h = await this.transform(x);
    for (let i = this.layers.length - 1; i >= 0; i--) h = await this.layers[i].expectVisible(h);
    return h;
  }

  /** Samples: `steps` Gibbs steps in the top RBM from noise, then P(v | h) down through the layers below. */
  async generate(count: number, options: { steps?: number } = {}): Promise<Matrix> {
    this.withoutLabels('generate');
    checkKeys('options', options, ['steps']);
    let v = await this.top.daydream(options.steps ?? 1000, { chains: count, probabilities: true });
    for (let i = this.layers.length - 2; i >= 0; i--) v = await this.layers[i].expectVisible(v);
    return v;
  }

  /** A label layer on top: each class's probability given x (the top RBM's, on the features below it). */
  async predictProba(x: RowsInput): Promise<Matrix> {
    return this.top.predictProba(await this.features(x));
  }

  async predict(x: RowsInput): Promise<Uint32Array> {
    return this.top.predict(await this.features(x));
  }

  /** Every layer's state, bottom first. */
  async getStates(): Promise<ModelState[]> {
    return Promise.all(this.layers.map((l) => l.getState()));
  }

  /** Writes the whole stack to one file (safetensors; tensors layers.<i>.w, …), atomically. Node only. */
  async save(path: string): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'expected a file path');
    await modelFiles(currentPlatform(), 'save').writeStack(path, await this.getStates());
  }

  async dispose(): Promise<void> {
    await Promise.all(this.layers.map((l) => l.dispose()));
  }

  private withoutLabels(method: string): void {
    if (this.top.options.labels > 0) throw new InvalidArgumentError('this', `${method} needs a DBN without a label layer on top (use predict or predictProba)`);
  }
}

/** The RBMs `options` asks for, bottom first; each layer's seed is the shared seed plus its index. */
function makeLayers(options: DbnOptions): RBM[] {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'expected { layers: [visible, hidden, …] }');
  checkKeys('options', options, DBN_KEYS);
  const { layers, layerOptions = [], labels, ...shared } = options;
  if (!Array.isArray(layers) || layers.length < 2 || !layers.every((n) => Number.isSafeInteger(n) && n >= 1)) {
    throw new InvalidArgumentError('layers', 'expected at least two positive integers: the data\'s units, then each hidden layer\'s');
  }
  if (!Array.isArray(layerOptions) || layerOptions.length > layers.length - 1) {
    throw new InvalidArgumentError('layerOptions', `expected at most one entry per RBM (${layers.length - 1})`);
  }
  const rbms: RBM[] = [];
  try {
    for (let i = 0; i + 1 < layers.length; i++) {
      const own = layerOptions[i] ?? {};
      if (own === null || typeof own !== 'object') throw new InvalidArgumentError(`layerOptions[${i}]`, 'expected an object of RBM options');
      checkKeys(`layerOptions[${i}]`, own, DBN_KEYS.filter((k) => k !== 'layers' && k !== 'layerOptions'));
      const top = i === layers.length - 2;
      const seed = ((own.seed ?? shared.seed ?? 0) + i) >>> 0;
      const rbm = new RBM({ ...shared, ...own, seed, visible: layers[i], hidden: layers[i + 1], ...(top && labels !== undefined && { labels }) });
      rbms.push(rbm);
      const reason = i > 0 ? unreadableBelow(rbms[i - 1].options, rbm.options) : undefined;
      if (reason) throw new InvalidArgumentError(`layerOptions[${i}].visibleType`, reason);
    }
  } catch (error) {
    for (const r of rbms) void r.dispose();
    throw error;
  }
  return rbms;
}

/**
 * Why an RBM cannot read the hidden values of the one below it (they become its visible rows):
 * Gaussian and ReLU hidden units give real values, which only Gaussian visible units take.
 */
function unreadableBelow(below: RbmOptions & { hiddenType: string }, above: RbmOptions): string | undefined {
  if (below.hiddenType === 'binary' || above.visibleType === 'gaussian') return undefined;
  return `the layer below has ${below.hiddenType} hidden units, whose real values this layer reads as its visible units: give it visibleType: 'gaussian'`;
}
