/**
 * Which sources `n` / `p` walk outside a round: the unlabelled ones (no consensus class), or, when the
 * "not voted by me" filter is on (the map legend's "show", or the triage grid's state while the grid is
 * open), the sources I have no vote on: a colleague's label no longer hides a source from my walk. The
 * server answers both with the nearest such source to the view's centre (GET /sources/next `state`).
 */

/**
 * @param {{mapState?: string, triageOpen?: boolean, triageQuery?: {state?: string}}} s the store's state
 * @returns {'unlabelled'|'unvoted'}
 */
export function walkState(s) {
  if (s.mapState === 'unvoted') return 'unvoted';
  if (s.triageOpen && s.triageQuery?.state === 'unvoted') return 'unvoted';
  return 'unlabelled';
}

/** @param {'unlabelled'|'unvoted'} state @returns {string} how the status line names it */
export function walkName(state) {
  return state === 'unvoted' ? 'source not voted by me' : 'unlabelled source';
}
