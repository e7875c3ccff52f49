import assert from "node:assert/strict";
import { BROKER_USAGE, parseBrokerArgs } from "./broker_cli.ts";

Deno.test("parseBrokerArgs starts with no arguments and takes -c and -n", () => {
  assert.deepEqual(parseBrokerArgs([]), { action: "start" });
  assert.deepEqual(parseBrokerArgs(["-c", "conf/broker.conf", "-n", "127.0.0.1:9876"]), {
    action: "start",
    configFile: "conf/broker.conf",
    namesrvAddr: "127.0.0.1:9876",
  });
  assert.deepEqual(parseBrokerArgs(["--configFile=a.conf", "--namesrvAddr", "h:1;h:2"]), {
    action: "start",
    configFile: "a.conf",
    namesrvAddr: "h:1;h:2",
  });
});

Deno.test("parseBrokerArgs plans printing for -p (all) and -m (important), -p winning", () => {
  assert.deepEqual(parseBrokerArgs(["-p", "-c", "x.conf"]), {
    action: "print",
    importantOnly: false,
    configFile: "x.conf",
  });
  assert.deepEqual(parseBrokerArgs(["-m"]), { action: "print", importantOnly: true });
  assert.deepEqual(parseBrokerArgs(["-m", "-p"]), { action: "print", importantOnly: false });
});

Deno.test("parseBrokerArgs answers -h with the usage and bad arguments with an error plan", () => {
  assert.deepEqual(parseBrokerArgs(["-p", "-h"]), { action: "help", usage: BROKER_USAGE });
  assert.deepEqual(parseBrokerArgs(["-x"]), {
    action: "error",
    message: "Unrecognized option: -x",
    usage: BROKER_USAGE,
  });
  assert.deepEqual(parseBrokerArgs(["-c"]), {
    action: "error",
    message: "Missing argument for option: c",
    usage: BROKER_USAGE,
  });
  assert.equal(parseBrokerArgs(["-c", "-p"]).action, "error");
  assert.equal(parseBrokerArgs(["--help=yes"]).action, "error");
  assert.match(BROKER_USAGE, /-n,--namesrvAddr <arg>/);
});
