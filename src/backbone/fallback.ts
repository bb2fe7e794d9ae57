/**
 * Load a backbone that may need the internet (ImageNet MobileNet from its official URL),
 * and when it cannot be downloaded say so plainly and load a bundled one instead. Only a
 * failed download falls back: a corrupt cache, an unknown name or a broken model file is
 * still an error to fix, never silently replaced.
 */
import { Net } from '../transfer/net';
import { ZOO, loadBackbone, LoadBackboneOptions, ModelDownloadError } from './zoo';

/** Options for {@link loadBackboneOrFallback}. */
export interface FallbackOptions extends LoadBackboneOptions {
  /** The bundled backbone used when the download fails. Default `'fashion-cnn'`. */
  fallback?: string;
  /** Give up on each download request after this many milliseconds. Default 20000. */
  timeoutMs?: number;
}

/** Which backbone was loaded, and why. */
export interface BackboneChoice {
  /** The loaded backbone. */
  net: Net;
  /** Its name: the one asked for, or the fallback. */
  name: string;
  /** The name asked for. */
  requested: string;
  /** True when the requested backbone could not be downloaded and the fallback was loaded. */
  fellBack: boolean;
  /** Where the requested backbone is downloaded from (remote zoo entries and URLs), else null. */
  url: string | null;
  /** Why the download failed (e.g. `fetch failed: getaddrinfo ENOTFOUND ...`, `HTTP 404`), else null. */
  reason: string | null;
  /** The zoo's cut layer for features of the loaded backbone, when it is a zoo entry. */
  cutLayer: string | undefined;
  /** One line saying what happened, for the reader. */
  message: string;
}

/**
 * Load `requested` (a zoo name, URL or path, as {@link loadBackbone}); if it is remote and
 * cannot be downloaded (no network, a timeout or an HTTP error), load the bundled
 * `fallback` instead and say why in `message`:
 * `offline: could not download <name> from <url> (<reason>); using the bundled fashion-cnn backbone instead`.
 *
 * @throws every error that is not a failed download (corrupt cache, unknown name, bad files)
 * @example
 * const choice = await loadBackboneOrFallback('mobilenet-v1-0.25');
 * console.log(choice.message);
 * const net = withHead(choice.net, { cutAt: choice.cutLayer, classes: 5 });
 */
export async function loadBackboneOrFallback(requested: string, opts: FallbackOptions = {}): Promise<BackboneChoice> {
  const { fallback = 'fashion-cnn', timeoutMs = 20000, ...rest } = opts;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new Error(`loadBackboneOrFallback: timeoutMs ${timeoutMs} is not a positive number of milliseconds. Fix: pass e.g. { timeoutMs: 20000 }.`);
  if (ZOO[fallback]?.kind !== 'bundled') {
    const bundled = Object.values(ZOO)
      .filter((e) => e.kind === 'bundled')
      .map((e) => e.name);
    throw new Error(
      `loadBackboneOrFallback: the fallback '${fallback}' is not a bundled backbone (it must load without the internet). Fix: use one of ${bundled.join(', ')}.`,
    );
  }
  const entry = ZOO[requested];
  const url = entry?.url ?? (/^https?:\/\//.test(requested) ? requested : null);
  try {
    const net = await loadBackbone(requested, { ...rest, timeoutMs });
    return {
      net,
      name: requested,
      requested,
      fellBack: false,
      url,
      reason: null,
      cutLayer: entry?.cutLayer,
      message: `loaded ${requested}${url ? ` (from ${url}, or its cached copy)` : ''}`,
    };
  } catch (e) {
    if (!(e instanceof ModelDownloadError)) throw e;
    const where = url ?? e.url;
    const message = `${e.status === undefined ? 'offline: ' : ''}could not download ${requested} from ${where} (${e.reason}); using the bundled ${fallback} backbone instead`;
    const net = await loadBackbone(fallback);
    return { net, name: fallback, requested, fellBack: true, url: where, reason: e.reason, cutLayer: ZOO[fallback].cutLayer, message };
  }
}
