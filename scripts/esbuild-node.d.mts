import type {BuildOptions} from 'esbuild';

/** esbuild options for one ES module run by Node 20 that bundles its packages too (esbuild-node.mjs). */
export declare const NODE_BUNDLE_OPTIONS: BuildOptions & {banner: {js: string}};
