// The kernels' state: the control block's address, this worker's thread, and what a command reads
// from the control block once (sizes, the training rule, the addresses of the arrays, this
// thread's scratch). Only this module writes these globals, when a command starts (the read*
// functions, and setEpochIndex for AIS's steps); the kernels import them and only read them,
// as ES modules allow, and each read compiles to a plain global.get.

import * as C from './control';
import { HIDDEN_BINARY, VISIBLE_GAUSSIAN } from './constants';

export let ctrl: usize = 0;
export let thread: i32 = 0;
export let threads: i32 = 1;

export let V: i32 = 0;
export let H: i32 = 0;
/** The units' type words (VISIBLE_* and HIDDEN_* in constants.ts): which of layers/ runs them. */
export let visibleType: u32 = 0;
export let hiddenType: u32 = 0;
export let rowBytes: usize = 0;
export let hiddenBytes: usize = 0;
/** The Philox key and counter words every draw shares: the seed, and the epoch (AIS: the step). */
export let seed: u32 = 0;
export let epochIndex: u32 = 0;

// The training rule.
export let firstBatch: i32 = 0;
export let lastBatch: i32 = 0;
export let bySamples: bool = false;
/** 'mixed' statistics (binary units only): probabilities in the statistics, sampled visible states into the hidden half steps. */
export let sampledVisible: bool = false;
export let persistent: bool = false;
export let cdSteps: i32 = 1;
export let meanGradient: bool = false;
export let momentum: f32 = 0;
export let stepSize: f32 = 0;
export let decayStep: f32 = 0;
export let centring: bool = false;
export let offsetRate: f32 = 0;

// The model and the batch's arrays.
export let data: usize = 0;
export let order: usize = 0;
export let starts: usize = 0;
export let W: usize = 0;
export let Wt: usize = 0;
export let b: usize = 0;
export let c: usize = 0;
export let dW: usize = 0;
export let db: usize = 0;
export let dc: usize = 0;
/** Centring's offsets μ and λ. */
export let mu: usize = 0;
export let lambda: usize = 0;
export let rowLoss: usize = 0;
export let hidden0: usize = 0;
export let hidden0Prob: usize = 0;
/** The hidden statistic of the positive phase: hidden0 (samples) or hidden0Prob. */
export let statHidden0: usize = 0;
export let visible1: usize = 0;
export let hidden1: usize = 0;
export let chains: usize = 0;
export let xIndex: usize = 0;
export let xValue: usize = 0;
export let xCount: usize = 0;
export let vIndex: usize = 0;
export let vValue: usize = 0;
export let vCount: usize = 0;
export let hiddenLists: usize = 0;
export let hiddenCounts: usize = 0;
/** The values of the entries of hiddenLists, laid out as the lists are; 0 for binary units, whose listed states are all 1. */
export let hiddenValues: usize = 0;
export let gradient: usize = 0;
export let hiddenGradient: usize = 0;

// This thread's scratch, laid out by the host (layout.ts, scratchLayout).
export let pre: usize = 0;
export let uniforms: usize = 0;
export let hIndex: usize = 0;
export let visibleGradient: usize = 0;
export let hSample: usize = 0;
export let varianceGradient: usize = 0;
export let unitStarts: usize = 0;
export let unitTerms: usize = 0;

// Gaussian visible units: z = log σ², its velocity, and 1/σ² and σ.
export let learnVariance: bool = false;
export let z: usize = 0;
export let dz: usize = 0;
export let precision: usize = 0;
export let deviation: usize = 0;

// Hidden units that own γ (Gaussian and ReLU units): γ, its velocity, and each row's m₂ of the
// positive and negative statistics (hidden0Moment, hidden1Moment), which γ's gradient reads.
export let gamma: usize = 0;
export let dGamma: usize = 0;
export let hidden0Moment: usize = 0;
export let hidden1Moment: usize = 0;

// Softmax visible groups.
export let softmaxSize: i32 = 0;
export let rowObserved: usize = 0;

// A label layer.
export let classes: i32 = 0;
export let labels: usize = 0;
export let discriminative: bool = false;
export let generativeScale: f32 = 0;
/** How much of Σ (x − v) the visible biases follow: 1, or a label layer's α (0 when discriminative). */
export let visibleScale: f32 = 1;
export let U: usize = 0;
export let d: usize = 0;
export let dU: usize = 0;
export let dd: usize = 0;
export let labelActivation: usize = 0;
export let labelStatistic: usize = 0;
export let labelTerms: usize = 0;
export let labelGradient: usize = 0;
export let classBytes: usize = 0;

