import assert from "node:assert/strict";
import { FlagError, formatUsage, GLOBAL_OPTIONS, parseFlags } from "./_flags.ts";
import { option } from "./command.ts";

const SPECS = [
  ...GLOBAL_OPTIONS,
  option("t", "topic", "topic name", "required"),
  option("r", "readQueueNums", "read queues"),
  option("o", "order", "order"),
  option("l", "list", "list format", "switch"),
];

Deno.test("parseFlags reads short, attached and long options and trims values", () => {
  const flags = parseFlags(
    ["-t", " TopicA ", "-r8", "--order=TRUE", "-l", "--namesrvAddr", "h:1"],
    SPECS,
  );
  assert.equal(flags.get("t"), "TopicA");
  assert.equal(flags.int("r", 1), 8);
  assert.equal(flags.bool("o", false), true);
  assert.equal(flags.has("l"), true);
  assert.equal(flags.get("l"), undefined);
  assert.equal(flags.get("n"), "h:1");
  assert.equal(flags.int("w", 8), 8);
  assert.equal(parseFlags(["-t", "T", "-o", "yes"], SPECS).bool("o", true), false);
});

Deno.test("ParsedFlags.get trims as Java's String.trim: controls and spaces, not U+00A0 or U+3000", () => {
  const flags = parseFlags(["-t", "\tKey\u00a0", "-n", "\u3000h:1\x01", "-o", "\x7f"], SPECS);
  assert.equal(flags.get("t"), "Key\u00a0");
  assert.equal(flags.get("n"), "\u3000h:1");
  assert.equal(flags.get("o"), "\x7f");
});

Deno.test("parseFlags names the option that is missing, unknown, valueless or malformed", () => {
  const cases: [string[], string][] = [
    [["-r", "1"], "missing required option -t (topic)"],
    [["-t", "T", "-x"], "unrecognized option -x"],
    [["-t", "T", "--nope=1"], "unrecognized option --nope=1"],
    [["-t"], "missing argument for option -t (topic)"],
    [["-t", "-l"], "missing argument for option -t (topic)"],
    [["-t", "T", "stray"], 'unexpected argument "stray"'],
    [["-t", "T", "-lx"], "option -l takes no value"],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseFlags(argv, SPECS), new FlagError(message), argv.join(" "));
  }
  for (const bad of ["eight", "1.5", "2147483648", ""]) {
    const flags = parseFlags(["-t", "T", "-r", bad], SPECS);
    assert.throws(
      () => flags.int("r", 8),
      (e: unknown) =>
        e instanceof FlagError &&
        e.message.startsWith(`invalid value ${JSON.stringify(bad)} for option -r (readQueueNums)`),
      bad,
    );
  }
  assert.throws(
    () => parseFlags(["-t", "T"], SPECS).oneOf("r", "o"),
    new FlagError("missing required option -r (readQueueNums) or -o (order)"),
  );
  assert.equal(parseFlags(["-h"], SPECS).has("h"), true, "-h skips the required check");
});

Deno.test("formatUsage lists every option, required ones unbracketed", () => {
  assert.equal(
    formatUsage("mqadmin x", SPECS),
    "usage: mqadmin x [-h] [-l] [-n <arg>] [-o <arg>] [-r <arg>] -t <arg>\n" +
      " -h,--help                  Print help\n" +
      " -l,--list                  list format\n" +
      " -n,--namesrvAddr <arg>     Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'\n" +
      " -o,--order <arg>           order\n" +
      " -r,--readQueueNums <arg>   read queues\n" +
      " -t,--topic <arg>           topic name\n",
  );
});

Deno.test("Flags.clampedLong takes any Java long, Long.MAX_VALUE clamped to the safe range", () => {
  const read = (value: string) => parseFlags(["-t", "T", "-r", value], SPECS).clampedLong("r", 0);
  assert.equal(read("9223372036854775807"), Number.MAX_SAFE_INTEGER);
  assert.equal(read("-9223372036854775808"), -Number.MAX_SAFE_INTEGER);
  assert.equal(read("1700000000000"), 1_700_000_000_000);
  assert.equal(parseFlags(["-t", "T"], SPECS).clampedLong("r", 42), 42);
  for (const bad of ["9223372036854775808", "1e3", "x"]) {
    assert.throws(
      () => read(bad),
      new FlagError(
        `invalid value ${
          JSON.stringify(bad)
        } for option -r (readQueueNums): expected an integer between -9223372036854775808 and 9223372036854775807`,
      ),
    );
  }
});
