/**
 * `n` / `p` as a walk outward from where the annotator is looking: `n` asks the server for the unlabelled
 * source nearest to the view's centre that this walk has not visited yet (the map pans there, so the next
 * `n` continues from it); `p` steps back through the visited ones and `n` forward again before asking for
 * a new one. Catalogue-id order followed image rows: the first ten were edge artefacts at y = 2 to 12 and
 * the map jumped 4,000 px between them.
 */

export const MAX_SKIP = 400;

export function createWalk() {
  /** @type {number[]} */
  let visited = [];
  let at = -1;
  return {
    /** @returns {number|null} the source to go back to, or null at the start */
    back() {
      if (at <= 0) return null;
      at -= 1;
      return visited[at];
    },
    /** @returns {number|null} a source visited before (after `back`), or null: ask the server */
    forward() {
      if (at < visited.length - 1) {
        at += 1;
        return visited[at];
      }
      return null;
    },
    /** @param {number} id a new source reached by `n` */
    push(id) {
      visited = [...visited.slice(0, at + 1).filter((v) => v !== id), id].slice(-MAX_SKIP);
      at = visited.length - 1;
    },
    /** @param {number|null} current the selected source, skipped too @returns {number[]} ids to pass over */
    skip(current) {
      return current === null || visited.includes(current) ? [...visited] : [...visited, current].slice(-MAX_SKIP);
    },
    reset() {
      visited = [];
      at = -1;
    },
    get visited() {
      return [...visited];
    },
  };
}