// Parallel tempering: the inverse temperatures, and this thread's scratch (layout.ts, temperedLayout).
export let temperatures: i32 = 0;
export let betas: usize = 0;
export let swapCounts: usize = 0;
export let energies: usize = 0;
export let swapUniforms: usize = 0;
export let chainVisible: usize = 0;
export let chainActivation: usize = 0;

// AIS's chains (layout.ts, annealLayout).
export let runs: i32 = 0;
export let firstStep: i32 = 0;
export let lastStep: i32 = 0;
export let path: usize = 0;
export let annealStart: usize = 0;
export let baseBias: usize = 0;
export let logWeight: usize = 0;
export let hiddenInput: usize = 0;
export let visibleInput: usize = 0;
export let visibleValue: usize = 0;
export let visibleIndex: usize = 0;
export let visibleCount: usize = 0;
export let hiddenIndex: usize = 0;
export let hiddenCount: usize = 0;

// @ts-ignore: decorator
@inline function word(slot: usize): i32 {
  return load<i32>(ctrl + slot);
}
// @ts-ignore: decorator
@inline function real(slot: usize): f32 {
  return load<f32>(ctrl + slot);
}
// @ts-ignore: decorator
@inline function pointer(slot: usize): usize {
  return <usize>load<u32>(ctrl + slot);
}

/** A worker's control block and its index among the threads, for its whole life. */
export function startWorker(control: usize, index: i32): void {
  ctrl = control;
  thread = index;
}

/** What every command reads first: how many threads run it. */
export function readThreads(): void {
  threads = word(C.THREADS);
}

/** A training command's state: the model's sizes and arrays, the rule, and this thread's scratch. */
export function readTraining(): void {
  V = word(C.VISIBLE);
  H = word(C.HIDDEN);
  seed = <u32>word(C.SEED);
  epochIndex = <u32>word(C.EPOCH);
  firstBatch = word(C.FIRSTBATCH);
  lastBatch = word(C.LASTBATCH);
  bySamples = word(C.BYSAMPLES) == 1;
  sampledVisible = word(C.BYSAMPLES) == 2;
  persistent = word(C.PERSISTENT) == 1;
  cdSteps = word(C.CDSTEPS);
  meanGradient = word(C.MEANGRADIENT) == 1;
  momentum = real(C.MOMENTUM);
  stepSize = real(C.STEPSIZE);
  decayStep = real(C.STEPSIZE) * real(C.WEIGHTDECAY);
  centring = word(C.CENTRING) == 1;
  offsetRate = real(C.OFFSETRATE);
  data = pointer(C.DATA);
  order = pointer(C.ORDER);
  starts = pointer(C.BATCHSTARTS);
  W = pointer(C.WEIGHTS);
  Wt = pointer(C.WEIGHTST);
  b = pointer(C.VISIBLEBIAS);
  c = pointer(C.HIDDENBIAS);
  dW = pointer(C.WEIGHTVELOCITY);
  db = pointer(C.VISIBLEBIASVELOCITY);
  dc = pointer(C.HIDDENBIASVELOCITY);
  mu = pointer(C.VISIBLEOFFSET);
  lambda = pointer(C.HIDDENOFFSET);
  rowLoss = pointer(C.ROWLOSS);
  hidden0 = pointer(C.HIDDEN0);
  hidden0Prob = pointer(C.HIDDEN0PROB);
  visible1 = pointer(C.VISIBLE1);
  hidden1 = pointer(C.HIDDEN1);
  chains = pointer(C.CHAINS);
  xIndex = pointer(C.XINDEX);
  xValue = pointer(C.XVALUE);
  xCount = pointer(C.XCOUNT);
  vIndex = pointer(C.VINDEX);
  vValue = pointer(C.VVALUE);
  vCount = pointer(C.VCOUNT);
  gradient = pointer(C.GRADIENT);
  hiddenGradient = pointer(C.HIDDENGRADIENT);
  hiddenLists = pointer(C.HIDDENLISTS);
  hiddenCounts = pointer(C.HIDDENCOUNTS);
  hidden0Moment = pointer(C.HIDDEN0MOMENT);
  hidden1Moment = pointer(C.HIDDEN1MOMENT);
  pre = pointer(C.SCRATCH) + <usize>thread * pointer(C.SCRATCHBYTES);
  uniforms = pre + pointer(C.SCRATCHUNIFORMS);
  hIndex = pre + pointer(C.SCRATCHHIDDENINDEX);
  visibleGradient = pre + pointer(C.SCRATCHVISIBLEGRADIENT);
  hSample = pre + pointer(C.SCRATCHHIDDENSAMPLE);
  varianceGradient = pre + pointer(C.SCRATCHVARIANCEGRADIENT);
  unitStarts = pre + pointer(C.SCRATCHUNITSTARTS);
  unitTerms = pre + pointer(C.SCRATCHUNITTERMS);
  rowBytes = <usize>V << 2;
  hiddenBytes = <usize>H << 2;
  statHidden0 = bySamples ? hidden0 : hidden0Prob;
  temperatures = word(C.TEMPERATURES);
  if (temperatures != 0) readTempering();
  readUnits();
  hiddenValues = hiddenType == HIDDEN_BINARY ? 0 : pointer(C.HIDDENVALUES);
  learnVariance = visibleType == VISIBLE_GAUSSIAN && word(C.LEARNVARIANCE) == 1;
  readLabels();
}

