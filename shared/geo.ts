/** A point on Earth in decimal degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

/** A region: a bounding box or a point and radius. */
export type GeoRegion =
  | { bbox: { south: number; west: number; north: number; east: number } }
  | { point: LatLon; radiusMeters: number };

/** Mean Earth radius used by the haversine formula. */
const EARTH_RADIUS_METERS = 6_371_008.8;

/** Great-circle distance in metres. */
export function distanceMeters(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** True when the point lies in the region (a bbox may cross the antimeridian: west > east). */
export function inRegion(p: LatLon, region: GeoRegion): boolean {
  if ('bbox' in region) {
    const { south, west, north, east } = region.bbox;
    if (p.lat < south || p.lat > north) return false;
    return west <= east ? p.lon >= west && p.lon <= east : p.lon >= west || p.lon <= east;
  }
  return distanceMeters(p, region.point) <= region.radiusMeters;
}

/** The bounding box of a region, for APIs that only take boxes. */
export function regionBBox(region: GeoRegion): { south: number; west: number; north: number; east: number } {
  if ('bbox' in region) return region.bbox;
  const dLat = (region.radiusMeters / EARTH_RADIUS_METERS) * (180 / Math.PI);
  const cos = Math.max(Math.cos((region.point.lat * Math.PI) / 180), 1e-6);
  const dLon = Math.min(180, dLat / cos);
  return {
    south: Math.max(-90, region.point.lat - dLat),
    north: Math.min(90, region.point.lat + dLat),
    west: Math.max(-180, region.point.lon - dLon),
    east: Math.min(180, region.point.lon + dLon),
  };
}
