/** Data sets: readers, splits, sampling, batching. Re-exported by src/index.ts. */
export { ImageDataset, imageSize } from './dataset';
export { readIdx, decodeIdx, gunzipIfNeeded, IdxArray, IdxExpect, IdxError } from './idx';
export { loadFashionMnist, locateFashionMnist, fashionSearchPath, cacheDir, FASHION_CLASSES, FASHION_FILES, FASHION_ENV, FashionOptions } from './fashion';
