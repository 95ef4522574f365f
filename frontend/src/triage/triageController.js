/**
 * The triage grid's behaviour, apart from its DOM: load a page of sources (GET /sources/list with the
 * grid's filter and sort), move the focus (arrows, Home/End, across pages), and label the focused source
 * then advance, so 20 sources take 20 key presses. Focusing a cell selects its source and pans the map to
 * it; labels go through the same actions as on the map, so each view shows the other's labels.
 */
import { listSources } from '../api/sources.js';
import { layerKeyColumns } from '../panels/sourceColumns.js';
import { filterParam } from '../selection/workingSet.js';
import { matchesFilter, moveFocus, nextPageOffset } from './gridNav.js';

export const PAGE_SIZE = 100;
/** Longest wait for unsaved labels before asking for the next page (they change what it contains). */
const SAVE_WAIT_MS = 3000;

/**
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 * @param {import('../labels/labelActions.js').LabelActions} labelling
 */
export function createTriage(store, actions, labelling) {
  let loadSeq = 0;

  /** @param {object} q the store's triageQuery @returns {object} the list endpoint's parameters */
  function listQuery(q) {
    const s = store.get();
    const visible = s.layers.filter((l) => !s.hiddenLayers.includes(l.id)).map((l) => l.id);
    const layers = q.layer ? [Number(q.layer)] : visible;
    return {
      layers,
      columns: layerKeyColumns(s.layers.filter((l) => layers.includes(l.id))),
      state: q.state,
      classes: q.cls ? [q.cls] : undefined,
      sort: q.sort,
      order: q.order,
      filter: filterParam(s.workingSet),
    };
  }

  /**
   * @param {number} offset
   * @param {number} focus index to focus once loaded (-1: the last cell)
   */
  async function load(offset, focus = 0) {
    const s = store.get();
    if (s.imageId === null) return;
    loadSeq += 1;
    const seq = loadSeq;
    const query = listQuery(s.triageQuery);
    try {
      const page = await listSources(s.imageId, { ...query, offset, limit: PAGE_SIZE });
      if (seq !== loadSeq || store.get().imageId !== s.imageId) return;
      const index = focus < 0 ? page.items.length - 1 : Math.min(focus, page.items.length - 1);
      store.set({ triagePage: { offset, count: page.count, items: page.items, query }, triageFocus: Math.max(0, index) });
      if (page.items.length) focusCell(Math.max(0, index));
      else actions.showStatus('no sources match these filters', 'info', 'triage');
    } catch (error) {
      if (seq === loadSeq) actions.showError(error);
    }
  }

  /** @param {number} index select the cell's source and centre the map on it */
  function focusCell(index) {
    const page = store.get().triagePage;
    const item = page?.items[index];
    if (!item) return;
    store.set({ triageFocus: index });
    if (store.get().selectedId !== item.id) labelling.selectSource(item.id, { pan: true, summary: item });
  }

  /** @returns {number} cells on this page that no longer match the filter (labelled out of an unlabelled list) */
  function leftFilter() {
    const { triagePage: page, overrides, triageQuery: q } = store.get();
    if (!page) return 0;
    const filter = { state: q.state, classes: q.cls ? [q.cls] : [] };
    return page.items.filter((it) => !matchesFilter({
      label_class: overrides[it.id]?.label_class ?? it.label_class,
      votedByMe: overrides[it.id] !== undefined && overrides[it.id].label_class !== null,
    }, filter)).length;
  }

  async function nextPage() {
    const page = store.get().triagePage;
    if (!page) return;
    if (page.offset + page.items.length >= page.count) {
      actions.showStatus(`end of the list: all ${page.count} sources seen`, 'info', 'triage');
      return;
    }
    await Promise.race([labelling.whenSaved(), new Promise((r) => setTimeout(r, SAVE_WAIT_MS))]);
    await load(nextPageOffset(page.offset, page.items.length, leftFilter()), 0);
  }

  async function previousPage() {
    const page = store.get().triagePage;
    if (!page || page.offset === 0) {
      actions.showStatus('start of the list', 'info', 'triage');
      return;
    }
    await load(Math.max(0, page.offset - PAGE_SIZE), -1);
  }

  /**
   * @param {string} key an arrow key, Home, End, or 'advance'
   * @param {number} columns cells per row as laid out
   */
  function move(key, columns) {
    const { triagePage: page, triageFocus } = store.get();
    const step = moveFocus(triageFocus, key, { columns, count: page?.items.length ?? 0 });
    if (!step) return;
    if (step.page === 1) nextPage();
    else if (step.page === -1) previousPage();
    else focusCell(step.index);
  }

  /**
   * Label the focused source and move on.
   * @param {string|null} classId
   * @param {number} columns
   */
  function labelFocused(classId, columns) {
    const { triagePage: page, triageFocus } = store.get();
    const item = page?.items[triageFocus];
    if (!item) {
      actions.showStatus('no source in the grid: change the filters');
      return;
    }
    labelling.labelSource(item.id, classId, () => move('advance', columns));
  }

  /** @param {Partial<{layer: string, state: string, cls: string, sort: string, order: string}>} patch */
  function setQuery(patch) {
    store.set({ triageQuery: { ...store.get().triageQuery, ...patch } });
    load(0, 0);
  }

  store.watch((s) => s.triageOpen, (open, s) => {
    if (open && (!s.triagePage || s.triagePage.items.length === 0)) load(0, 0);
    else if (open) focusCell(s.triageFocus);
  });
  store.watch((s) => s.imageId, () => store.set({ triagePage: null, triageFocus: 0 }));
  store.watch((s) => s.layers.map((l) => l.id).join(','), () => {
    if (store.get().triageOpen) load(0, 0);
  });
  // the working set changed (cuts, regions, a lasso): the grid shows what is in it now
  store.watch((s) => filterParam(s.workingSet), () => {
    const s = store.get();
    if (s.triageOpen) load(0, 0);
    else store.set({ triagePage: null, triageFocus: 0 });
  });

  return {
    move, labelFocused, focusCell, setQuery, nextPage, previousPage,
    reload: () => load(store.get().triagePage?.offset ?? 0, store.get().triageFocus),
    toggle: () => store.set({ triageOpen: !store.get().triageOpen }),
  };
}

/** @typedef {ReturnType<typeof createTriage>} Triage */
