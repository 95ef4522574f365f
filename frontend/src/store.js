/**
 * The app's one store: a tiny observable state. Every piece of mutable UI state lives here (the open
 * image, rendition, stretch, cursor, readout, view, marker, status), so panels and the map never talk to
 * each other directly: they render from the store and write to it.
 *
 * State is replaced, never mutated: `set` makes a shallow copy, so listeners can compare old and new
 * slices with `===`.
 */

/**
 * @typedef {{stretch: string, limits: string, pmin: number, pmax: number, vmin: string, vmax: string,
 *            softening: string, q: string}} StretchState
 * @typedef {{x: number, y: number}} PixelPos FITS 0-based pixel position
 */

/** @returns {object} the state of a freshly loaded app, before any image is open */
export function initialState() {
  return {
    images: /** @type {object[]} */ ([]),
    imageId: /** @type {number|null} */ (null),
    image: /** @type {object|null} */ (null),
    rendition: /** @type {string|null} */ (null),
    previousRendition: /** @type {string|null} */ (null),
    /** @type {StretchState} */
    stretch: {
      stretch: 'asinh', limits: 'percentile', pmin: 0.5, pmax: 99.8, vmin: '', vmax: '', softening: '', q: '',
    },
    blinkSet: /** @type {string[]} */ ([]),
    blinking: false,
    /** cursor over the map, FITS 0-based; null when the pointer is off the map */
    cursor: /** @type {PixelPos|null} */ (null),
    /** the server's answer for `readout.pos`: {pos, ra, dec, values} */
    readout: /** @type {object|null} */ (null),
    /** view centre (FITS 0-based) and resolution (image pixels per CSS pixel) */
    view: /** @type {{x: number, y: number, res: number}|null} */ (null),
    /** N/E unit vectors in image axes (map/compass.js), null without a celestial WCS */
    compass: /** @type {object|null} */ (null),
    /** go-to marker, FITS 0-based */
    marker: /** @type {PixelPos|null} */ (null),
    /** request to centre the view: {x, y, res?, seq}; seq makes repeated go-tos distinct */
    centreRequest: /** @type {object|null} */ (null),
    /** the status line; `source` lets the raiser withdraw it (e.g. 'tiles' once tiles load again) */
    status: /** @type {{message: string, level: 'info'|'error'|'busy', seq: number, source: string}|null} */ (null),
    helpOpen: false,
    panelsHidden: false,
  };
}

/**
 * @template S
 * @param {S} initial
 */
export function createStore(initial) {
  let state = initial;
  /** @type {Set<(state: S, prev: S) => void>} */
  const listeners = new Set();

  return {
    /** @returns {S} */
    get() {
      return state;
    },
    /**
     * Merge `patch` into the state and notify listeners (synchronously, in subscription order).
     * @param {Partial<S>} patch
     */
    set(patch) {
      const prev = state;
      state = Object.freeze({ ...state, ...patch });
      for (const listener of [...listeners]) listener(state, prev);
    },
    /**
     * @param {(state: S, prev: S) => void} listener
     * @returns {() => void} unsubscribe
     */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /**
     * Call `listener(slice, state)` whenever `selector(state)` changes (by `===`), and once now.
     * @template T
     * @param {(state: S) => T} selector
     * @param {(slice: T, state: S) => void} listener
     * @returns {() => void} unsubscribe
     */
    watch(selector, listener) {
      let last = selector(state);
      listener(last, state);
      return this.subscribe((s) => {
        const next = selector(s);
        if (next !== last) {
          last = next;
          listener(next, s);
        }
      });
    },
  };
}

/** @typedef {ReturnType<typeof createStore>} Store */
