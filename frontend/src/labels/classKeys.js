/**
 * The label scheme's classes and their keys. A scheme (GET /api/images/{id}/scheme) lists classes with
 * an id, a name, a colour and a hotkey; LEGUS's are "1".."4" on keys 1..4. Hotkeys that would clash with a
 * command key of the app are refused here, so a custom scheme cannot silently steal `n` or `u`.
 */

/**
 * @typedef {{id: string, name: string, colour: string, hotkey?: string, binary?: string}} SchemeClass
 * @typedef {{name: string, classes: SchemeClass[], binary?: string[]}} Scheme
 */

/** Colour of a source whose class the scheme does not know (an imported label from another scheme). */
export const UNKNOWN_CLASS_COLOUR = '#c678dd';

/**
 * @param {Scheme|null} scheme
 * @param {string[]} reserved keys the app already uses for commands
 * @returns {Map<string, SchemeClass>} key -> class, for the classes whose hotkey is usable
 */
export function classKeyMap(scheme, reserved = []) {
  const map = new Map();
  for (const c of scheme?.classes ?? []) {
    const key = c.hotkey ?? '';
    if (key.length === 1 && !reserved.includes(key) && !map.has(key)) map.set(key, c);
  }
  return map;
}

/**
 * @param {Scheme|null} scheme
 * @param {string} key KeyboardEvent.key
 * @param {string[]} [reserved]
 * @returns {SchemeClass|null}
 */
export function classForKey(scheme, key, reserved = []) {
  return classKeyMap(scheme, reserved).get(key) ?? null;
}

/**
 * @param {Scheme|null} scheme
 * @param {string|null|undefined} id
 * @returns {SchemeClass|null}
 */
export function classById(scheme, id) {
  if (id === null || id === undefined) return null;
  return scheme?.classes.find((c) => c.id === String(id)) ?? null;
}

/**
 * @param {Scheme|null} scheme
 * @param {string|null|undefined} id
 * @returns {string|null} the class's colour, UNKNOWN_CLASS_COLOUR for a class outside the scheme, null when unlabelled
 */
export function classColour(scheme, id) {
  if (id === null || id === undefined) return null;
  return classById(scheme, id)?.colour ?? UNKNOWN_CLASS_COLOUR;
}

/**
 * @param {Scheme|null} scheme
 * @returns {string} the scheme's binary question, "cluster / non-cluster" unless it names its own groups (as
 *   the server's projects.binary_groups reads it)
 */
export function binaryQuestion(scheme) {
  return (scheme?.binary?.length ? scheme.binary : ['cluster', 'non-cluster']).join(' / ');
}

/**
 * @param {Scheme|null} scheme
 * @param {string|null|undefined} id
 * @returns {string} "1 compact symmetric cluster", "unlabelled", or the bare id when the scheme lacks it
 */
export function classLabel(scheme, id) {
  if (id === null || id === undefined) return 'unlabelled';
  const c = classById(scheme, id);
  return c ? `${c.id} ${c.name}` : String(id);
}
