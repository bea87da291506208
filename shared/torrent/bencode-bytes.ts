/** The bencode syntax bytes, for the readers that walk bencoded bytes without a tree. */
export const CH_I = 0x69;
export const CH_L = 0x6c;
export const CH_D = 0x64;
export const CH_E = 0x65;
export const CH_COLON = 0x3a;
export const CH_MINUS = 0x2d;
