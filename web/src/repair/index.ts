// The repair feature's entry: an artifact's Repair button and its attempts, and whether a repair
// still runs (its checkpoint is polled until it does not).
export { RepairControl } from "./RepairControl";
export { repairRunning } from "./queries";
