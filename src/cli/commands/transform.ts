import { writeNpyFile } from '../../data/npy-file.js';
import { checkMemory } from '../../memory.js';
import { RBM } from '../../node.js';
import { parse, required } from '../cli.js';
import { checkFiles, fileArgument } from '../files.js';
import { dataArgument, dataFor, files, floatBytes, memoryLimit, modelArgument } from '../inputs.js';

export const TRANSFORM_USAGE = `rbm transform --model FILE --data SET|FILE [--out features.npy]

Writes the hidden units' means E[h | v] of every row of the data (sklearn's transform: for
binary hidden units their probabilities P(h = 1 | v)) as a NumPy float32 array of rows × hidden
units: np.load('features.npy').
  --model FILE      the model file
  --data SET|FILE   the rows: mnist, mnist-test, fashion-mnist, fashion-mnist-test, or a file
                    (.npy, IDX, CSV or whitespace text)
  --out FILE        the .npy file to write (default features.npy)
  --gpu             use the GPU`;

export async function transform(args: string[]): Promise<void> {
  const { values } = parse(args, { model: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, gpu: { type: 'boolean' } });
  const model = modelArgument(values.model);
  const data = dataArgument('data', required('data', values.data), '');
  const out = fileArgument('out', values.out, 'features.npy', 'the features');
  await checkFiles(files(model, data), [out]);
  const rbm = await RBM.load(model.path, { useGPU: values.gpu ?? false });
  try {
    const x = await dataFor(rbm, data, model);
    // The features, and the file's bytes made from them.
    checkMemory('--data', `the hidden means of ${x.rows} rows`, 2 * floatBytes(x.rows, rbm.hidden), memoryLimit());
    const features = await rbm.expectHidden(x);
    await writeNpyFile(out.path, features);
    const what = rbm.options.hiddenType === 'binary' ? 'P(h = 1 | v)' : 'E[h | v]';
    console.log(`${out.path}: ${what} of ${x.rows} rows of ${data.spec}, ${x.rows} × ${rbm.hidden} float32`);
  } finally {
    await rbm.dispose();
  }
}
