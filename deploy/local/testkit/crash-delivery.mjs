#!/usr/bin/env node
// delivery.mjs that kills itself (SIGKILL) at one of the lake writer's fault
// points, for the restart tests (pipeline.test.mjs):
//   node crash-delivery.mjs <before-commit|mid-rename> <delivery.mjs's options...>
// The production modules carry no switch for it: the fault is injected.
import { run } from "../delivery.mjs";

const [point, ...argv] = process.argv.slice(2);
run(argv, { faultAt: (p) => { if (p === point) process.kill(process.pid, "SIGKILL"); } });