/** An AIS command's state: the model, the path's steps [firstStep, lastStep) and the chains' arrays. */
export function readAnneal(): void {
  V = word(C.VISIBLE);
  H = word(C.HIDDEN);
  seed = <u32>word(C.SEED);
  W = pointer(C.WEIGHTS);
  Wt = pointer(C.WEIGHTST);
  b = pointer(C.VISIBLEBIAS);
  c = pointer(C.HIDDENBIAS);
  runs = word(C.ANNEALRUNS);
  firstStep = word(C.ANNEALFIRSTSTEP);
  lastStep = word(C.ANNEALLASTSTEP);
  path = pointer(C.ANNEALPATH);
  annealStart = pointer(C.ANNEALSTART);
  baseBias = pointer(C.ANNEALBASEBIAS);
  logWeight = pointer(C.ANNEALLOGWEIGHT);
  hiddenInput = pointer(C.ANNEALHIDDENINPUT);
  visibleInput = pointer(C.ANNEALVISIBLEINPUT);
  visibleValue = pointer(C.ANNEALVISIBLEVALUE);
  visibleIndex = pointer(C.ANNEALVISIBLEINDEX);
  visibleCount = pointer(C.ANNEALVISIBLECOUNT);
  hiddenIndex = pointer(C.ANNEALHIDDENINDEX);
  hiddenCount = pointer(C.ANNEALHIDDENCOUNT);
  uniforms = pointer(C.ANNEALUNIFORMS) + <usize>thread * pointer(C.ANNEALUNIFORMBYTES);
  rowBytes = <usize>V << 2;
  hiddenBytes = <usize>H << 2;
  readUnits();
}

/** AIS addresses step k's draws as training addresses an epoch's. */
export function setEpochIndex(k: u32): void {
  epochIndex = k;
}

/** The units' types and their own arrays: Gaussian visible units' log-variances and scales, softmax groups' size, hidden units' γ. */
function readUnits(): void {
  visibleType = <u32>word(C.VISIBLETYPE);
  hiddenType = <u32>word(C.HIDDENTYPE);
  gamma = pointer(C.HIDDENGAMMA);
  dGamma = pointer(C.HIDDENGAMMAVELOCITY);
  z = pointer(C.VISIBLELOGVARIANCE);
  dz = pointer(C.VISIBLELOGVARIANCEVELOCITY);
  precision = pointer(C.VISIBLEPRECISION);
  deviation = pointer(C.VISIBLEDEVIATION);
  softmaxSize = word(C.SOFTMAXSIZE);
  rowObserved = pointer(C.ROWOBSERVED);
}

function readTempering(): void {
  betas = pointer(C.BETAS);
  const base = pointer(C.TEMPERED) + <usize>thread * pointer(C.TEMPEREDBYTES);
  swapCounts = base + pointer(C.TEMPEREDSWAPS);
  energies = base + pointer(C.TEMPEREDENERGY);
  swapUniforms = base + pointer(C.TEMPEREDUNIFORMS);
  chainVisible = base + pointer(C.TEMPEREDVISIBLE);
  chainActivation = base + pointer(C.TEMPEREDACTIVATION);
}

function readLabels(): void {
  classes = word(C.CLASSES);
  visibleScale = 1;
  if (classes == 0) return;
  labels = pointer(C.LABELS);
  discriminative = word(C.DISCRIMINATIVE) == 1;
  generativeScale = real(C.GENERATIVESCALE);
  visibleScale = generativeScale;
  U = pointer(C.LABELWEIGHTS);
  d = pointer(C.LABELBIAS);
  dU = pointer(C.LABELWEIGHTVELOCITY);
  dd = pointer(C.LABELBIASVELOCITY);
  labelActivation = pointer(C.LABELACTIVATION);
  labelStatistic = pointer(C.LABELSTATISTIC);
  labelTerms = pointer(C.LABELTERMS);
  labelGradient = pointer(C.LABELGRADIENT);
  classBytes = <usize>classes * hiddenBytes;
  statHidden0 = hidden0Prob;
}
