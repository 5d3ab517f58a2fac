// Formatting shared by the site's modules, the same as sor's own (Format.swift): no locale, fixed decimals.

/** `2026-11-02T10:15:00+01:00` → `2026-11-02 10:15`, as the pages print it. */
export function dateTime(iso) {
  return iso.length >= 16 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso;
}

/** Seconds → `mm:ss` or `h:mm:ss`. */
export function clock(seconds) {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600), m = Math.floor(total / 60) % 60, s = total % 60;
  const two = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** `86.5` → `86.5%`, `80` → `80%`: one decimal only when needed. */
export function percent(value) {
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded : rounded.toFixed(1)}%`;
}
