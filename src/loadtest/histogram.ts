import { createRequire } from 'node:module';
import type * as Hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type * as Int32Module from 'hdr-histogram-js/dist/Int32Histogram.js';

const require = createRequire(import.meta.url);
// Required, not imported: a CommonJS module whose class is module.exports.default, which an ES
// import reaches differently in Node and in the test runner.
const { default: Int32Histogram } = require('hdr-histogram-js/dist/Int32Histogram.js') as typeof Int32Module;

/**
 * HDR histograms from hdr-histogram-js, built from its Int32Histogram class (what its `build()`
 * makes by default) rather than through the package's index, which loads its WebAssembly build,
 * pako and the log writer at start-up. Measured on the 2-core machine (load average ~7.5, six
 * interleaved runs of a one-request loadtest): 0.26 s of CPU instead of 0.32 s, charged to every
 * request of a short benchmark. The encoding for `--workers` loads the whole package when used.
 */
export function newHistogram(
  lowestDiscernibleValue: number,
  highestTrackableValue: number,
  numberOfSignificantValueDigits: number,
): Histogram {
  const histogram = new Int32Histogram(
    lowestDiscernibleValue,
    highestTrackableValue,
    numberOfSignificantValueDigits,
  );
  histogram.autoResize = true;
  return histogram;
}

type Encoding = Pick<typeof Hdr, 'encodeIntoCompressedBase64' | 'decodeFromCompressedBase64'>;
let encoding: Encoding | undefined;
const loadEncoding = (): Encoding => (encoding ??= require('hdr-histogram-js') as Encoding);

/** A histogram as compressed HDR bytes in hex, exactly (workers send theirs to the coordinator). */
export function encodeHistogram(histogram: Histogram): string {
  return Buffer.from(loadEncoding().encodeIntoCompressedBase64(histogram), 'base64').toString('hex');
}

export function decodeHistogram(hex: string): Histogram {
  return loadEncoding().decodeFromCompressedBase64(Buffer.from(hex, 'hex').toString('base64'));
}
