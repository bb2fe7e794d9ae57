/** Charts and display: figures as data, shown in notebooks or written as HTML. Re-exported by src/index.ts. */
export { Figure, Trace } from './figure';
export {
  figureHtml,
  writeFigureHtml,
  plotlyBundle,
  plotlyLoaderHtml,
  figureTitle,
  FigureHtmlOptions,
  WriteFigureHtmlOptions,
  PLOTLY_PACKAGE,
  FIGURE_CLASS,
} from './html';
export { show, ShowOptions, recordMetric, quickMode, QUICK_ENV, METRIC_MIME, displaySink, useDisplaySink, DisplaySink, MimeBundle } from './notebook';
export { progress, progressOpen, Progress, liveCurve, LiveCurve, LiveCurveOptions, LiveOptions, CurvePoint, curveFigure, LIVE_INTERVAL_MS } from './live';
export { svgLines, SvgPanel, SvgSeries } from './svg';
