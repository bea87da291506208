/** A readable label of a recipe's region, or null when it selects by category only. */
export function regionLabel(recipe: Record<string, unknown> | undefined): string | null {
  const region = (recipe?.selection as { region?: Record<string, unknown> } | undefined)?.region;
  if (!region) return null;
  if ('bbox' in region) {
    const b = region.bbox as { south: number; west: number; north: number; east: number };
    return `box ${b.south}°…${b.north}° N, ${b.west}°…${b.east}° E`;
  }
  const p = region.point as { lat: number; lon: number };
  return `${Number(region.radiusMeters) / 1000} km around ${p.lat}°, ${p.lon}°`;
}

