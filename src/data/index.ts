/** Data sets: readers, splits, sampling, batching. Re-exported by src/index.ts. */
export { ImageDataset, imageSize } from './dataset';
export { readIdx, decodeIdx, gunzipIfNeeded, IdxArray, IdxExpect, IdxError } from './idx';
export { loadFashionMnist, locateFashionMnist, fashionSearchPath, cacheDir, FASHION_CLASSES, FASHION_FILES, FASHION_ENV, FashionOptions } from './fashion';
export { downloadFashionMnist, downloadVerified, verifyFile, FASHION_BASE_URL, FASHION_URL_ENV, DownloadOptions, Expected } from './download';
export { loadMnist, loadMnistIdx, locateMnistIdx, mnistIdxSearchPath, mnistPackageDir, MNIST_CLASSES, MNIST_ENV, MNIST_IDX_FILES } from './mnist';
export { loadImageFolder, decodeResized, FolderOptions, FolderDataset, SkippedFile } from './folder';
export { subset, concatImages, selectClasses, stratifiedSplit, kShot, kShotIndices, classCounts, indicesByClass, SplitOptions, Splits } from './split';
export { toTensors, batches, batchOf, batchCount, augmentBytes, Batch, TensorOptions, BatchOptions, AugmentOptions, Normalization } from './batches';
export { describeDatasets, loadDataset, DATASET_NAMES, DatasetName, DatasetInfo, SplitInfo } from './catalog';
export { encodePngSync, pngDataUri } from './png';
