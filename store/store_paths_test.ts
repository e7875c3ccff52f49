import assert from "node:assert/strict";
import { joinPath, parentPath, resolveStorePaths, StorePathError } from "./store_paths.ts";

Deno.test("resolveStorePaths lays out RocketMQ's folders under $HOME/store", () => {
  assert.deepEqual(resolveStorePaths({ home: "/home/mq/" }), {
    rootDir: "/home/mq/store",
    commitLog: "/home/mq/store/commitlog",
    consumeQueue: "/home/mq/store/consumequeue",
    index: "/home/mq/store/index",
    checkpoint: "/home/mq/store/checkpoint",
    abort: "/home/mq/store/abort",
    lock: "/home/mq/store/lock",
    configDir: "/home/mq/store/config",
    topicsJson: "/home/mq/store/config/topics.json",
    consumerOffsetJson: "/home/mq/store/config/consumerOffset.json",
    subscriptionGroupJson: "/home/mq/store/config/subscriptionGroup.json",
    delayOffsetJson: "/home/mq/store/config/delayOffset.json",
    consumerFilterJson: "/home/mq/store/config/consumerFilter.json",
  });
});

Deno.test("resolveStorePaths applies the root and each folder override", () => {
  const paths = resolveStorePaths({
    home: "/home/mq",
    storePathRootDir: "/data/store/",
    storePathCommitLog: "/fast/commitlog",
    storePathConsumeQueue: "/ssd/cq",
    storePathIndex: "/ssd/index/",
  });
  assert.equal(paths.rootDir, "/data/store");
  assert.equal(paths.commitLog, "/fast/commitlog");
  assert.equal(paths.consumeQueue, "/ssd/cq");
  assert.equal(paths.index, "/ssd/index");
  assert.equal(paths.checkpoint, "/data/store/checkpoint");
  assert.equal(paths.topicsJson, "/data/store/config/topics.json");
});

Deno.test("resolveStorePaths rejects several commit-log folders and empty paths", () => {
  assert.throws(
    () => resolveStorePaths({ home: "/h", storePathCommitLog: "/a,/b" }),
    /Cannot use storePathCommitLog "\/a,\/b": several folders are not supported/,
  );
  assert.throws(() => resolveStorePaths({ home: "/h", storePathRootDir: " " }), StorePathError);
});

Deno.test("joinPath and parentPath handle separators", () => {
  assert.equal(joinPath("/", "a"), "/a");
  assert.equal(joinPath("rel", "a", "b"), "rel/a/b");
  assert.equal(parentPath("/a/b/c.json"), "/a/b");
  assert.equal(parentPath("/c.json"), "/");
  assert.equal(parentPath("c.json"), ".");
});
