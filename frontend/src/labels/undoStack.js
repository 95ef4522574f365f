/**
 * Undo and redo of labels. Annotations are append-only on the server, so undoing is itself a new
 * annotation: it restores the class the annotator had given before (or null, a retraction, when there
 * was none), and redo posts the undone class again. This stack only remembers the changes; the caller
 * posts them.
 *
 * A change names its source by id, or by `sourceRef` (the client_key of the annotation that created the
 * source from a drawn shape) while that source has no id yet. `before` may be unknown when recorded
 * (undefined) and filled in once the source's votes arrive.
 */

/**
 * @typedef {{imageId: number, sourceId?: number, sourceRef?: string, before: string|null|undefined,
 *            after: string|null}} LabelChange
 */

/** @param {number} [limit] changes kept for undo; older ones drop off */
export function createUndoStack(limit = 1000) {
  /** @type {LabelChange[]} */
  let past = [];
  /** @type {LabelChange[]} */
  let future = [];

  return {
    /**
     * Remember a label just made; a new change clears what could be redone.
     * @param {LabelChange} change
     * @returns {LabelChange} the stored change (fill `before` later if it was unknown)
     */
    record(change) {
      past.push(change);
      if (past.length > limit) past = past.slice(past.length - limit);
      future = [];
      return change;
    },
    /** @returns {LabelChange|null} the change to revert (post its `before`), or null when there is none */
    undo() {
      const change = past.pop() ?? null;
      if (change) future.push(change);
      return change;
    },
    /** @returns {LabelChange|null} the change to re-apply (post its `after`), or null */
    redo() {
      const change = future.pop() ?? null;
      if (change) past.push(change);
      return change;
    },
    canUndo: () => past.length > 0,
    canRedo: () => future.length > 0,
    /** Forget everything (another image was opened). */
    clear() {
      past = [];
      future = [];
    },
  };
}

/** @typedef {ReturnType<typeof createUndoStack>} UndoStack */
