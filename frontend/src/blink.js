/**
 * Blink cycling (`B`): step through the chosen renditions about once a second, the way astronomers
 * compare bands in DS9's blink mode. Tiles of each rendition stay cached in the image layer, so after
 * the first round every frame shows at once. The timer is owned here; whether it runs is store state.
 */

export const BLINK_INTERVAL_MS = 1000;

/**
 * @param {import('./store.js').Store} store
 * @param {import('./actions.js').Actions} actions
 * @returns {{toggle: () => void}}
 */
export function createBlinker(store, actions) {
  /** @type {ReturnType<typeof setInterval>|null} */
  let timer = null;

  function step() {
    const { image, blinkSet, rendition } = store.get();
    if (!image) return;
    const ordered = image.renditions.map((r) => r.name).filter((n) => blinkSet.includes(n));
    if (ordered.length < 2) return;
    const next = ordered[(ordered.indexOf(rendition) + 1) % ordered.length];
    actions.setRendition(next);
  }

  store.watch((s) => s.blinking, (blinking) => {
    if (timer) clearInterval(timer);
    timer = null;
    if (blinking) {
      step();
      timer = setInterval(step, BLINK_INTERVAL_MS);
    }
  });

  function toggle() {
    const { blinking, blinkSet, image } = store.get();
    if (!image) return;
    if (!blinking && blinkSet.length < 2) {
      actions.showStatus('choose at least two renditions to blink (Blink set in the rendition panel)', 'error');
      return;
    }
    store.set({ blinking: !blinking });
    actions.showStatus(blinking ? 'blink stopped' : `blinking ${blinkSet.join(' / ')} (B stops)`);
  }

  return { toggle };
}
