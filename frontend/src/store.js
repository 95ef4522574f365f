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

/** The state of a freshly loaded app, before any image is open. */
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
    view: /** @type {{x: number, y: number, res: number, extent?: number[]}|null} */ (null),
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

    // Labelling (sources, layers, labels; FITS 0-based pixels)
    /** the image's label scheme: {name, classes: [{id, name, colour, hotkey}]} */
    scheme: /** @type {object|null} */ (null),
    /** who is labelling: asked once, kept in localStorage, sent with every annotation */
    annotator: '',
    layers: /** @type {object[]} */ ([]),
    /** layer ids switched off in the legend */
    hiddenLayers: /** @type {number[]} */ ([]),
    /** which sources the map draws (the legend's "show"): all | unlabelled | unvoted ("not voted by me");
     * with unvoted, n / p walk the sources not voted by me (labels/walkState.js) */
    mapState: /** @type {'all'|'unlabelled'|'unvoted'} */ ('all'),
    /** the image whose layers `layers` holds (null while loading) */
    layersImageId: /** @type {number|null} */ (null),
    /** hidden layers to restore once the opened image's layers arrive (hash or view memory) */
    restoredHidden: /** @type {number[]|null} */ (null),
    /** the sources in view: {count, truncated, sources, layers, bbox, state (the mapState asked for)} */
    viewportSources: /** @type {object|null} */ (null),
    /** bumped when sources changed on the server (import, detection, a drawn shape saved): reload the view */
    sourcesVersion: 0,
    /** labels made here, ahead of the next server answer: source id -> {label_class, n_votes?} */
    overrides: /** @type {Record<number, {label_class?: string|null, n_votes?: number}>} */ ({}),
    /** source id -> 'pending' | 'failed' while its label is in the save queue */
    saveStates: /** @type {Record<number, string>} */ ({}),
    /** the save queue in numbers: {pending, failed, rejected, error} */
    saves: { pending: 0, failed: 0, rejected: 0, error: /** @type {string|null} */ (null) },
    /** drawn shapes whose label is not saved yet: [{key, geometry, class, failed}] */
    unsavedShapes: /** @type {object[]} */ ([]),
    selectedId: /** @type {number|null} */ (null),
    /** GET /sources/{id} of the selected source (null while loading) */
    selected: /** @type {object|null} */ (null),
    /** true while the selected source has a label newer than `selected` shows */
    selectedStale: false,
    tool: 'select',
    /** a drawn geometry waiting for a class key */
    draft: /** @type {object|null} */ (null),
    triageOpen: false,
    /** what the triage grid lists: layer id ('' = all visible), state, class, sort column, order */
    triageQuery: { layer: '', state: 'unlabelled', cls: '', sort: 'id', order: 'asc' },
    /** the page shown: {offset, count, items, query}; items keep their place when labelled */
    triagePage: /** @type {{offset: number, count: number, items: object[], query: object}|null} */ (null),
    /** index of the focused cell on the page */
    triageFocus: 0,
    /** the open dialog: 'import' | 'detect' | 'annotator' | null */
    dialog: /** @type {string|null} */ (null),

    // The AI loop (learning/): model status, tasks, predictions, label next, embedding view
    /** the image's event stream: 'connecting' | 'open' | 'down' */
    eventsState: 'connecting',
    /** GET /api/images/{id}/learning: encoder, embeddings, probe, n_labels, history of probe versions */
    learning: /** @type {object|null} */ (null),
    /** recent tasks by id, from `task` events (learning/taskProgress.js) */
    tasks: /** @type {Record<number, object>} */ ({}),
    /** the current probe's predictions around the view: {modelVersion, version, bbox, bySource} */
    predictions: /** @type {{modelVersion: number|null, version: number|null, bbox: number[], bySource: Record<number, object>}|null} */ (null),
    /** ring colour = predicted class for unlabelled sources */
    colourByPrediction: true,
    /** "label next": walk the sources the acquisition function picks (learning/labelNext.js) */
    labelNext: {
      active: false, strategy: 'entropy', items: /** @type {object[]} */ ([]), loading: false,
      error: /** @type {string|null} */ (null), modelVersion: /** @type {number|null} */ (null),
      /** what "uncertain" meant in the last answer: 'binary' (the scheme's binary question) or 'classes' */
      question: /** @type {string|null} */ (null),
      done: /** @type {number[]} */ ([]),
      /** labels made while walking (kept across new proposals: `done` restarts with each answer) */
      labelled: 0,
    },
    embeddingOpen: false,

    // Consensus rounds (rounds/): my rounds, the one open here, my queue in it, its report
    round: {
      rounds: /** @type {import('./api/rounds.js').RoundPublic[]} */ ([]),
      roundId: /** @type {number|null} */ (null),
      /** walking my queue: n / p go through it, labels carry the round */
      active: false,
      queue: /** @type {import('./api/rounds.js').Queue|null} */ (null),
      report: /** @type {object|null} */ (null),
      /** the round's source ids, drawn as the paper's large white rings */
      sources: /** @type {number[]} */ ([]),
      visited: /** @type {number[]} */ ([]),
      error: /** @type {string|null} */ (null),
    },
    /** the working set: cuts, active regions, a diagram lasso (selection/workingSet.js) */
    workingSet: /** @type {import('./selection/workingSet.js').WorkingSet} */ ({ cuts: [], regions: [], lasso: null }),
    /** the image's saved regions (api/selection.js) */
    regions: /** @type {import('./api/selection.js').Region[]} */ ([]),
    /** the diagrams' photometry of the visible layers, and which diagram is shown */
    photometry: /** @type {import('./api/selection.js').Photometry|null} */ (null),
    diagramOpen: false,
    /** the region being drawn on the map: box | polygon | circle, null when none (map/selectionLayers.js) */
    regionTool: /** @type {'polygon'|'box'|'circle'|null} */ (null),
    /** source ids inside the lasso (drawn highlighted on the map) */
    lassoIds: /** @type {Set<number>|null} */ (null),
    /** a source hovered in the triage grid or a diagram */
    hoverId: /** @type {number|null} */ (null),
    /** header progress: {sources, labelled, mine} */
    progress: /** @type {{sources: number, labelled: number, mine: number|null}|null} */ (null),
    /** "more like this" for a source: {sourceId, items, loading, error} */
    similar: /** @type {{sourceId: number, items: object[], loading: boolean, error: string|null, note?: string|null}|null} */ (null),
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

/** @typedef {ReturnType<typeof initialState>} State */
/** @typedef {ReturnType<typeof createStore<State>>} Store */
