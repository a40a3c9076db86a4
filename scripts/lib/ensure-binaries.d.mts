// Types of ensure-binaries.mjs, so TypeScript code (e.g. the demo command) can import it.

export interface Requirement {
  binary: string;
  aptPackage: string;
  purpose: string;
  /** How to find it when it is not on PATH (default: PATH only). */
  locate?: (binary: string) => string | null;
}

export declare const PROMETHEUS_REQUIREMENTS: Requirement[];
export declare const RSCRIPT_REQUIREMENTS: Requirement[];
export declare const POSTGRES_REQUIREMENTS: Requirement[];
export declare function findPostgresBinary(binary: string): string | null;
export declare function ensurePostgres(): Promise<void>;

export declare class MissingBinariesError extends Error {
  readonly code: 'MISSING_BINARIES';
  constructor(message: string);
}

export declare function findOnPath(binary: string): string | null;
export declare function ensureBinaries(requirements: Requirement[]): Promise<void>;
export declare function ensurePrometheus(): Promise<void>;
export declare function ensureTestDeps(): Promise<void>;
export declare function runAsCommand(ensure: () => Promise<void>): Promise<void>;

export declare const CHROMIUM_REQUIREMENTS: Requirement[];
export declare function ensureChromium(): Promise<void>;
