/**
 * A plotly figure as plain data: what every chart builder in the library returns and
 * every display function consumes. Chart builders never touch the DOM or a notebook.
 */

/** One plotly trace (scatter, bar, heatmap, ...); see https://plotly.com/javascript/reference/. */
export type Trace = Record<string, unknown>;

/** A plotly figure: traces, layout and optional config, all JSON-serialisable. */
export interface Figure {
  data: Trace[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}
