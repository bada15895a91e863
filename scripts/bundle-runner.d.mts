/** Types of bundle-runner.mjs, for the tests and test/global-setup.ts. */

export declare const RUNNER_ENTRY: string;
export declare const RUNNER_BUNDLE: string;
export declare const FORBIDDEN_PACKAGES: readonly string[];

/** The part of an esbuild metafile the check reads. */
export interface BundleMetafile {
  readonly inputs: Readonly<Record<string, unknown>>;
}

export declare function findForbiddenInputs(metafile: BundleMetafile, forbidden?: readonly string[]): { name: string; input: string }[];

export declare function bundleRunner(options?: { entry?: string; outfile?: string }): Promise<{ outfile: string; bytes: number }>;
