/**
 * Draw thousands of rings fast: each look (ring spec at an on-screen radius) is drawn once into a small
 * sprite (dark halo, ring, second ring when labelled, dashed selection ring, save badge; predicted rings dashed
 * and faded by confidence), and each source
 * costs one drawImage at a whole-pixel position. In headless Chromium without a GPU this draws 5,000 rings
 * in about 40 ms where one stroked path of 5,000 circles takes 200 ms or more. The result is one image for
 * the whole view; OpenLayers moves it while panning and asks for a new one only when the view leaves it,
 * the zoom changes, or the sources or their looks change.
 */
import { BADGE_COLOURS, SELECTED_COLOUR, screenRadius } from './sourceStyle.js';

const HALO = 'rgba(0, 0, 0, 0.55)';
const SPRITES_KEPT = 300;

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {string} shape
 * @param {number} x
 * @param {number} y
 * @param {number} r
 */
function shapePath(ctx, shape, x, y, r) {
  ctx.beginPath();
  switch (shape) {
    case 'square':
      ctx.rect(x - r, y - r, 2 * r, 2 * r);
      break;
    case 'diamond':
      ctx.moveTo(x, y - 1.2 * r);
      ctx.lineTo(x + 1.2 * r, y);
      ctx.lineTo(x, y + 1.2 * r);
      ctx.lineTo(x - 1.2 * r, y);
      ctx.closePath();
      break;
    case 'cross':
      ctx.moveTo(x - r, y);
      ctx.lineTo(x + r, y);
      ctx.moveTo(x, y - r);
      ctx.lineTo(x, y + r);
      break;
    default:
      ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
}

/**
 * @param {import('./sourceStyle.js').RingSpec} spec
 * @param {number} r ring radius, device pixels
 * @param {number} pr device pixels per CSS pixel
 * @returns {HTMLCanvasElement} a square sprite with the ring at its centre
 */
function drawSprite(spec, r, pr) {
  const outer = r * 1.2 + (spec.selected ? 8 : spec.labelled ? 5 : 2) * pr + (spec.width + 2) * pr;
  const half = Math.ceil(outer + (spec.badge ? 4 * pr : 0));
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 2 * half + 1;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const c = half + 0.5;
  ctx.lineJoin = 'round';
  ctx.globalAlpha = spec.alpha ?? 1;
  if (spec.dash) ctx.setLineDash(spec.dash === 'dotted' ? [1.5 * pr, 2.5 * pr] : [5 * pr, 3 * pr]);
  shapePath(ctx, spec.shape, c, c, r);
  ctx.strokeStyle = HALO;
  ctx.lineWidth = (spec.width + 2) * pr;
  ctx.stroke();
  ctx.strokeStyle = spec.colour;
  ctx.lineWidth = spec.width * pr;
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  if (spec.labelled) {
    shapePath(ctx, 'ring', c, c, r + 3 * pr);
    ctx.lineWidth = pr;
    ctx.stroke();
  }
  if (spec.selected) {
    shapePath(ctx, 'ring', c, c, r + 6 * pr);
    ctx.setLineDash([4 * pr, 3 * pr]);
    ctx.strokeStyle = SELECTED_COLOUR;
    ctx.lineWidth = 2 * pr;
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (spec.badge) {
    const d = r * Math.SQRT1_2;
    shapePath(ctx, 'ring', c + d, c - d, 3.5 * pr);
    ctx.fillStyle = BADGE_COLOURS[spec.badge] ?? BADGE_COLOURS.pending;
    ctx.fill();
    ctx.strokeStyle = '#000';
    ctx.lineWidth = pr;
    ctx.stroke();
  }
  return canvas;
}

/** @returns {(ctx: CanvasRenderingContext2D, groups: {spec: import('./sourceStyle.js').RingSpec, points: number[]}[],
 *             resolution: number, pixelRatio: number) => void} a drawer keeping its sprites between frames */
export function createRingDrawer() {
  /** @type {Map<string, HTMLCanvasElement>} */
  let sprites = new Map();
  return (ctx, groups, resolution, pixelRatio) => {
    const ordered = [...groups].sort((a, b) => a.spec.z - b.spec.z);
    for (const { spec, points } of ordered) {
      const r = Math.round(2 * screenRadius(spec.radiusPx, resolution) * pixelRatio) / 2;
      const key = `${spec.key}|${r}|${pixelRatio}`;
      let sprite = sprites.get(key);
      if (!sprite) {
        if (sprites.size > SPRITES_KEPT) sprites = new Map();
        sprite = drawSprite(spec, r, pixelRatio);
        sprites.set(key, sprite);
      }
      const half = (sprite.width - 1) / 2;
      for (let i = 0; i < points.length; i += 2) {
        ctx.drawImage(sprite, Math.round(points[i] - half - 0.5), Math.round(points[i + 1] - half - 0.5));
      }
    }
  };
}
