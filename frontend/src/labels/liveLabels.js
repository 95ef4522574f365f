/**
 * Other annotators' labels, live: the server announces every saved label on the image's event stream;
 * the new consensus class shows on the map and in the grid at once (unless a label of ours for that
 * source is still on its way, which will answer with the newest consensus anyway), and the source panel
 * re-reads its votes and history when it shows that source. A `resync` reloads the sources in view.
 */

/**
 * @param {import('../store.js').Store} store
 * @param {import('./labelActions.js').LabelActions} labelling
 * @param {import('../api/events.js').ImageEventHub} events the open image's event stream
 */
export function followLiveLabels(store, labelling, events) {
  events.on('labels', (data) => {
    const id = Number(data?.source_id);
    if (!Number.isFinite(id)) return;
    const pending = labelling.unsaved().some((e) => e.body.source_id === id);
    if (!pending && !data.blind) {  // a source of an open blind round: no consensus travels; refetch it
      const s = store.get();
      const prev = s.overrides[id];
      if (!prev || prev.label_class !== (data.label_class ?? null)) {
        store.set({ overrides: { ...s.overrides, [id]: { ...prev, label_class: data.label_class ?? null } } });
      }
    }
    if (store.get().selectedId === id && !pending) labelling.refreshSelected();
  });
  events.on('resync', () => {
    store.set({ sourcesVersion: store.get().sourcesVersion + 1 });
    labelling.refreshSelected();
  });
}
