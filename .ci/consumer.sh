#!/usr/bin/env bash
# The consumer test: use the packages as a backend engineer would, from their own npm project. Packs
# @interleave/core, @interleave/sim and @interleave/runtime-redis (built JS + .d.ts, LICENSE, README, no
# workspace: ranges), installs the tarballs with npm into a temporary project outside the workspace (no workspace
# links, no source condition, no tsx from the root), writes there the scenario, registry and vitest test of
# @interleave/sim's README (a lost update: read then write in two steps), and checks that
#   1. a TypeScript registry without tsx installed gets one line saying to install it (exit 2);
#   2. a registry that cannot import @interleave/sim gets one line saying to install it (exit 2);
#   3. the scenario, the test and the core and runtime-redis READMEs' examples typecheck against the shipped
#      .d.ts files (tsc --noEmit), and the core's example runs;
#   4. `npx interleave explore` finds the race (and passes the fix), printing `npx interleave replay <trace>`;
#   5. that printed replay command reproduces the counterexample (exit 0);
#   6. the vitest test using `assertVariant` passes (the race is found, the fix passes);
#   7. @interleave/runtime-redis imports from plain Node (no Redis needed for that).
# Usage: .ci/consumer.sh [--built] (--built: skip `pnpm build`, the packages are built already). Takes about two
# minutes, mostly npm install. The temporary project is removed on success and kept on failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pnpm() { npx -y pnpm@10 "$@"; }
step() { printf '\n== consumer [%s]: %s\n' "$(date -u +%T)" "$*"; }
fail() {
  printf 'consumer test FAILED: %s\n(temporary project kept: %s)\n' "$*" "$work" >&2
  exit 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/interleave-consumer.XXXXXX")"
case "$work" in "$root"/*) fail "the temporary project must be outside the workspace" ;; esac
app="$work/app"
mkdir -p "$work/tarballs" "$app/scenarios" "$app/test"

step "build and pack the packages"
# .ci/run passes --built: its `pnpm test` has just built every package.
if [ "${1:-}" != "--built" ]; then (cd "$root" && pnpm build >/dev/null); fi
for p in core sim runtime-redis; do
  (cd "$root/packages/$p" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
ls "$work/tarballs"
for t in "$work"/tarballs/*.tgz; do
  files="$(tar -tzf "$t")"
  for f in LICENSE README.md package.json dist/index.js dist/index.d.ts; do
    grep -qx "package/$f" <<<"$files" || fail "$t has no $f"
  done
  if tar -xzOf "$t" package/package.json | grep -q '"workspace:'; then fail "$t has a workspace: dependency"; fi
done

step "npm install the tarballs into $app"
cd "$app"
cat >package.json <<'EOF'
{ "name": "consumer-app", "version": "1.0.0", "private": true, "type": "module" }
EOF
npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "$work"/tarballs/interleave-core-*.tgz "$work"/tarballs/interleave-sim-*.tgz \
  "$work"/tarballs/interleave-runtime-redis-*.tgz vitest@^4.1.0 typescript@7.0.2 @types/node@^20
[ -d node_modules/tsx ] && fail "tsx was installed with @interleave/sim (it must be an optional peer dependency)"

# The scenario, its registry and a vitest test are the ```ts blocks of @interleave/sim's README, in order (so the
# README's example is checked against the shipped API); the core and runtime-redis READMEs' examples are
# typechecked too (and the core's run).
tsblock() { # tsblock <README> <n>: the n-th ```ts block of README
  awk -v n="$2" '/^```ts$/ { i++; on = (i == n); next } /^```$/ { on = 0 } on' "$1"
}
tsblock "$root/packages/sim/README.md" 1 >scenarios/counter.ts
tsblock "$root/packages/sim/README.md" 2 >scenarios/index.ts
tsblock "$root/packages/sim/README.md" 3 >test/counter.test.ts
mkdir -p readme
tsblock "$root/packages/core/README.md" 1 >readme/core.ts
{
  echo 'declare function renderReport(signal: AbortSignal): Promise<unknown>;'
  tsblock "$root/packages/runtime-redis/README.md" 1
} >readme/runtime-redis.ts
for f in scenarios/counter.ts scenarios/index.ts test/counter.test.ts readme/core.ts readme/runtime-redis.ts; do
  [ -s "$f" ] || fail "no \`\`\`ts block for $f in the packages' READMEs"
done
cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
    "noEmit": true, "skipLibCheck": true, "types": ["node"]
  },
  "include": ["scenarios", "test", "readme"]
}
EOF

step "a TypeScript registry without tsx: one line, exit 2"
set +e
out="$(npx interleave explore --seed 1 --no-progress 2>&1)"
code=$?
set -e
printf '%s\n' "$out"
[ "$code" -eq 2 ] || fail "explore without tsx exited $code, expected 2"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "explore without tsx printed more than one line"
printf '%s' "$out" | grep -q "npm install --save-dev tsx" || fail "explore without tsx does not say to install tsx"

step "a registry that cannot import @interleave/sim: one line, exit 2"
mkdir -p "$work/elsewhere/scenarios"
printf 'import { defineScenario } from "@interleave/sim";\nexport default [defineScenario];\n' \
  >"$work/elsewhere/scenarios/index.js"
set +e
out="$(npx interleave explore --scenarios "$work/elsewhere/scenarios/index.js" --no-progress 2>&1)"
code=$?
set -e
printf '%s\n' "$out"
[ "$code" -eq 2 ] || fail "explore of a registry without @interleave/sim exited $code, expected 2"
printf '%s' "$out" | grep -q "cannot import @interleave/sim" || fail "no one-line reason for the missing @interleave/sim"

step "npm install tsx (the optional peer dependency TypeScript registries need)"
npm install --no-audit --no-fund --prefer-offline --loglevel=error --save-dev tsx@^4.7.0

step "typecheck the scenario, the test and the READMEs' examples against the shipped .d.ts"
npx tsc -p tsconfig.json
npx tsx readme/core.ts

step "npx interleave explore finds the race"
set +e
NO_COLOR=1 npx interleave explore --seed 1 --no-progress >explore.out 2>&1
code=$?
set -e
cat explore.out
[ "$code" -eq 0 ] || fail "explore exited $code, expected 0 (every verdict as expected)"
# exit 0 means every verdict equals its variant's expect: the race found, the fix passed
grep -q '✓ violation' explore.out || fail "explore did not find the race"
grep -q '✓ pass' explore.out || fail "explore did not pass the fix"
grep -q 'every increment is counted' explore.out || fail "explore does not name the violated property"
grep -q 'interleave replay' explore.out && ! grep -q 'npx interleave replay' explore.out &&
  fail "a printed replay command does not start with npx"
replay="$(grep -Eo 'npx interleave replay traces/[^ ]+\.json' explore.out | head -n 1)"
[ -n "$replay" ] || fail "explore printed no 'npx interleave replay traces/….json' command"

step "the printed command: $replay"
set +e
NO_COLOR=1 $replay >replay.out 2>&1
code=$?
set -e
head -n 40 replay.out
[ "$code" -eq 0 ] || fail "replay exited $code, expected 0 (the trace reproduced)"
grep -q "every increment is counted" replay.out || fail "replay does not name the violated property"

step "npx interleave explore --workers 2 (worker threads load the registry from the installed package)"
npx interleave explore --seed 1 --workers 2 --json >workers.json || fail "explore --workers 2 exited $?, expected 0"
node -e 'const d = JSON.parse(require("fs").readFileSync("workers.json", "utf8"));
  const v = d.results.map((r) => `${r.variant}=${r.verdict}`).join(" ");
  console.log(v); if (v !== "read-then-write=violation atomic-increment=pass") process.exit(1);' ||
  fail "explore --workers 2 gave other verdicts"
# That exploration is over before a worker could help (so none is started): start one and use it, on the
# TypeScript registry compiled by esbuild into a bundle that imports the installed @interleave/sim.
node --input-type=module -e '
const { WorkerPool } = await import("@interleave/sim/cli");
const pool = new WorkerPool(2);
const entry = await pool.ready("scenarios/index.ts");
const r = await pool.explore("scenarios/index.ts", "page-views", "read-then-write", { seed: 1, runs: 2000 });
await pool.close();
console.log(`worker loaded the registry (${entry.how}); threads ${pool.lastThreads}; ${r.verdict} at run ${r.runIndex}`);
if (!["built", "cached"].includes(entry.how) || pool.lastThreads !== 2 || r.verdict !== "violation") process.exit(1);' ||
  fail "a worker thread did not load the TypeScript registry from the installed package"

step "vitest with assertVariant"
npx vitest run --reporter=verbose

step "@interleave/runtime-redis imports from plain Node"
node --input-type=module -e 'const r = await import("@interleave/runtime-redis"); console.log("runtime-redis exports:", Object.keys(r).sort().join(", "));'

rm -rf "$work"
printf '\nconsumer test passed [%s]\n' "$(date -u +%T)"
