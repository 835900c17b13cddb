/** SHA-256 over the paths and contents of the build's inputs under `root`, hex. */
export declare function sourceDigest(root: string): string;
/** The file in dist/ that records the digest of the sources it was compiled from. */
export declare const DIGEST_FILE: string;
