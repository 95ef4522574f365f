/**
 * Sexagesimal sky coordinates: RA in hours (hh:mm:ss.sss) and Dec in degrees (+dd:mm:ss.ss), the
 * convention of DS9 and the LEGUS catalogues. Formatting rounds once, on the last digit, and carries
 * (59.9999 s never prints as 60.000).
 */

/** A sky coordinate the user typed could not be read. */
export class CoordinateError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CoordinateError';
  }
}

/**
 * Split a non-negative value into units:minutes:seconds, rounding seconds to `decimals` with carry.
 * @param {number} value non-negative, in hours or degrees
 * @param {number} decimals digits after the seconds' decimal point
 * @returns {[number, number, number]} whole units, whole minutes, seconds (already rounded)
 */
function toSexagesimal(value, decimals) {
  const scale = 10 ** decimals;
  const totalUnits = Math.round(value * 3600 * scale);
  const units = Math.floor(totalUnits / (3600 * scale));
  const minutes = Math.floor((totalUnits - units * 3600 * scale) / (60 * scale));
  const seconds = (totalUnits - units * 3600 * scale - minutes * 60 * scale) / scale;
  return [units, minutes, seconds];
}

const pad = (n, width) => String(n).padStart(width, '0');

/**
 * @param {number} raDeg right ascension in degrees (any value; wrapped into [0, 360))
 * @returns {string} `hh:mm:ss.sss`
 */
export function formatRa(raDeg) {
  const wrapped = ((raDeg % 360) + 360) % 360;
  let [h, m, s] = toSexagesimal(wrapped / 15, 3);
  if (h === 24) h = 0;
  return `${pad(h, 2)}:${pad(m, 2)}:${s.toFixed(3).padStart(6, '0')}`;
}

/**
 * @param {number} decDeg declination in degrees, -90..90
 * @returns {string} `+dd:mm:ss.ss` (the sign is always written; -00:30:00.00 keeps its minus)
 */
export function formatDec(decDeg) {
  const sign = decDeg < 0 ? '-' : '+';
  const [d, m, s] = toSexagesimal(Math.abs(decDeg), 2);
  const text = `${pad(d, 2)}:${pad(m, 2)}:${s.toFixed(2).padStart(5, '0')}`;
  return `${text === '00:00:00.00' ? '+' : sign}${text}`;
}

/**
 * Read one sexagesimal field: `10:41:22.5`, `10 41 22.5`, `10h41m22.5s`, `+41d16m07s`, `41°16'07"`.
 * @param {string} text
 * @param {string} what 'RA' or 'Dec', for error messages
 * @returns {{value: number, negative: boolean}} the magnitude in units (hours or degrees) and the sign
 */
export function parseSexagesimal(text, what) {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const parts = trimmed
    .replace(/^[+-]/, '')
    .split(/[:\s hdm°'′"″s]+/i)
    .filter((p) => p !== '');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => !/^\d+(\.\d*)?$|^\.\d+$/.test(p))) {
    throw new CoordinateError(`cannot read ${what} "${text}": write it as hh:mm:ss.s (RA) or dd:mm:ss.s (Dec)`);
  }
  const [units, minutes = 0, seconds = 0] = parts.map(Number);
  if (minutes >= 60 || seconds >= 60) {
    throw new CoordinateError(`${what} "${text}" has minutes or seconds of 60 or more`);
  }
  if (parts.length > 1 && (!Number.isInteger(units) || (parts.length > 2 && !Number.isInteger(minutes)))) {
    throw new CoordinateError(`${what} "${text}": only the last sexagesimal field may have decimals`);
  }
  return { value: units + minutes / 60 + seconds / 3600, negative };
}

/**
 * @param {string} text RA in hours, sexagesimal
 * @returns {number} degrees
 */
export function parseRaHours(text) {
  const { value, negative } = parseSexagesimal(text, 'RA');
  if (negative || value >= 24) throw new CoordinateError(`RA "${text}" must lie in 0h..24h`);
  return value * 15;
}

/**
 * @param {string} text Dec in degrees, sexagesimal, optionally signed
 * @returns {number} degrees
 */
export function parseDecDegrees(text) {
  const { value, negative } = parseSexagesimal(text, 'Dec');
  if (value > 90) throw new CoordinateError(`Dec "${text}" must lie in -90..+90 degrees`);
  return negative ? -value : value;
}
