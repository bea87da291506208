/**
 * The words the catalogue bench's synthetic sets are made of: places, topics (each with its
 * category, title, tags and subjects), media kinds with their size ranges, licences, authors
 * and camera prefixes. Data only.
 */

export const PLACES = [
  'Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes', 'Strasbourg', 'Montpellier', 'Bordeaux', 'Lille', 'Rennes', 'Reims', 'Le Havre',
  'Saint-Étienne', 'Toulon', 'Grenoble', 'Dijon', 'Angers', 'Nîmes', 'Besançon', 'Orléans', 'Rouen', 'Caen', 'Nancy', 'Metz', 'Avignon',
  'Berlin', 'München', 'Köln', 'Düsseldorf', 'Zürich', 'Genève', 'Wien', 'Kraków', 'Łódź', 'Praha', 'Brno', 'København', 'Malmö',
  'Göteborg', 'Reykjavík', 'Helsinki', 'Tallinn', 'Rīga', 'Vilnius', 'Lisboa', 'Porto', 'Sevilla', 'Córdoba', 'Málaga', 'Zaragoza',
  'Barcelona', 'Valencia', 'Bilbao', 'Roma', 'Milano', 'Napoli', 'Torino', 'Firenze', 'Bologna', 'Venezia', 'Palermo', 'Genova',
  'Athina', 'Thessaloniki', 'İstanbul', 'Ankara', 'Tbilisi', 'Yerevan', 'Kyiv', 'Lviv', 'Odesa', 'Bucureşti', 'Cluj-Napoca', 'Sofia',
  'Beograd', 'Zagreb', 'Ljubljana', 'Sarajevo', 'Budapest', 'Bratislava', 'Dublin', 'Edinburgh', 'Glasgow', 'Cardiff', 'London',
  'Manchester', 'Amsterdam', 'Rotterdam', 'Utrecht', 'Antwerpen', 'Gent', 'Bruxelles', 'Liège', 'Luxembourg', 'Québec', 'Montréal',
  'Toronto', 'Vancouver', 'New York City', 'Chicago', 'San Francisco', 'Ciudad de México', 'Oaxaca', 'São Paulo', 'Rio de Janeiro',
  'Buenos Aires', 'Santiago', 'Lima', 'Bogotá', 'Quito', 'Dakar', 'Lagos', 'Nairobi', 'Addis Ababa', 'Cairo', 'Tunis', 'Marrakech',
  'Tōkyō', 'Kyōto', 'Ōsaka', 'Seoul', 'Busan', 'Taipei', 'Hà Nội', 'Bangkok', 'Mumbai', 'Kolkata', 'Chennai', 'Sydney', 'Melbourne',
  'Auckland', 'Wellington',
] as const;

export interface Topic {
  slug: string;
  category: (place: string) => string;
  title: (place: string) => string;
  tags: string[];
  subjects: string[];
}

export const TOPICS: Topic[] = [
  { slug: 'churches', category: (p) => `Churches in ${p}`, title: (p) => `Churches of ${p}`, tags: ['architecture', 'religion'], subjects: ['Nave', 'Choir', 'West façade', 'Portal', 'Stained glass window', 'Organ', 'Bell tower', 'Crypt', 'Altar', 'Cloister'] },
  { slug: 'bridges', category: (p) => `Bridges in ${p}`, title: (p) => `Bridges of ${p}`, tags: ['architecture', 'infrastructure'], subjects: ['Bridge at dusk', 'Pont from the river bank', 'Footbridge', 'Arch detail', 'Railway viaduct', 'Bridge pier'] },
  { slug: 'trams', category: (p) => `Trams in ${p}`, title: (p) => `Trams in ${p}`, tags: ['transport', 'rail'], subjects: ['Tram line 1', 'Tram line 2', 'Tram depot', 'Tram stop', 'Low-floor tram', 'Historic tram'] },
  { slug: 'markets', category: (p) => `Markets in ${p}`, title: (p) => `Markets of ${p}`, tags: ['city', 'food'], subjects: ['Market hall', 'Flower market', 'Fish stall', 'Vegetable stand', 'Christmas market', 'Flea market'] },
  { slug: 'street-art', category: (p) => `Street art in ${p}`, title: (p) => `Street art in ${p}`, tags: ['art', 'city'], subjects: ['Mural', 'Graffiti', 'Stencil', 'Mosaic', 'Paste-up'] },
  { slug: 'parks', category: (p) => `Parks in ${p}`, title: (p) => `Parks and gardens of ${p}`, tags: ['nature', 'city'], subjects: ['Fountain', 'Alley of plane trees', 'Rose garden', 'Pond', 'Bandstand', 'Greenhouse'] },
  { slug: 'birds', category: (p) => `Birds of ${p}`, title: (p) => `Birds of ${p}`, tags: ['nature', 'animals', 'birds'], subjects: ['Parus major', 'Erithacus rubecula', 'Turdus merula', 'Columba livia', 'Passer domesticus', 'Larus michahellis', 'Ardea cinerea'] },
  { slug: 'maps', category: (p) => `Maps of ${p}`, title: (p) => `Old maps of ${p}`, tags: ['maps', 'history'], subjects: ['Plan', 'Cadastral map', 'Map of the fortifications', 'Bird\'s-eye view', 'Street map'] },
  { slug: 'museums', category: (p) => `Museums in ${p}`, title: (p) => `Museum collections of ${p}`, tags: ['art', 'museums'], subjects: ['Painting', 'Sculpture', 'Amphora', 'Coin', 'Tapestry', 'Manuscript page'] },
  { slug: 'railway-stations', category: (p) => `Railway stations in ${p}`, title: (p) => `Railway stations of ${p}`, tags: ['transport', 'rail', 'architecture'], subjects: ['Concourse', 'Platform 3', 'Departure board', 'Station clock', 'Train shed'] },
];

export interface MediaKind {
  ext: string;
  mime: string;
  weight: number;
  /** Log-uniform size range, bytes. */
  min: number;
  max: number;
}

export const MEDIA: MediaKind[] = [
  { ext: 'jpg', mime: 'image/jpeg', weight: 70, min: 400_000, max: 12_000_000 },
  { ext: 'JPG', mime: 'image/jpeg', weight: 8, min: 1_000_000, max: 9_000_000 },
  { ext: 'png', mime: 'image/png', weight: 8, min: 50_000, max: 6_000_000 },
  { ext: 'svg', mime: 'image/svg+xml', weight: 5, min: 5_000, max: 400_000 },
  { ext: 'tif', mime: 'image/tiff', weight: 3, min: 10_000_000, max: 90_000_000 },
  { ext: 'pdf', mime: 'application/pdf', weight: 2, min: 300_000, max: 40_000_000 },
  { ext: 'ogg', mime: 'application/ogg', weight: 2, min: 500_000, max: 15_000_000 },
  { ext: 'webm', mime: 'video/webm', weight: 2, min: 3_000_000, max: 250_000_000 },
];
export const MEDIA_WEIGHT = MEDIA.reduce((n, m) => n + m.weight, 0);
export const LICENSES = ['cc-by-sa-4.0', 'cc-by-sa-3.0', 'cc-by-4.0', 'cc0', 'pd-old-70', null] as const;
export const AUTHORS = ['Jean Dupont', 'Marie Curie-Martin', 'Åsa Lindqvist', 'Zbigniew Nowak', 'Chiara Rossi', 'Ahmed Benali', 'Yuki Tanaka', 'Seedbank Fixtures', null] as const;
export const CAMERAS = ['DSC', 'IMG', 'P', 'DSCF', 'PXL'] as const;
