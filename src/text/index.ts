/** Text transfer: WordPiece tokenizer, BERT encoder, pretrained MiniLM, text data, strategies. Re-exported by src/index.ts. */
export { readSafetensors, SafeTensor, SafeTensors } from './safetensors';
export { WordPieceTokenizer, TokenizerOptions, EncodeOptions, EncodedBatch, TruncationPolicy, SPECIAL_TOKENS } from './tokenizer';
export {
  PaddingMask,
  BertEmbeddings,
  BertLayerNorm,
  SelfAttention,
  MaskedMeanPooling,
  L2Normalize,
  PaddingMaskArgs,
  BertEmbeddingsArgs,
  BertLayerNormArgs,
  SelfAttentionArgs,
} from './layers';
export {
  buildTextEncoder,
  setTokenEmbeddingsTrainable,
  textEncoderGroups,
  blockLayerNames,
  isTextPreprocessing,
  MINILM_L6_CONFIG,
  BertConfig,
  TextEncoderOptions,
  TextPreprocessing,
  TextSettings,
} from './encoder';
export {
  loadTextEncoder,
  textEncoderFiles,
  readBertConfig,
  loadBertWeights,
  bertWeightMap,
  TEXT_ENCODERS,
  TEXT_ENCODER_ENV,
  TextEncoderFiles,
  LoadTextEncoderOptions,
} from './pretrained';
export { TextDataset, textDataset, textClassCounts, textSubset, textConcat, textSelectClasses, textStratifiedSplit, textKShot } from './dataset';
export { loadFortunes, parseFortunes, locateFortunes, fortunesSearchPath, FORTUNE_TOPICS, FORTUNES_ENV, FortunesOptions } from './fortunes';
export { textSource, encodeTexts, embedTexts, extractTextFeatures, tokenizerFor, TextSourceOptions, EmbedOptions, TextFeatureOptions } from './source';
export { runTextStrategy, TextRunContext } from './strategies';
export { textModality, FORTUNES_TASK } from './task';
export {
  compareText,
  loadExperimentEncoder,
  loadTextTask,
  textExperimentConfig,
  quickTextConfig,
  resolveTextConfig,
  isTextExperiment,
  TEXT_EXPERIMENTS,
  TextExperimentConfig,
  TextTaskSpec,
  TextTaskData,
  TextCompareOptions,
} from './experiment';
export {
  loadSentiment,
  readSentimentRatings,
  parseGroundTruth,
  binarizeSentiment,
  describeSentimentSets,
  locateSentiment,
  sentimentSearchPath,
  SENTIMENT_SETS,
  SENTIMENT_SET_NAMES,
  SENTIMENT_CLASSES,
  SENTIMENT_ENV,
  SENTIMENT_ARCHIVE,
  SentimentDataset,
  SentimentSetName,
  SentimentSetInfo,
  SentimentOptions,
  SentimentSetSummary,
  RatedText,
} from './sentiment';
export { vaderScores, vaderProbs, locateVader, VADER_DIR, VaderOptions, VaderScore } from './vader';
export { trainTfidfLogReg, tfidfPredict, tfidfTransform, tfidfTokens, TfidfModel, TfidfOptions, SparseRows } from './tfidf';
export { loadSentimentTask, SENTIMENT_TASK, SentimentTaskSpec } from './sentiment-task';
export { tfidfBaseline, vaderBaseline } from './baselines';
