/**
 * Where the broker keeps its files: RocketMQ's folder layout under `storePathRootDir`
 * (`shared/spec/store.md` §1, `StorePathConfigHelper.java`, `BrokerPathConfigHelper.java`).
 *
 * @module
 */

/** Inputs of {@linkcode resolveStorePaths}; config keys as RocketMQ spells them. */
export interface StorePathsOptions {
  /**
   * The user's home folder, used for the default root `$HOME/store`. The core cannot read the
   * environment, so `main.ts` passes it.
   */
  readonly home: string;
  /** root of all store files (default `<home>/store`) */
  readonly storePathRootDir?: string;
  /**
   * commit-log folder (default `<root>/commitlog`). RocketMQ 5.x accepts several folders joined by
   * `,`; EdgeMQ keeps the commit log in one folder and rejects a list.
   */
  readonly storePathCommitLog?: string;
  /**
   * Consume-queue folder override (default `<root>/consumequeue`). Not a RocketMQ config key
   * (config.md §4: Java always derives it from the root); accepted so an operator can put the
   * consume queues on another volume.
   */
  readonly storePathConsumeQueue?: string;
  /**
   * Index folder override (default `<root>/index`). Like `storePathConsumeQueue`, not a RocketMQ
   * key; accepted as an override.
   */
  readonly storePathIndex?: string;
}

/** Every path of the store layout, resolved. */
export interface StorePaths {
  /** `storePathRootDir` */
  readonly rootDir: string;
  /** commit-log segment files (`<root>/commitlog`) */
  readonly commitLog: string;
  /** consume queues, `<consumeQueue>/<topic>/<queueId>/` */
  readonly consumeQueue: string;
  /** index files (`<root>/index`) */
  readonly index: string;
  /** the 4096-byte checkpoint file (store.md §5) */
  readonly checkpoint: string;
  /** present while the store runs; found at start ⇒ the last exit was abnormal (store.md §6) */
  readonly abort: string;
  /** the store's lock file */
  readonly lock: string;
  /** folder of the metadata JSON files */
  readonly configDir: string;
  /** `config/topics.json`: TopicConfig table */
  readonly topicsJson: string;
  /** `config/consumerOffset.json`: committed consumer offsets */
  readonly consumerOffsetJson: string;
  /** `config/subscriptionGroup.json`: SubscriptionGroupConfig table */
  readonly subscriptionGroupJson: string;
  /** `config/delayOffset.json`: progress of the delay levels */
  readonly delayOffsetJson: string;
  /** `config/consumerFilter.json`: SQL92/class filter data */
  readonly consumerFilterJson: string;
}

/** Thrown when a configured store path cannot be used. */
export class StorePathError extends Error {
  /** @param message what is wrong, naming the key and value */
  constructor(message: string) {
    super(message);
    this.name = "StorePathError";
  }
}

/**
 * Resolves the store layout from the config. Paths use `/`; a trailing `/` is dropped.
 *
 * @param options home folder and the optional path keys
 * @returns every path of the layout
 * @throws {StorePathError} when a path is empty or `storePathCommitLog` lists several folders
 * @example
 * ```ts
 * import { resolveStorePaths } from "./store_paths.ts";
 * const paths = resolveStorePaths({ home: "/home/mq" });
 * console.assert(paths.commitLog === "/home/mq/store/commitlog");
 * console.assert(paths.consumerOffsetJson === "/home/mq/store/config/consumerOffset.json");
 * ```
 */
export function resolveStorePaths(options: StorePathsOptions): StorePaths {
  const rootDir = options.storePathRootDir === undefined
    ? joinPath(clean("home", options.home), "store")
    : clean("storePathRootDir", options.storePathRootDir);
  const commitLog = options.storePathCommitLog === undefined
    ? joinPath(rootDir, "commitlog")
    : clean("storePathCommitLog", options.storePathCommitLog);
  if (commitLog.includes(",")) {
    throw new StorePathError(
      `Cannot use storePathCommitLog ${
        JSON.stringify(commitLog)
      }: several folders are not supported`,
    );
  }
  const configDir = joinPath(rootDir, "config");
  return {
    rootDir,
    commitLog,
    consumeQueue: options.storePathConsumeQueue === undefined
      ? joinPath(rootDir, "consumequeue")
      : clean("storePathConsumeQueue", options.storePathConsumeQueue),
    index: options.storePathIndex === undefined
      ? joinPath(rootDir, "index")
      : clean("storePathIndex", options.storePathIndex),
    checkpoint: joinPath(rootDir, "checkpoint"),
    abort: joinPath(rootDir, "abort"),
    lock: joinPath(rootDir, "lock"),
    configDir,
    topicsJson: joinPath(configDir, "topics.json"),
    consumerOffsetJson: joinPath(configDir, "consumerOffset.json"),
    subscriptionGroupJson: joinPath(configDir, "subscriptionGroup.json"),
    delayOffsetJson: joinPath(configDir, "delayOffset.json"),
    consumerFilterJson: joinPath(configDir, "consumerFilter.json"),
  };
}

/**
 * Joins path parts with `/`, without doubling separators.
 *
 * @param base a folder
 * @param parts names below it
 * @returns the joined path
 * @example
 * ```ts
 * import { joinPath } from "./store_paths.ts";
 * console.assert(joinPath("/a/", "b", "c") === "/a/b/c");
 * ```
 */
export function joinPath(base: string, ...parts: string[]): string {
  let path = base.length > 1 && base.endsWith("/") ? base.slice(0, -1) : base;
  for (const part of parts) path = path === "/" ? `/${part}` : `${path}/${part}`;
  return path;
}

/**
 * The folder holding `path` (everything before the last `/`).
 *
 * @param path a file path
 * @returns its folder, `/` for a top-level entry, `.` when `path` has no `/`
 */
export function parentPath(path: string): string {
  const index = path.lastIndexOf("/");
  if (index < 0) return ".";
  return index === 0 ? "/" : path.slice(0, index);
}

function clean(key: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === "") throw new StorePathError(`Cannot use ${key} "": the path is empty`);
  return trimmed.length > 1 && trimmed.endsWith("/") ? trimmed.replace(/\/+$/, "") || "/" : trimmed;
}

/**
 * @param name a file or folder name
 * @returns true when `name` can be a consume-queue folder (no separators, not `.`/`..`)
 */
export function isSafeTopicFolder(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\\\0]/.test(name);
}
