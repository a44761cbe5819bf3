// The contract between `npm run bench` (bench/run.ts) and each benchmark section: the runner
// starts the private services once, calls every section in turn, and writes one dated result file.
// Benchmarks are tools, not product code: they may import mqtt and pg directly.

/** The private services a run starts for itself (never the machine's shared ones). */
export interface BenchServices {
	/** `mqtt://127.0.0.1:<port>` of a private Mosquitto (production-like limits, no auth). */
	mqttUrl: string;
	/** Superuser URL of a private PostgreSQL cluster (fsync on); a section may CREATE DATABASE. */
	pgAdminUrl: string;
	/** A private scratch directory for this run (removed afterwards). */
	tmpDir: string;
	/** Process id of the private Mosquitto (CPU accounting from /proc). */
	mosquittoPid?: number;
	/** Process id of the private cluster's postmaster (its backends are its children). */
	postmasterPid?: number;
	/** Scale every section down for a smoke run (`BENCH_QUICK=1`). */
	quick?: boolean;
	/** Write one progress line to stderr. */
	log(line: string): void;
}

/** What one section gives back: a markdown block for README and its raw figures for the JSON file. */
export interface BenchSection {
	/** Short stable key, e.g. `ingest`, `latency`, `history`, `hub`, `startup`. */
	id: string;
	/** Markdown (a `###` heading, a table with each figure beside its baseline, one remark). */
	markdown: string;
	/** Raw figures (rounds, medians, load averages), JSON-serialisable. */
	data: unknown;
}

/** A benchmark section: runs its rounds (interleaved with its baselines, ≥ 3, medians). */
export type BenchSectionRunner = (services: BenchServices) => Promise<BenchSection>;
